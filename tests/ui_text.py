"""What a page shows, as text, and the checks the UI tests apply to it: no internal codes, one language.

Shared by the AppTest walk (tests/test_web_i18n.py) and the browser tests (tests/test_web_e2e.py).
"""

from __future__ import annotations

import re

from toolkit import prosody

# Internal codes: snake_case identifiers, key=value dumps, control tokens, exception class names.
SNAKE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./-])")
KEY_VALUE = re.compile(r"\b[a-z_]{3,}=[\w.]+")
CONTROL = re.compile(r"<(?:bos|eos|pad|unk)>|‹[^‹>]{1,6}>|<[\u3400-\u9fff]{1,3}>")
EXCEPTION = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b|Traceback|\[Errno")
BOOL = re.compile(r"(?<![A-Za-z])(?:True|False|None)(?![A-Za-z])")

HAN = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")
# Quoted material (poem lines, statute names, examples of input) is content, shown as written in any language.
QUOTED = re.compile(r"「[^」]*」|《[^》]*》|“[^”]*”|\"[^\"]*\"|'[^']*'|`[^`]*`|\([\u3400-\u9fff\s，。？！、]+\)|（[^）]*）")
EXAMPLE_TAIL = re.compile(r"(?:e\.g\.|For example:|such as)\s.*$")
# Names that stay as they are in either language: product, formats, engines, the commands a user types.
NAMES = {"Hanlin", "MoE", "NumPy", "PDF", "Word", "TXT", "Markdown", "HTML", "OpenAI", "DeepSeek", "MLA", "transformers",
         "torch", "hanlin", "data", "pull", "index", "build", "docx", "top", "Try", "Hanlin翰林", "hanlin-moe-mini",
         "moe", "mini", "KB", "BM25", "RRF", "http", "https"}


def chinese_terms() -> set[str]:
    """Chinese words kept in the English UI because they are names: forms, 词牌, rhyme groups, tone marks."""
    terms = set(prosody.REGULATED_FORMS) | set(prosody.cipai_names()) | set(prosody.rhyme_groups())
    return terms | {"平", "仄", "中", "翰林"}


def internal_codes(text: str) -> list[str]:
    found = []
    for rx in (SNAKE, KEY_VALUE, CONTROL, EXCEPTION, BOOL):
        found += rx.findall(text)
    return found


def wrong_language(text: str, lang: str, terms: set[str]) -> str | None:
    """The part of ``text`` in the other language, or None."""
    rest = EXAMPLE_TAIL.sub("", QUOTED.sub(" ", text))
    if lang == "en":
        for term in sorted(terms, key=len, reverse=True):
            rest = rest.replace(term, " ")
        return rest if HAN.search(rest) else None
    words = [w for w in LATIN.findall(rest) if w not in NAMES]
    return " ".join(words) if words else None


# `code` spans hold what the user writes in that syntax: a template's variables, a model spec.
CODE_SPAN = re.compile(r"`[^`]*`")
# Streamlit's own markup (icons, colours) renders as pictures, not words.
MARKUP = re.compile(r":material/[a-z_]+:|:(?:red|green|orange|blue|violet|gray|grey|rainbow|primary)\[|(?<=:)\]")


def problems(lines: list[str], lang: str) -> list[str]:
    terms = chinese_terms()
    out = []
    for line in lines:
        line = MARKUP.sub("", line)
        codes = internal_codes(CODE_SPAN.sub("", line))
        if codes:
            out.append(f"internal code {codes} in: {line}")
        wrong = wrong_language(line, lang, terms)
        if wrong:
            out.append(f"wrong language ({wrong.strip()[:40]!r}) in: {line}")
    return out
