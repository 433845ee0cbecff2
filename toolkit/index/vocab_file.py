"""A saved vocabulary that answers term → id look-ups without building a dict of all its terms.

Opening the poem index used to spend over a second of CPU on ``{term: id for ...}`` over its 1.4
million BM25 terms, only to look up the handful of words in the first query. Format 2 of the BM25
index and the LSA embedder therefore writes, next to ``vocab.txt`` (one term per line, in id order,
unchanged), two arrays:

- ``vocab_offsets.npy``: the byte offset in ``vocab.txt`` where each term starts, plus an end marker;
- ``vocab_order.npy``: the term ids sorted by term.

A look-up is a binary search over the UTF-8 bytes (UTF-8 byte order is code-point order, which is
Python's ``str`` order), touching about 21 terms. The arrays are memory-mapped, so opening costs
almost nothing (so is ``vocab.txt``: slicing the map gives bytes). The view is read-only: an index that adds terms builds its dict then (see
:class:`~toolkit.index.bm25.BM25Index`).

Example:
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> save_vocab(d, ["春风", "明月", "江南"])
    ['vocab.txt', 'vocab_offsets.npy', 'vocab_order.npy']
    >>> v = SortedVocab.load(d)
    >>> v["江南"], v.get("秋雨"), len(v)
    (2, None, 3)
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Sequence

import numpy as np

TEXT, OFFSETS, ORDER = "vocab.txt", "vocab_offsets.npy", "vocab_order.npy"
CACHE_MAX = 1 << 16  # remembered look-ups (a searcher asks for the same words again and again)


def save_vocab(folder: str | Path, terms: Sequence[str]) -> list[str]:
    """Write ``terms`` (no term may contain a newline) with their look-up arrays; returns the file names."""
    folder = Path(folder)
    blob = "\n".join(terms).encode("utf-8")
    nl = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 0x0A)
    if len(nl) != max(len(terms) - 1, 0):
        raise ValueError("a vocabulary term contains a newline")
    offsets = np.concatenate([[0], nl + 1, [len(blob) + 1]]) if terms else np.ones(1, dtype=np.int64)
    order = sorted(range(len(terms)), key=terms.__getitem__)
    (folder / TEXT).write_bytes(blob)
    np.save(folder / OFFSETS, offsets.astype(np.int64), allow_pickle=False)
    np.save(folder / ORDER, np.asarray(order, dtype=np.int32 if len(terms) < 2**31 else np.int64), allow_pickle=False)
    return [TEXT, OFFSETS, ORDER]


def read_terms(folder: str | Path) -> list[str]:
    """The terms of ``vocab.txt`` in id order (format 1 files have no look-up arrays)."""
    text = (Path(folder) / TEXT).read_text(encoding="utf-8")
    return text.split("\n") if text else []


class SortedVocab(Mapping):
    """Read-only ``{term: id}`` mapping over the files written by :func:`save_vocab`.

    Args:
        blob: the bytes of ``vocab.txt``.
        offsets: ``n + 1`` start offsets (the last one is ``len(blob) + 1``).
        order: the ``n`` term ids sorted by term.
    """

    def __init__(self, blob: bytes | mmap.mmap, offsets: np.ndarray, order: np.ndarray):
        if len(offsets) != len(order) + 1 or (len(offsets) and int(offsets[-1]) != len(blob) + 1):
            raise ValueError(f"vocabulary arrays do not match vocab.txt ({len(order)} ids, {len(offsets)} offsets, {len(blob)} bytes)")
        self._blob, self._off, self._order = blob, offsets, order
        self._seen: dict[str, int] = {}  # term → id, or -1 for a miss

    @classmethod
    def load(cls, folder: str | Path) -> "SortedVocab | None":
        """The vocabulary saved in ``folder``, or None when it has no look-up arrays (format 1)."""
        folder = Path(folder)
        if not (folder / ORDER).is_file():
            return None
        # plain views of the maps: np.memmap's Python-level __getitem__ would cost 1 µs per probe
        off = np.asarray(np.load(folder / OFFSETS, mmap_mode="r", allow_pickle=False))
        order = np.asarray(np.load(folder / ORDER, mmap_mode="r", allow_pickle=False))
        with open(folder / TEXT, "rb") as fh:
            size = fh.seek(0, 2)
            blob = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        return cls(blob, off, order)

    def _bytes(self, i) -> bytes:
        return self._blob[self._off[i] : self._off[i + 1] - 1]

    def get(self, term, default=None):
        """The id of ``term`` (``default`` when it is not a term)."""
        if not isinstance(term, str):
            return default
        i = self._seen.get(term)
        if i is None:
            i = self._search(term)
            if len(self._seen) >= CACHE_MAX:
                self._seen.clear()
            self._seen[term] = i
        return default if i < 0 else i

    def _search(self, term: str) -> int:
        """Binary search for ``term``: its id, or -1."""
        try:
            key = term.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: never a saved term
            return -1
        order, lo, hi = self._order, 0, len(self._order)
        while lo < hi:
            mid = (lo + hi) >> 1
            if self._bytes(order[mid]) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(order) and self._bytes(order[lo]) == key:
            return int(order[lo])
        return -1

    def __getitem__(self, term) -> int:
        i = self.get(term)
        if i is None:
            raise KeyError(term)
        return i

    def __contains__(self, term) -> bool:
        return self.get(term) is not None

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[str]:
        return iter(self.terms())

    def terms(self) -> list[str]:
        """Every term, in id order."""
        return self._blob[:].decode("utf-8").split("\n") if len(self._order) else []
