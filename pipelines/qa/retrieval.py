"""Turn index hits into :class:`Chunk` records, with parent expansion for fragments.

A hit that is a whole section (the only chunk under its heading) needs nothing more. A fragment gets
its enclosing section as ``context`` when the section is short enough (``parent_chars``), else the
chunk with its previous and next chunk; ``Chunk.expansion`` says which.
"""

from __future__ import annotations

from .catalog import Catalog, ChunkRow
from .records import Chunk


def merge_rows(rows: list[ChunkRow]) -> str:
    """Join consecutive chunks, dropping the overlap a ``continued`` chunk repeats from its predecessor."""
    out = ""
    prev = None
    for r in rows:
        text = r.text
        if prev is not None and r.continued and prev.ord == r.ord - 1:
            out += text[r.overlap :]  # the paragraph continues on the same line
        else:
            out += ("\n" if out else "") + text
        prev = r
    return out


def context_for(row: ChunkRow, section: list[ChunkRow], parent_chars: int) -> tuple[str, str, tuple[str, ...]]:
    """``(context, expansion, chunk_ids)`` for ``row`` given all chunks of its section."""
    if parent_chars <= 0 or len(section) <= 1:
        return row.text, "none", (row.chunk_id,)
    whole = merge_rows(section)
    if len(whole) <= parent_chars:
        return whole, "section", tuple(r.chunk_id for r in section)
    i = next((j for j, r in enumerate(section) if r.chunk_id == row.chunk_id), None)
    if i is None:
        return row.text, "none", (row.chunk_id,)
    window = section[max(0, i - 1) : i + 2]
    # Keep within budget: drop the neighbour that would overflow, the hit itself always stays.
    while len(window) > 1 and len(merge_rows(window)) > parent_chars:
        window = window[1:] if window[0] is not row and window[0].chunk_id != row.chunk_id else window[:-1]
    if len(window) == 1:
        return row.text, "none", (row.chunk_id,)
    return merge_rows(window), "neighbors", tuple(r.chunk_id for r in window)


def expand_hits(hits, catalog: Catalog, names: dict[str, str], parent_chars: int) -> list[Chunk]:
    """Map index hits (ids = chunk ids) to :class:`Chunk` s, skipping ids the catalogue no longer has.

    Args:
        hits: ``toolkit.index.Hit`` list, best first.
        catalog: the knowledge base's catalogue.
        names: doc_id -> document name.
        parent_chars: budget for the expanded context (0 = no expansion).
    """
    rows = catalog.chunks_by_id(h.id for h in hits)
    sections: dict[tuple[str, int], list[ChunkRow]] = {}
    out: list[Chunk] = []
    for h in hits:
        row = rows.get(h.id)
        if row is None:  # uncommitted by a concurrent writer, or removed since
            continue
        context, expansion, ids = row.text, "none", (row.chunk_id,)
        if parent_chars > 0:
            key = (row.doc_id, row.section)
            if key not in sections:
                sections[key] = catalog.section(*key)
            context, expansion, ids = context_for(row, sections[key], parent_chars)
        out.append(
            Chunk(
                text=row.text,
                source=names.get(row.doc_id, row.doc_id),
                doc_id=row.doc_id,
                score=float(h.score),
                chunk_id=row.chunk_id,
                ord=row.ord,
                page=row.page,
                heading_path=row.heading_path,
                bm25_score=h.bm25_score,
                dense_score=h.dense_score,
                bm25_rank=h.bm25_rank,
                dense_rank=h.dense_rank,
                context=context,
                expansion=expansion,
                context_chunk_ids=ids,
            )
        )
    return out
