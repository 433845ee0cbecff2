"""Reciprocal-rank fusion (Cormack et al., 2009): score(d) = Σ_i w_i / (k + rank_i(d))."""

from __future__ import annotations

from typing import Hashable, Sequence

from ..errors import InvalidInputError


def rrf(rank_lists: Sequence[Sequence[Hashable]], k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[Hashable, float]]:
    """Fuse ranked lists of ids into one ranking.

    Args:
        rank_lists: each a sequence of ids, best first (rank 1). An id missing from a list adds
            nothing from that list; an id repeated within one list counts at its best rank.
        k: the damping constant (60 in the original paper); larger flattens the top ranks.
        weights: one non-negative weight per list (default all 1.0).

    Returns:
        ``(id, score)`` pairs, best first; ties broken by the best single rank, then by first
        appearance, so the order is deterministic.

    Example:
        >>> rrf([["a", "b"], ["b", "c"]], k=1)
        [('b', 0.8333333333333333), ('a', 0.5), ('c', 0.3333333333333333)]
    """
    if k < 0:
        raise InvalidInputError(f"rrf 的 k 必须 ≥ 0 (k must be non-negative), got {k}")
    if weights is None:
        weights = [1.0] * len(rank_lists)
    if len(weights) != len(rank_lists):
        raise InvalidInputError(f"权重个数 {len(weights)} 与列表个数 {len(rank_lists)} 不符 (one weight per rank list)")
    score: dict = {}
    best: dict = {}
    order: dict = {}
    for lst, w in zip(rank_lists, weights):
        if w < 0:
            raise InvalidInputError(f"rrf 权重必须 ≥ 0 (weights must be non-negative), got {w}")
        seen = set()
        for r, doc in enumerate(lst, start=1):
            if doc in seen:
                continue
            seen.add(doc)
            score[doc] = score.get(doc, 0.0) + w / (k + r)
            best[doc] = min(best.get(doc, r), r)
            order.setdefault(doc, len(order))
    return sorted(score.items(), key=lambda kv: (-kv[1], best[kv[0]], order[kv[0]]))
