"""The message catalogue: every user-visible string keyed once, in 中文 and English.

Pages and the CLI ask for a key; the language comes from the caller (the web's sidebar switch) or from
``HANLIN_LANG`` (``zh`` default, ``en``). A missing key raises at once (tests walk every page), so a
typo never shows a raw key to a user.

Example:
    >>> from toolkit.i18n import msg
    >>> msg("common.error_title", lang="en")
    'Something went wrong'
    >>> msg("poetry.where_line", lang="zh", line=2)
    '第 2 句'
"""

from __future__ import annotations

import os
import re

from .catalogue import MESSAGES, VIOLATION_KINDS

LANGS = ("zh", "en")


def env_lang() -> str:
    """The language chosen by ``HANLIN_LANG`` (zh when unset or unknown; ``en_US.UTF-8`` counts as en)."""
    v = os.environ.get("HANLIN_LANG", "").strip().lower()
    return "en" if v.startswith("en") else "zh"


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        from toolkit.errors import InvalidInputError

        raise InvalidInputError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    return lang


def msg(key: str, lang: str | None = None, **fmt) -> str:
    """The catalogue text for ``key`` in ``lang`` (default: ``HANLIN_LANG``), formatted with ``fmt``.

    Raises:
        KeyError: ``key`` is not in the catalogue.
    """
    zh, en = MESSAGES[key]
    text = en if (lang or env_lang()) == "en" else zh
    return text.format(**fmt) if fmt else text


def has(key: str) -> bool:
    return key in MESSAGES


def violation_label(kind: str, lang: str | None = None) -> str:
    """A violation kind (``gu_ping`` …) as words: 犯孤平 / lone level tone. Unknown kinds get a generic word."""
    zh, en = VIOLATION_KINDS.get(kind, ("格律问题", "form problem"))
    return en if (lang or env_lang()) == "en" else zh


# Lines of Han characters and lines of Latin words: used to tell which language a message is in.
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def looks_chinese(text: str) -> bool:
    return bool(_HAN.search(text))


def looks_english(text: str) -> bool:
    return bool(_LATIN_WORD.search(text))


__all__ = ["msg", "has", "env_lang", "check_lang", "violation_label", "LANGS", "MESSAGES", "VIOLATION_KINDS",
           "looks_chinese", "looks_english"]


# A bilingual message as Hanlin's errors write it: 中文 (English key terms) ... The pair pattern: a run of
# Chinese text ending in a Chinese character, directly followed by a parenthesised English gloss (a command
# or a name just before the bracket is not part of what the gloss translates).
_PAIR = re.compile(r"([^\s()（）:：,，;；。·]*[\u3400-\u9fff](?:[^()（）:：,，;；。·]*[\u3400-\u9fff])?)\s*[(（]([^()（）\u3400-\u9fff]*[A-Za-z][^()（）\u3400-\u9fff]*)[)）]")
# A gloss to drop in Chinese mode: a bracket without Chinese that reads as words ("(file not found)",
# "(2 citations, 1 with problems)"); a bracket of figures with at most one word ("(score -2.4)") is data.
_GLOSS = re.compile(r"\s*[(（]([^()（）\u3400-\u9fff]*[A-Za-z][^()（）\u3400-\u9fff]*)[)）]")


def _is_gloss(inner: str) -> bool:
    return not re.search(r"\d", inner) or len(re.findall(r"[A-Za-z]{2,}", inner)) >= 2


def localise(text: str, lang: str | None = None, strict: bool = True) -> str | None:
    """One language out of a bilingual message (``找不到文件 (file not found): x``).

    Chinese: the English glosses in brackets are dropped. English: each Chinese phrase is replaced by its
    gloss; when Chinese words are left over, None (``strict``: the caller shows a catalogue message instead)
    or the text with what could be replaced (names such as a knowledge base's stay as they are).
    """
    if (lang or env_lang()) != "en":
        return _GLOSS.sub(lambda m: "" if _is_gloss(m.group(1)) else m.group(0), text).strip()
    out = _PAIR.sub(lambda m: m.group(2).strip(), text)
    plain = re.sub(r"[「《“\"'][^」》”\"']*[」》”\"']", "", out)
    if looks_chinese(plain) and strict:
        return None
    return out.strip() if out != text or not looks_chinese(plain) else None


__all__ += ["localise"]


_TRAILING = re.compile(r"[(（]([^()（）\u3400-\u9fff]*[A-Za-z][^()（）\u3400-\u9fff]*)[)）]\s*$")


def glosses(text: str) -> list[str]:
    """The English glosses in brackets of a bilingual message, in order; a message written as
    ``中文说明 (the whole of it in English)`` gives its closing bracket."""
    found = [m.group(2).strip() for m in _PAIR.finditer(text)]
    if not found:
        m = _TRAILING.search(text)
        found = [m.group(1).strip()] if m else []
    return found


__all__ += ["glosses"]


def draft_kind_label(name: str, variant: str | None = None, lang: str | None = None) -> str:
    """A legal document kind (民事起诉状, variant 要素式) as the UI names it in ``lang``."""
    from .catalogue import DRAFT_KINDS

    if (lang or env_lang()) != "en":
        return f"{name}（{variant}）" if variant else name
    en = DRAFT_KINDS.get(name, name)
    return f"{en} ({DRAFT_KINDS.get(variant, variant)})" if variant else en


def draft_field_label(field: str, fallback: str) -> str:
    """The English label of a drafting form field (``plaintiff_id_number`` -> Plaintiff: ID card number)."""
    from .catalogue import DRAFT_ATTRS, DRAFT_FIELDS, DRAFT_ROLES

    if field in DRAFT_FIELDS:
        return DRAFT_FIELDS[field]
    for role, role_en in DRAFT_ROLES.items():
        if field.startswith(role + "_") and field[len(role) + 1:] in DRAFT_ATTRS:
            return f"{role_en}: {DRAFT_ATTRS[field[len(role) + 1:]]}"
    return fallback


__all__ += ["draft_kind_label", "draft_field_label"]
