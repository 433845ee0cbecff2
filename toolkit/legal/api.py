"""The public entry points of :mod:`toolkit.legal` (contract): lookup, verification, search."""

from __future__ import annotations

import re

from ..errors import InvalidInputError
from .citations import check_citations
from .numerals import NUMBER, cn_to_int
from .records import CitationCheck, Statute
from .store import LawInfo, LawStore

MAX_TEXT = 200_000  # verify_citations: longer texts are checked in their first MAX_TEXT characters
_LABEL = re.compile(rf"^\s*第?\s*({NUMBER})\s*条?\s*(?:之\s*([一二三四五六七八九十]))?\s*$")


def parse_article_ref(article_no: int | str, sub: int = 0) -> tuple[int, int]:
    """Normalise an article reference: 1165, "1165", "第十七条之一", "十七" → (number, sub).

    Raises:
        InvalidInputError: when ``article_no`` is not an article number.
    """
    if isinstance(article_no, int) and not isinstance(article_no, bool):
        n = article_no
    else:
        m = _LABEL.match(str(article_no))
        n = cn_to_int(m.group(1)) if m else None
        if m and m.group(2):
            sub = "一二三四五六七八九十".index(m.group(2)) + 1
    if n is None or n <= 0:
        raise InvalidInputError(f"无效的条号 '{article_no}' (invalid article number); 例如 (e.g.) 1165, 第一千一百六十五条, 第十七条之一")
    return n, int(sub or 0)


def resolve_law(store: LawStore, law: str) -> LawInfo:
    """Resolve a law name or raise :class:`InvalidInputError` naming close matches."""
    if not law or not law.strip():
        raise InvalidInputError("法律名称为空 (empty law name)")
    info = store.resolve(law)
    if info is None:
        hints = store.suggest(law)
        msg = f"未知的法律 '{law}' (unknown law)"
        if hints:
            msg += "；相近的 (close matches): " + "、".join(hints)
        raise InvalidInputError(msg)
    return info


def get_article(law: str, article_no: int | str, sub: int = 0, settings=None) -> Statute | None:
    """One current article by law name (full, short or alias) and number.

    Args:
        law: 中华人民共和国民法典, 民法典, 民诉法 ...
        article_no: 1165, "1165", "第一千一百六十五条" or "第十七条之一".
        sub: 1 for 之一, 2 for 之二 (or write it in the label).
        settings: default the process settings.

    Returns:
        The article, or None when the law has no such article or is no longer in force.

    Raises:
        InvalidInputError: unknown law (the message lists close names) or a malformed number.
        DataMissingError: the corpus has not been pulled.
    """
    store = LawStore.open(settings)
    n, sub = parse_article_ref(article_no, sub)
    info = resolve_law(store, law)
    if not info.current:
        return None
    return store.article(info.law_name, n, sub)


def verify_citations(text: str, settings=None) -> list[CitationCheck]:
    """Find every statute citation in ``text`` and check it against the current corpus.

    Returns one :class:`CitationCheck` per cited article, in order of appearance, with status
    ``ok`` / ``no_such_article`` / ``unknown_law`` / ``not_current`` and, when the citation is
    followed by a quotation, ``quote_ok``.

    Raises:
        InvalidInputError: ``text`` is not a string.
        DataMissingError: the corpus has not been pulled.
    """
    if not isinstance(text, str):
        raise InvalidInputError(f"verify_citations 需要字符串 (expects str), got {type(text).__name__}")
    if not text.strip():
        return []
    store = LawStore.open(settings)
    return check_citations(text[:MAX_TEXT], store)


def search_statutes(query: str, k: int = 10, law: str | None = None, settings=None) -> list[Statute]:
    """Articles answering ``query`` (colloquial or formal), best first; see :mod:`toolkit.legal.search`."""
    from .search import StatuteSearcher

    return StatuteSearcher.open(settings).search(query, k=k, law=law)


def statutory_terms(query: str, settings=None) -> list[tuple[str, tuple[str, ...]]]:
    """How ``query``'s everyday words map to statutory terms: ``[(words, (terms, ...)), ...]``.

    Example: ``statutory_terms("朋友借我的车出了事故")`` → ``[("借我的车", ("机动车", "借用", ...)), ...]``.
    """
    from .search import StatuteSearcher

    return StatuteSearcher.open(settings).bridges(query)
