"""Topic relevance from retrieval: similar corpus poems → a character bias, a rhyme group, a rerank score."""

from __future__ import annotations

import math
from collections import Counter

from toolkit.prosody import groups_of, rhyme_groups

from .records import Inspiration

# frequent 平水韵 level groups, tried in order when retrieval suggests none
DEFAULT_GROUPS = {"pingshui": ("东", "阳", "庚", "尤", "真", "先", "支", "微", "寒", "侵", "萧", "歌")}


def body_of(hit) -> str:
    """The poem body of an index hit (the text after the title/author header)."""
    start = int((hit.metadata or {}).get("body_start") or 0)
    return hit.text[start:] if start else hit.text


def retrieve(index, topic: str, k: int = 20, form: str | None = None):
    """Hybrid search for ``topic`` (an empty list without an index or topic)."""
    if index is None or not topic.strip():
        return []
    try:
        return list(index.search(topic, k=k))
    except Exception:  # noqa: BLE001 - retrieval is a soft signal; generation still works without it
        return []


def inspirations(hits, limit: int = 5) -> tuple[Inspiration, ...]:
    out = []
    for h in hits[:limit]:
        m = h.metadata or {}
        body = body_of(h).replace("\n", "")
        out.append(Inspiration(str(m.get("id", h.id)), m.get("title", ""), m.get("author", ""), m.get("dynasty", ""),
                               body[:48], float(h.score)))
    return tuple(out)


def char_counts(hits, topic: str = "") -> Counter:
    """Han-character counts over the retrieved bodies (the topic's own characters weigh more)."""
    c: Counter = Counter()
    for h in hits:
        c.update(ch for ch in body_of(h) if "\u4e00" <= ch <= "\u9fff")
    for ch in topic:
        if "\u4e00" <= ch <= "\u9fff":
            c[ch] += 5
    return c


def char_bias(counts: Counter, ids: dict[str, int], scale: float = 0.7, cap: float = 2.8) -> dict[int, float]:
    """Token id → logit bonus ``scale·log(1+count)`` (capped): a modest pull toward the topic's characters."""
    return {ids[ch]: min(cap, scale * math.log1p(n)) for ch, n in counts.items() if ch in ids}


def choose_group(hits, rhyme_book: str, usable) -> tuple[str, str]:
    """The rhyme group: the commonest level group among the retrieved poems' couplet-final characters.

    Args:
        usable: ``usable(group) -> bool`` (enough member characters in the vocabulary).

    Returns:
        (group, how it was chosen).
    """
    votes: Counter = Counter()
    for h in hits:
        for line in body_of(h).split("\n"):
            line = line.strip().rstrip("。！？；")
            if line and "\u4e00" <= line[-1] <= "\u9fff":
                for g in groups_of(line[-1], rhyme_book, level_only=True)[:1]:
                    votes[g] += 1
    for g, _ in votes.most_common():
        if usable(g):
            return g, f"韵部「{g}」取自相似古诗的韵脚 (rhyme group from retrieved poems)"
    for g in DEFAULT_GROUPS.get(rhyme_book, ()) + tuple(rhyme_groups(rhyme_book, "平")):
        if usable(g):
            return g, f"韵部「{g}」为常用宽韵 (a frequent wide group)"
    raise LookupError("no usable rhyme group")


def similarity(text: str, counts: Counter) -> float:
    """Cosine similarity of ``text``'s character counts with the topic's (0 when no topic)."""
    if not counts:
        return 0.0
    t = Counter(ch for ch in text if "\u4e00" <= ch <= "\u9fff")
    dot = sum(n * counts.get(ch, 0) for ch, n in t.items())
    na = math.sqrt(sum(n * n for n in t.values()))
    nb = math.sqrt(sum(n * n for n in counts.values()))
    return dot / (na * nb) if na and nb else 0.0
