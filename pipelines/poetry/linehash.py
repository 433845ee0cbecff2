"""Verbatim-line detection: a sorted int64 array of blake2b hashes of every corpus 句 (5/7 chars).

Stored at ``<index_dir>/poem_lines.npy`` (written atomically), built lazily from
:func:`toolkit.corpus.iter_poems` on first use.
"""

from __future__ import annotations

import hashlib
import threading
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


def line_set(settings=None, progress: bool = True) -> LineSet:
    """The cached corpus line set for ``settings`` (built and saved on first use).

    Raises:
        DataMissingError: the poem corpus is absent and no saved set exists.
    """
    from toolkit.config import get_settings

    s = settings or get_settings()
    path = Path(s.index_dir) / "poem_lines.npy"
    key = str(path)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        if path.is_file():
            ls = LineSet(np.load(path, allow_pickle=False))
        else:
            ls = LineSet.from_lines(_corpus_lines(s, progress))
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                with open(tmp, "wb") as f:
                    np.save(f, ls.hashes, allow_pickle=False)
        _CACHE[key] = ls
        return ls
