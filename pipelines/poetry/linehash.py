"""Verbatim-line detection: a sorted int64 array of blake2b hashes of every corpus 句 (5/7 chars).

Stored at ``<index_dir>/poem_lines.npy`` (written atomically, sorted and unique), built by
``hanlin index build`` (:func:`build_line_set`) or, if still missing, lazily on first use.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from toolkit.atomic import atomic_path

_LOCK = threading.Lock()
_CACHE: dict[str, "LineSet"] = {}


def line_hash(line: str) -> int:
    """A signed 64-bit hash of one line (characters only)."""
    return int.from_bytes(hashlib.blake2b(line.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


class LineSet:
    """Membership test for corpus lines.

    Args:
        hashes: int64 hashes (any order, duplicates allowed).
    """

    def __init__(self, hashes: np.ndarray):
        self.hashes = np.unique(np.asarray(hashes, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.hashes.size)

    def __contains__(self, line: str) -> bool:
        h = np.int64(line_hash(line))
        i = int(np.searchsorted(self.hashes, h))
        return i < self.hashes.size and self.hashes[i] == h

    @classmethod
    def from_sorted(cls, hashes: np.ndarray) -> "LineSet":
        """A set over ``hashes`` as saved (sorted, unique): checked in O(n) instead of re-sorted."""
        h = np.asarray(hashes, dtype=np.int64)
        if h.ndim != 1 or (h.size > 1 and not bool(np.all(h[1:] > h[:-1]))):
            return cls(h)
        ls = cls.__new__(cls)
        ls.hashes = h
        return ls

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> "LineSet":
        return cls(np.fromiter((line_hash(x) for x in lines if len(x) in (5, 7)), dtype=np.int64))


def _corpus_lines(settings, progress: bool) -> Iterable[str]:
    from toolkit.corpus import iter_poems

    poems = iter_poems(settings)
    if progress:
        from tqdm import tqdm

        poems = tqdm(poems, desc="poem line hashes", unit=" poems", mininterval=2)
    for p in poems:
        yield from p.lines


def line_set_path(settings=None) -> Path:
    """Where the corpus line set is saved: ``<index_dir>/poem_lines.npy``."""
    from toolkit.config import get_settings

    return Path((settings or get_settings()).index_dir) / "poem_lines.npy"


def _save(ls: LineSet, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, ls.hashes, allow_pickle=False)


def _load(path: Path) -> LineSet | None:
    """The saved set, or None when the file is unreadable or not a 1-d int64 array."""
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if arr.dtype != np.int64 or arr.ndim != 1:
        return None
    return LineSet.from_sorted(arr)


def is_valid(settings=None) -> bool:
    """True when the saved line set exists and loads as a sorted int64 hash array."""
    path = line_set_path(settings)
    return path.is_file() and _load(path) is not None


def build_line_set(settings=None, progress: bool = True) -> dict:
    """(Re)build the corpus line set from the poem corpus and save it (used by ``hanlin index build``).

    Returns:
        ``{"count": distinct lines, "seconds": build time, "path": saved file}``.

    Raises:
        DataMissingError: the poem corpus is absent (run ``hanlin data pull``).
    """
    from toolkit.config import get_settings

    s = settings or get_settings()
    t0 = time.perf_counter()
    path = line_set_path(s)
    ls = LineSet.from_lines(_corpus_lines(s, progress))
    _save(ls, path)
    with _LOCK:
        _CACHE[str(path)] = ls
    return {"count": len(ls), "seconds": time.perf_counter() - t0, "path": path}


def line_set(settings=None, progress: bool = True) -> LineSet:
    """The cached corpus line set for ``settings`` (loaded from disk; built and saved if missing or unreadable).

    Raises:
        DataMissingError: the poem corpus is absent and no saved set exists.
    """
    path = line_set_path(settings)
    key = str(path)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        ls = _load(path) if path.is_file() else None
        if ls is None:
            ls = LineSet.from_lines(_corpus_lines(settings, progress))
            _save(ls, path)
        _CACHE[key] = ls
        return ls
