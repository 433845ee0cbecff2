"""Pack retrieved chunks into a model's context window, whole chunks only.

Long documents produce more evidence than a small model can read. Packing keeps retrieval order,
adds a chunk's expanded context when it fits, falls back to the bare chunk when only that fits, and
otherwise leaves the chunk out *and says so* (``Packed.dropped``) — it never cuts a passage.

Example:
    >>> from pipelines.qa.records import Chunk
    >>> cs = [Chunk("甲" * 50, "a.txt", "d", 1.0, chunk_id="d:0"), Chunk("乙" * 50, "a.txt", "d", .5, chunk_id="d:1")]
    >>> p = pack_chunks(cs, budget=60, count_tokens=len)
    >>> [c.chunk_id for c in p.chunks], [c.chunk_id for c in p.dropped]
    (['d:0'], ['d:1'])
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from .records import Chunk

# Tokens for the "[n] 来源：name" line and blank line the template puts around each chunk.
PER_CHUNK_OVERHEAD = 12


@dataclass(frozen=True)
class Packed:
    """Chunks chosen for the prompt (``context`` is what the model reads) and the ones left out."""

    chunks: tuple[Chunk, ...]
    dropped: tuple[Chunk, ...]
    tokens: int
    budget: int

    @property
    def note(self) -> str | None:
        if not self.dropped:
            return None
        return (
            f"资料过长, 有 {len(self.dropped)} 个片段未放入上下文 (context full: {len(self.dropped)} retrieved "
            f"chunk(s) left out, none cut): " + ", ".join(c.chunk_id for c in self.dropped)
        )


def _cost(text: str, source: str, count_tokens: Callable[[str], int]) -> int:
    return count_tokens(text) + count_tokens(source) + PER_CHUNK_OVERHEAD


def pack_chunks(chunks: list[Chunk], budget: int, count_tokens: Callable[[str], int]) -> Packed:
    """Choose chunks in order until ``budget`` tokens are used.

    Chunks whose context is already covered by an earlier chunk's context (same section) are merged
    away rather than repeated.

    Args:
        chunks: search results, best first.
        budget: tokens available for evidence (context length minus prompt and answer).
        count_tokens: the model's tokenizer length function.

    Returns:
        :class:`Packed`; each chosen chunk has ``context`` set to the text actually provided.
    """
    chosen: list[Chunk] = []
    dropped: list[Chunk] = []
    covered: set[str] = set()
    used = 0
    for c in chunks:
        if c.chunk_id in covered:
            continue  # already inside an earlier section/neighbour context
        options = []
        if c.context and c.context != c.text:
            options.append((c.context, c.expansion, tuple(c.context_chunk_ids)))
        options.append((c.text, "none", (c.chunk_id,)))
        for text, expansion, ids in options:
            cost = _cost(text, c.source, count_tokens)
            if used + cost <= budget:
                chosen.append(replace(c, context=text, expansion=expansion, context_chunk_ids=ids))
                covered.update(ids)
                used += cost
                break
        else:
            dropped.append(c)
    return Packed(tuple(chosen), tuple(dropped), used, budget)
