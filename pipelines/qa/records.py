"""Records the knowledge base and DocQA return (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field

EXPANSIONS = ("none", "section", "neighbors")


@dataclass(frozen=True)
class Chunk:
    """One search hit.

    Attributes:
        text: the matched chunk's own text.
        source: document name (sanitised file name) it comes from.
        doc_id: the document id.
        score: final ranking score (RRF, or the reranker's score when one is set).
        chunk_id: ``<doc_id>:<ord>``.
        ord: position of the chunk in its document (0-based).
        page: 1-based PDF page of the chunk's start, None for other formats.
        heading_path: enclosing headings, outermost first.
        bm25_score, dense_score, bm25_rank, dense_rank: evidence of each retriever (debug view).
        context: the text to show a reader / model: the enclosing section or the chunk with its
            neighbours when the chunk alone is a fragment; equal to ``text`` otherwise.
        expansion: how ``context`` was built: ``none`` | ``section`` | ``neighbors``.
        context_chunk_ids: the chunk ids that make up ``context``, in order.
    """

    text: str
    source: str
    doc_id: str
    score: float
    chunk_id: str = ""
    ord: int = 0
    page: int | None = None
    heading_path: tuple[str, ...] = ()
    bm25_score: float | None = None
    dense_score: float | None = None
    bm25_rank: int | None = None
    dense_rank: int | None = None
    context: str = ""
    expansion: str = "none"
    context_chunk_ids: tuple[str, ...] = ()

    @property
    def location(self) -> str:
        """Human-readable place: ``file.pdf 第3页 · 第二章 > 第一节``."""
        parts = [self.source]
        if self.page:
            parts.append(f"第{self.page}页")
        if self.heading_path:
            parts.append(" > ".join(self.heading_path))
        return " · ".join(parts)


@dataclass(frozen=True)
class AddResult:
    """What :meth:`KnowledgeBase.ingest` did with one file.

    Attributes:
        doc_id: id of the (new or already present) document.
        name: stored document name.
        n_chunks: number of chunks indexed.
        duplicate: True when identical content was already in the knowledge base (nothing added).
        notes: remarks for the user (duplicate, pages without text, encoding, ...).
    """

    doc_id: str
    name: str
    n_chunks: int
    duplicate: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: ``[n]`` in the text refers to ``chunk``."""

    n: int
    chunk: Chunk

    @property
    def source(self) -> str:
        return self.chunk.source

    @property
    def page(self) -> int | None:
        return self.chunk.page


@dataclass(frozen=True)
class Answer:
    """A DocQA answer.

    Attributes:
        text: the answer, with ``[n]`` markers.
        citations: numbered sources; ``citations[i].n == i + 1``.
        question: the question as asked.
        search_query: the (possibly rewritten) stand-alone query used for retrieval.
        found: False when retrieval confidence was too low and the answer says so.
        mode: ``extractive`` (embedded model) or ``generative`` (capable backend).
        dropped: citations retrieved but left out of the context because it was full.
        invalid_citations: ``[n]`` markers in a generated answer that match no provided chunk.
        notes: other remarks (truncation, rewrite, ...).
    """

    text: str
    citations: tuple[Citation, ...] = ()
    question: str = ""
    search_query: str = ""
    found: bool = True
    mode: str = "extractive"
    dropped: tuple[Chunk, ...] = ()
    invalid_citations: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
