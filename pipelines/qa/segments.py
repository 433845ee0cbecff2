"""A knowledge base's index as immutable segments, so that adding a file costs the file.

Layout of ``<kb>/index/``::

    segments.json   the snapshot: which segments are live, removed chunk ids (tombstones), embedder
    s000001/ ...    one toolkit.index.HybridIndex per segment, written once and never changed

An add writes its chunks into a new segment folder (atomically), then replaces ``segments.json``
(atomically): a reader sees the old or the new snapshot, never a mix. A removal drops a segment whose
chunks are all gone, else records tombstones. Segments of similar size merge (``tier_size`` of them
per power of ten, like a log-structured merge), and :meth:`SegmentedIndex.compact` merges them all;
a merge copies the segments' term counts and vectors (nothing is tokenised or embedded again) and
drops tombstoned chunks.

Scores are comparable across segments: BM25 uses the whole knowledge base's document count, length
and document frequencies (:class:`toolkit.index.CollectionStats`), and every segment's vectors come
from the one embedder named in ``segments.json``.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from toolkit.atomic import sweep_stale, write_json
from toolkit.errors import IndexCorruptError

SNAPSHOT = "segments.json"
FORMAT, VERSION = "hanlin-kb-segments", 1
TIER_SIZE = 10  # segments of one size tier (power of ten of their chunk count) merged at once


@dataclass(frozen=True)
class Fusion:
    """How BM25 and dense scores combine: ``bm25 / best_bm25 + weight * max(0, (cos - floor) / (1 - floor))``.

    Relative score fusion keeps BM25's margins (RRF flattens adjacent ranks); ``floor`` is the cosine
    an unrelated passage gets from the embedder (E5 cosines rarely drop below ~0.7), so only the
    similarity above it counts. Both are fitted on the knowledge-base dev questions
    (``bench/kb_fit_fusion.py``, stored in ``pipelines/qa/data/kb_fusion.json``).
    """

    weight: float = 1.0
    floor: float = 0.0

    def dense_part(self, cos: float | None) -> float:
        if cos is None or self.floor >= 1:
            return 0.0
        return max(0.0, (cos - self.floor) / (1.0 - self.floor))

    def score(self, bm25: float, best_bm25: float, cos: float | None) -> float:
        return (bm25 / best_bm25 if best_bm25 > 0 else 0.0) + self.weight * self.dense_part(cos)


@dataclass(frozen=True)
class Candidate:
    """One chunk found in one segment, with both scores (the fused one set by :meth:`SegmentedIndex.search`)."""

    id: str
    text: str
    metadata: dict
    bm25_score: float
    dense_score: float | None
    score: float = 0.0
    bm25_rank: int | None = None
    dense_rank: int | None = None


def _read_snapshot(folder: Path) -> dict:
    path = folder / SNAPSHOT
    try:
        snap = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"format": FORMAT, "version": VERSION, "next": 1, "segments": [], "tombstones": []}
    except (OSError, ValueError) as e:
        raise IndexCorruptError(f"索引快照损坏 (index snapshot unreadable): {path}: {e}") from None
    if not isinstance(snap, dict) or snap.get("format") != FORMAT or not isinstance(snap.get("segments"), list):
        raise IndexCorruptError(f"索引快照格式不对 (not a segment snapshot): {path}")
    return snap


class SegmentedIndex:
    """One consistent snapshot of a knowledge base's segments, searchable as one index.

    Args:
        folder: the index folder.
        segmenter: the knowledge base's search segmenter (the one segments were built with).
        embedder: the knowledge base's pretrained embedder (shared by all segments).
        loaded: segments already in memory, by name (reused: a segment never changes).

    Example:
        >>> ix = SegmentedIndex.open(folder, seg, emb)          # doctest: +SKIP
        >>> ix = ix.add([Document("d:0", "试用期最长六个月")])  # a new snapshot # doctest: +SKIP
    """

    def __init__(self, folder: Path, segmenter, embedder, snapshot: dict, segments: dict):
        self.folder = Path(folder)
        self.segmenter = segmenter
        self.embedder = embedder
        self.snapshot = snapshot
        self.segments = segments  # name -> HybridIndex, in snapshot order
        self.tombstones = frozenset(snapshot.get("tombstones", ()))

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, folder, segmenter, embedder, loaded: dict | None = None) -> "SegmentedIndex":
        """Read ``segments.json`` and load the segments it lists (reusing ``loaded`` ones).

        Raises:
            IndexCorruptError: the snapshot or a segment is unreadable, or a segment was built with
                another embedder.
        """
        from toolkit.index import HybridIndex

        folder = Path(folder)
        snap = _read_snapshot(folder)
        want = snap.get("embedder")
        if snap["segments"] and want and want.get("kind") != embedder.kind:
            raise IndexCorruptError(f"索引的向量模型 ({want.get('kind')}) 与知识库设置 ({embedder.kind}) 不符 "
                                    f"(index built with another embedder)")
        segs = {}
        for s in snap["segments"]:
            name = s["name"]
            ix = (loaded or {}).get(name)
            segs[name] = ix if ix is not None else HybridIndex.load(folder / name, segmenter=segmenter, embedder=embedder)
        return cls(folder, segmenter, embedder, snap, segs)

    @staticmethod
    def embedder_kind(folder) -> str | None:
        """The embedder kind the snapshot in ``folder`` was written with (None: no snapshot or segments)."""
        snap = _read_snapshot(Path(folder))
        return (snap.get("embedder") or {}).get("kind") if snap["segments"] else None

    # ------------------------------------------------------------------ size and membership
    def __len__(self) -> int:
        return sum(len(ix) for ix in self.segments.values()) - len(self.tombstones)

    def __contains__(self, chunk_id: str) -> bool:
        return chunk_id not in self.tombstones and any(chunk_id in ix for ix in self.segments.values())

    # ------------------------------------------------------------------ writing (the caller holds the writer lock)
    def _commit(self, snap: dict, segments: dict) -> "SegmentedIndex":
        snap = {**snap, "format": FORMAT, "version": VERSION, "embedder": self.embedder.spec()}
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(self.folder / SNAPSHOT, snap)
        return SegmentedIndex(self.folder, self.segmenter, self.embedder, snap, segments)

    def _new_segment(self, docs, progress: bool = False):
        """Build and save a segment of ``docs``; returns ``(name, index)`` (None when ``docs`` is empty)."""
        from toolkit.index import HybridIndex

        ix = HybridIndex(segmenter=self.segmenter, embedder=self.embedder)
        if not ix.add(docs, progress=progress):
            return None
        return self._save_segment(ix)

    def _save_segment(self, ix):
        name = f"s{int(self.snapshot.get('next', 1)):06d}"
        self.snapshot = {**self.snapshot, "next": int(self.snapshot.get("next", 1)) + 1}
        ix.save(self.folder / name, embedder_files=False)
        return name, ix

    def add(self, docs, progress: bool = False, merge: bool = True) -> "SegmentedIndex":
        """A new snapshot with ``docs`` in a new segment (then small segments merged, see :data:`TIER_SIZE`)."""
        made = self._new_segment(docs, progress)
        if made is None:
            return self
        name, ix = made
        entry = {"name": name, "count": len(ix)}
        out = self._commit({**self.snapshot, "segments": [*self.snapshot["segments"], entry]}, {**self.segments, name: ix})
        return out.merge_tiers() if merge else out

    def remove(self, chunk_ids: Iterable[str]) -> "SegmentedIndex":
        """A new snapshot without ``chunk_ids`` (unknown ids ignored): emptied segments go, others get tombstones.

        Costs the removed chunks (one look-up per segment), not the size of the base.
        """
        gone = list(set(chunk_ids) - self.tombstones)
        keep, segs, tomb, changed = [], {}, set(), False
        for entry in self.snapshot["segments"]:
            ix = self.segments[entry["name"]]
            hit = set(ix.store.rows_of(gone)) if gone else set()
            dead = set(ix.store.rows_of(list(self.tombstones))) if self.tombstones else set()
            changed |= bool(hit)
            if hit and len(hit | dead) >= len(ix):
                continue  # every chunk of this segment is gone: drop it whole
            keep.append(entry)
            segs[entry["name"]] = ix
            tomb |= hit | dead
        if not changed:
            return self
        return self._commit({**self.snapshot, "segments": keep, "tombstones": sorted(tomb)}, segs)

    def _merge(self, names: Sequence[str]) -> "SegmentedIndex":
        """Replace the segments ``names`` by one holding their live chunks (tombstones dropped).

        Term counts and vectors are copied (:meth:`HybridIndex.merged`), nothing is re-embedded."""
        from toolkit.index import HybridIndex

        names = set(names)
        parts = [self.segments[n] for n in self.snapshot_names() if n in names]
        merged = HybridIndex.merged(parts, drop=self.tombstones)
        made = self._save_segment(merged) if len(merged) else None
        kept = [e for e in self.snapshot["segments"] if e["name"] not in names]
        segs = {e["name"]: self.segments[e["name"]] for e in kept}
        if made is not None:
            name, ix = made
            # The merged segment takes the place of the first merged one: order stays by age.
            first = min(i for i, e in enumerate(self.snapshot["segments"]) if e["name"] in names)
            before = [e for e in self.snapshot["segments"][:first] if e["name"] not in names]
            after = [e for e in self.snapshot["segments"][first:] if e["name"] not in names]
            kept = [*before, {"name": name, "count": len(ix)}, *after]
            segs = {e["name"]: (ix if e["name"] == name else self.segments[e["name"]]) for e in kept}
        # Tombstones of merged segments are gone with their chunks; those of other segments stay.
        old_tomb = {t for t in self.tombstones if any(t in segs[n] for n in segs)}
        out = self._commit({**self.snapshot, "segments": kept, "tombstones": sorted(old_tomb)}, segs)
        out.sweep()
        return out

    def snapshot_names(self) -> list[str]:
        return [e["name"] for e in self.snapshot["segments"]]

    def merge_tiers(self, tier_size: int | None = None) -> "SegmentedIndex":
        """Merge ``tier_size`` (default :data:`TIER_SIZE`) segments of one size tier (⌊log10 chunks⌋) into one, repeatedly.

        Each chunk is merged about once per tier, so one-by-one adds cost O(n log n) in all.
        """
        tier_size = tier_size or TIER_SIZE
        out = self
        while True:
            tiers: dict[int, list[str]] = {}
            for e in out.snapshot["segments"]:
                tiers.setdefault(int(math.log10(max(int(e["count"]), 1))), []).append(e["name"])
            full = next((names for _, names in sorted(tiers.items()) if len(names) >= tier_size), None)
            if full is None:
                return out
            out = out._merge(full)

    def compact(self, progress: bool = False) -> "SegmentedIndex":
        """Merge every segment into one and drop tombstoned chunks."""
        if len(self.segments) <= 1 and not self.tombstones:
            return self
        return self._merge(self.snapshot_names())

    def sweep(self) -> list[str]:
        """Delete segment folders no snapshot lists (left by merges or by a killed writer)."""
        live = set(self.snapshot_names())
        sweep_stale(self.folder / SNAPSHOT)
        gone = []
        if self.folder.is_dir():
            for p in self.folder.iterdir():
                if p.is_dir() and p.name.startswith("s") and p.name[1:].isdigit() and p.name not in live:
                    sweep_stale(p)
                    shutil.rmtree(p, ignore_errors=True)
                    gone.append(p.name)
        return gone

    # ------------------------------------------------------------------ search
    def collection(self, tokens: Sequence[str]):
        """Whole-knowledge-base BM25 statistics for ``tokens`` (tombstoned chunks still count until merged)."""
        from toolkit.index import CollectionStats

        segs = list(self.segments.values())
        df = {t: sum(ix.doc_freq(t) for ix in segs) for t in set(tokens)}
        return CollectionStats(sum(len(ix) for ix in segs), float(sum(ix.bm25.total_len for ix in segs)), df)

    def search(self, query: str, k: int, mode: str = "hybrid", fusion: Fusion = Fusion(),
               doc_ids: Iterable[str] | None = None) -> list[Candidate]:
        """The ``k`` best chunks over all segments.

        Args:
            mode: ``hybrid`` (``fusion`` of BM25 and cosine), ``bm25`` or ``dense``.
            doc_ids: restrict to these documents (chunk metadata ``doc_id``).
        """
        tokens = self.segmenter_tokens(query)
        stats = self.collection(tokens) if mode != "dense" else None
        qvec = None
        if mode != "bm25":
            qvec = self.embedder.embed_query([query])[0]
            if not np.any(qvec):
                qvec = None
        depth = max(4 * k, 50) + len(self.tombstones)
        wanted = list(doc_ids) if doc_ids is not None else None
        pool: dict[tuple[str, int], list] = {}  # (segment, row) -> [bm25, cos]
        for name, ix in self.segments.items():
            mask = None
            if wanted is not None:
                rows = ix.store.rows_where({"doc_id": wanted})
                mask = np.zeros(ix.bm25.n_rows, dtype=bool)
                mask[rows[rows < len(mask)]] = True
            bm = ix.bm25.scores(tokens, stats) if stats is not None else None
            if bm is not None and mask is not None:
                bm = np.where(mask, bm, 0.0)
            if bm is not None and mode != "dense":
                cand = np.flatnonzero(bm > 0)
                if len(cand) > depth:
                    cand = cand[np.argpartition(-bm[cand], depth - 1)[:depth]]
                for r in cand:
                    pool.setdefault((name, int(r)), [0.0, None])[0] = float(bm[r])
            if qvec is not None and ix.dense is not None:
                allowed = np.flatnonzero(mask & ix.bm25.alive) if mask is not None else None
                rows, cos = ix.dense.search(qvec, depth, allowed)
                for r, c in zip(rows, cos):
                    if r < 0:
                        continue
                    slot = pool.setdefault((name, int(r)), [float(bm[r]) if bm is not None else 0.0, None])
                    slot[1] = float(c)
        # Dense scores for BM25-only candidates, so that the fusion and the answer's confidence see both.
        if qvec is not None:
            by_seg: dict[str, list[int]] = {}
            for (name, r), v in pool.items():
                if v[1] is None:
                    by_seg.setdefault(name, []).append(r)
            for name, rows in by_seg.items():
                ix = self.segments[name]
                if ix.dense is not None:
                    for r, vec in zip(rows, ix.dense.vectors(rows)):
                        pool[(name, r)][1] = float(vec @ qvec)
        if not pool:
            return []
        best = max(v[0] for v in pool.values())
        if mode == "bm25":
            key = lambda v: v[0]  # noqa: E731
        elif mode == "dense":
            key = lambda v: v[1] if v[1] is not None else -1.0  # noqa: E731
        else:
            key = lambda v: fusion.score(v[0], best, v[1])  # noqa: E731
        b_order = sorted((p for p in pool if pool[p][0] > 0), key=lambda p: -pool[p][0])
        d_order = sorted((p for p in pool if pool[p][1] is not None), key=lambda p: -pool[p][1])
        b_rank = {p: i + 1 for i, p in enumerate(b_order)}
        d_rank = {p: i + 1 for i, p in enumerate(d_order)}
        ranked = sorted(pool, key=lambda p: (-key(pool[p]), p))
        out: list[Candidate] = []
        for i in range(0, len(ranked), max(k, 32)):
            part = ranked[i : i + max(k, 32)]
            got: dict[str, dict] = {}
            for name in {p[0] for p in part}:
                got[name] = self.segments[name].store.get([r for n, r in part if n == name])
            for p in part:
                doc = got[p[0]].get(p[1])
                if doc is None or doc[0] in self.tombstones:
                    continue
                bm, cos = pool[p]
                out.append(Candidate(doc[0], doc[1], doc[2], bm, cos, round(float(key(pool[p])), 6), b_rank.get(p), d_rank.get(p)))
                if len(out) == k:
                    return out
        return out

    def segmenter_tokens(self, text: str) -> list[str]:
        from toolkit.text import search_tokens

        return search_tokens(text, self.segmenter)

