"""Tokenising many texts, in worker processes when the job is big enough to pay for them.

Segmentation is pure-Python-bound work, so threads do not help; worker processes do when the
machine has a free core. Workers are *forked* from the caller with its ready segmenter: spawned ones
would re-run an unguarded ``__main__`` script (a user's script calling ``kb.add_files`` without
``if __name__ == "__main__"`` would loop) and rebuild the dictionary. The children only segment
(no BLAS, no logging, no locks the parent's other threads might hold). A pool is only started for
jobs of at least ``PARALLEL_MIN_CHARS`` characters, and only where ``fork`` exists. Batches go out in
a bounded window, so finished token lists never pile up while the caller indexes the previous batch;
a batch that does not come back within ``BATCH_TIMEOUT_S`` (a worker killed, say) is tokenised
in-process and the pool abandoned. Results are identical to the serial path (a test checks this).

``HANLIN_INDEX_WORKERS`` sets the number of workers (``0`` or ``1``: always in-process; default:
the number of CPUs, at most 4).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
from collections import deque
from typing import Iterable, Iterator, Sequence

from ..text import search_tokens

log = logging.getLogger(__name__)

PARALLEL_MIN_CHARS = 3_000_000  # ≈ 9 MB of Chinese text: below this a pool costs more than it saves
BATCH_TIMEOUT_S = 300.0
_SEGMENTER = None  # the segmenter the forked workers inherit


def tokenize_many(segmenter, texts: Sequence[str]) -> list[list[str]]:
    """``search_tokens`` of each text, in order, in this process."""
    return [search_tokens(t, segmenter) for t in texts]


def default_workers() -> int:
    """Worker processes to use: ``HANLIN_INDEX_WORKERS`` or the CPU count (at most 4)."""
    env = os.environ.get("HANLIN_INDEX_WORKERS", "").strip()
    if env:
        try:
            return max(0, int(env))
        except ValueError:
            log.warning("HANLIN_INDEX_WORKERS=%r is not an integer; using the default", env)
    return min(os.cpu_count() or 1, 4)


def _work(texts: list[str]) -> list[list[str]]:
    return tokenize_many(_SEGMENTER, texts)


def tokenize_batches(segmenter, batches: Iterable[Sequence[str]], total_chars: int, workers: int | None = None,
                     min_chars: int | None = None) -> Iterator[list[list[str]]]:
    """Token lists of each batch of texts, in order; in worker processes for big jobs.

    Args:
        segmenter: what :func:`~toolkit.text.search_tokens` segments with (inherited by the workers).
        batches: batches of texts.
        total_chars: their total length (decides whether a pool pays).
        workers: worker processes (default :func:`default_workers`); ≤ 1 means in-process.
        min_chars: smallest job that gets a pool (default ``PARALLEL_MIN_CHARS``).
    """
    min_chars = PARALLEL_MIN_CHARS if min_chars is None else min_chars
    global _SEGMENTER
    n = default_workers() if workers is None else workers
    if "fork" not in mp.get_all_start_methods():
        n = 1
    if n <= 1 or total_chars < min_chars:
        for b in batches:
            yield tokenize_many(segmenter, b)
        return
    search_tokens("初始化", segmenter)  # build the dictionary once, before forking
    _SEGMENTER = segmenter
    pool = mp.get_context("fork").Pool(n)
    try:
        window: deque = deque()
        for b in batches:
            b = list(b)
            window.append((b, pool.apply_async(_work, (b,))))
            if len(window) > n:
                yield _result(*window.popleft(), segmenter)
        while window:
            yield _result(*window.popleft(), segmenter)
    finally:
        pool.terminate()
        pool.join()
        _SEGMENTER = None


def _result(texts: list[str], pending, segmenter) -> list[list[str]]:
    try:
        return pending.get(timeout=BATCH_TIMEOUT_S)
    except mp.TimeoutError:
        log.warning("tokeniser worker did not answer in %.0f s; tokenising in-process", BATCH_TIMEOUT_S)
        return tokenize_many(segmenter, texts)
