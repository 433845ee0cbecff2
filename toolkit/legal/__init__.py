"""Statute search, article lookup and citation verification over the pulled laws corpus.

Contract (see DESIGN.md): :func:`search_statutes`, :func:`get_article`, :func:`verify_citations`,
records :class:`Statute` and :class:`CitationCheck`.

Example:
    >>> from toolkit.legal import get_article, verify_citations
    >>> get_article("民法典", 1165).article_label  # doctest: +SKIP
    '第一千一百六十五条'
    >>> [c.status for c in verify_citations("合同法第52条")]  # doctest: +SKIP
    ['not_current']
"""

from .api import get_article, search_statutes, statutory_terms, verify_citations
from .records import CitationCheck, Statute

__all__ = ["CitationCheck", "Statute", "get_article", "search_statutes", "statutory_terms", "verify_citations"]
