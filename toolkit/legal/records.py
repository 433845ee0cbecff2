"""Records returned by :mod:`toolkit.legal`: a statute article and a citation check."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Statute:
    """One current article of a law.

    Example:
        >>> s = get_article("民法典", 1165)  # doctest: +SKIP
        >>> s.law_name, s.article_label
        ('中华人民共和国民法典', '第一千一百六十五条')
    """

    law_name: str  # full official name, e.g. 中华人民共和国民法典
    article_no: int  # 1165 (之一/之二 articles share the number of their base article; see ``sub``)
    article_label: str  # 第一千一百六十五条, 第十七条之一
    text: str  # full article text, paragraphs joined by "\n"
    chapter: str = ""  # 第七编 侵权责任 / 第一章 ... as stored
    score: float = 0.0  # retrieval score (1.0 for exact lookups)
    law_id: str = ""  # corpus id of the law
    short_name: str = ""  # 民法典
    sub: int = 0  # 0 for a base article, 1 for 之一, 2 for 之二 ...
    section: str = ""

    @property
    def citation(self) -> str:
        """《中华人民共和国民法典》第一千一百六十五条"""
        return f"《{self.law_name}》{self.article_label}"

    def to_dict(self) -> dict:
        return asdict(self)


STATUSES = ("ok", "no_such_article", "unknown_law", "not_current")


@dataclass(frozen=True)
class CitationCheck:
    """The verdict on one citation found in a text.

    ``status`` is one of ``ok``, ``no_such_article``, ``unknown_law``, ``not_current``;
    ``quote_ok`` is None when the text quotes nothing after the citation.
    """

    raw: str  # the citation as written (《民法典》第1165条第一款)
    law_name: str | None  # resolved official name (the repealed law's name for not_current)
    article_no: int | None
    status: str
    article_text: str | None  # current text when status is ok
    message: str = ""  # human-readable reason, Chinese with English key terms
    span: tuple[int, int] = (0, 0)  # character offsets of ``raw`` in the checked text
    sub: int = 0  # 之一 → 1
    paragraph: int | None = None  # 款
    item: int | None = None  # 项
    article_label: str | None = None
    law_id: str | None = None
    quote: str | None = None  # text quoted right after the citation (“…”)
    quote_ok: bool | None = None
    successor: str | None = None  # for not_current: the law that replaced it

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.quote_ok is not False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["span"] = list(self.span)
        return d
