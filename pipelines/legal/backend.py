"""The legal functions the pipelines call, bundled so tests can pass fakes (no global patching)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class LegalBackend:
    """``search_statutes``, ``get_article`` and ``verify_citations`` as plain callables.

    Example:
        >>> backend = LegalBackend.default()   # doctest: +SKIP  (uses toolkit.legal and the pulled data)
    """

    search_statutes: Callable  # (query, k=10, law=None) -> list[Statute]
    get_article: Callable  # (law, article_no, sub=0) -> Statute | None
    verify_citations: Callable  # (text) -> list[CitationCheck]
    statutory_terms: Callable | None = None  # (query) -> [(everyday words, statutory terms)]; optional

    @classmethod
    def default(cls, settings=None) -> "LegalBackend":
        from toolkit import legal

        if settings is None:
            return cls(legal.search_statutes, legal.get_article, legal.verify_citations, legal.statutory_terms)
        return cls(
            lambda q, k=10, law=None: legal.search_statutes(q, k=k, law=law, settings=settings),
            lambda law, no, sub=0: legal.get_article(law, no, sub, settings=settings),
            lambda text: legal.verify_citations(text, settings=settings),
            lambda q: legal.statutory_terms(q, settings=settings),
        )
