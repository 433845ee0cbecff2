"""Record types of the normalised corpora (one poem, one statute article)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class PoemRecord:
    """One poem of ``data/corpora/poems.jsonl``.

    Example:
        >>> p = PoemRecord(id="x", collection="全唐诗", dynasty="唐", author="李白", title="静夜思",
        ...                text="床前明月光，疑是地上霜。", text_t="牀前明月光，疑是地上霜。",
        ...                title_t="靜夜思", author_t="李白", lines=("床前明月光", "疑是地上霜"),
        ...                form="other", tune=None)
        >>> p.lines[0]
        '床前明月光'
    """

    id: str  # source id (chinese-poetry UUID) where there is one, else "<collection slug>-<n>"
    collection: str  # 全唐诗, 全宋诗, 宋词, 花间集, 诗经, ...
    dynasty: str  # 先秦, 汉, 唐, 五代, 宋, 元, 清
    author: str  # simplified
    title: str  # simplified
    text: str  # simplified, punctuation kept, one couplet (source paragraph) per line
    text_t: str  # traditional: the original for traditional sources, OpenCC s2t for simplified ones
    title_t: str
    author_t: str
    lines: tuple[str, ...]  # simplified clauses (句) without punctuation
    form: str  # 五绝 | 七绝 | 五律 | 七律 | <词牌名> | other
    tune: str | None  # 词牌 name for ci, else None

    @classmethod
    def from_dict(cls, d: dict) -> "PoemRecord":
        return cls(**{**d, "lines": tuple(d["lines"])})

    def to_dict(self) -> dict:
        d = asdict(self)
        d["lines"] = list(self.lines)
        return d


@dataclass(frozen=True)
class ArticleRecord:
    """One current statute article of ``data/corpora/laws.sqlite`` (table ``articles``).

    Example:
        >>> a = ArticleRecord(id=1, law_id="abc", law_name="中华人民共和国刑法", short_name="刑法",
        ...                   article_no=120, article_label="第一百二十条之一", sub=1,
        ...                   chapter="第二章 危害公共安全罪", section="", text="...")
        >>> a.sub
        1
    """

    id: int
    law_id: str
    law_name: str
    short_name: str
    article_no: int  # 120 for 第一百二十条之一
    article_label: str  # 第一百二十条之一 (as printed in the statute)
    sub: int  # 0 for the base article, 1 for 之一, 2 for 之二 ...
    chapter: str  # "" when the law has no chapters
    section: str  # "" when the chapter has no sections
    text: str  # full article text, paragraphs (款) separated by "\n"
