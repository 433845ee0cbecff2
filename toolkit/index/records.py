"""Records the index takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One indexable text.

    Attributes:
        id: unique, stable id (e.g. ``law_id:第四十七条``); adding an existing id replaces it.
        text: the text searched and returned.
        metadata: JSON-able values (str, int, float, bool, None, lists) used for filters and display.
    """

    id: str
    text: str
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """One search result with the evidence of both retrievers.

    Attributes:
        id, text, metadata: the stored document.
        score: the ranking score of the requested mode (RRF for hybrid, BM25 or cosine otherwise).
        bm25_score: BM25 score for the query (0.0 when no query term matches; None if not computed).
        dense_score: cosine similarity of query and document embeddings (None if not computed).
        bm25_rank, dense_rank: 1-based rank in that retriever's candidate list, None if not in it.
    """

    id: str
    text: str
    metadata: dict
    score: float
    bm25_score: float | None = None
    dense_score: float | None = None
    bm25_rank: int | None = None
    dense_rank: int | None = None


class HitList(list):
    """A ``list[Hit]`` that also carries notes about the query (e.g. that it was truncated).

    Attributes:
        query: the query actually searched (after truncation).
        warnings: human-readable notes, empty when nothing unusual happened.
    """

    def __init__(self, hits=(), query: str = "", warnings: tuple[str, ...] = ()):
        super().__init__(hits)
        self.query = query
        self.warnings = tuple(warnings)

    @property
    def truncated(self) -> bool:
        return any("truncated" in w for w in self.warnings)


@dataclass(frozen=True)
class Chunk:
    """A piece of a longer text, produced by :func:`toolkit.index.chunk_text`.

    Attributes:
        text: exactly ``source[start:end]`` (whitespace at the edges trimmed by moving the offsets).
        start, end: character offsets into the source text (half-open).
        heading_path: enclosing headings, outermost first (e.g. ``("第三章 劳动合同的解除", "第一节 ...")``).
        kind: ``"text"``, ``"article"`` (a 第X条 article), ``"list"`` or ``"heading"``.
    """

    text: str
    start: int
    end: int
    heading_path: tuple[str, ...] = ()
    kind: str = "text"
