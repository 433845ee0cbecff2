"""Tokenising many texts, in worker processes when the job is big enough to pay for them.

Segmentation is pure-Python-bound work, so threads do not help; worker processes do when the
machine has a free core. Workers are *spawned* (not forked: the parent may hold threads, e.g. a web
server's or BLAS's) and rebuild the segmenter from its recipe (:meth:`Segmenter.__getstate__`, about
0.7 s), so a pool is only started for jobs of at least ``PARALLEL_MIN_CHARS`` characters. Batches
go out in a bounded window, so finished token lists never pile up in memory while the caller is
busy indexing the previous batch. Results are identical to the serial path (a test checks this).

``HANLIN_INDEX_WORKERS`` sets the number of workers (``0`` or ``1``: always in-process; default:
the number of CPUs, at most 4).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle
from collections import deque
from typing import Iterable, Iterator, Sequence

from ..text import search_tokens

log = logging.getLogger(__name__)

PARALLEL_MIN_CHARS = 3_000_000  # ≈ 9 MB of Chinese text: below this a pool costs more than it saves
_SEGMENTER = None  # the worker's own segmenter


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


def _init(segmenter) -> None:
    global _SEGMENTER
    _SEGMENTER = segmenter


def _work(texts: list[str]) -> list[list[str]]:
    return tokenize_many(_SEGMENTER, texts)


def tokenize_batches(segmenter, batches: Iterable[Sequence[str]], total_chars: int, workers: int | None = None,
                     min_chars: int | None = None) -> Iterator[list[list[str]]]:
    """Token lists of each batch of texts, in order; in worker processes for big jobs.

    Args:
        segmenter: what :func:`~toolkit.text.search_tokens` segments with (must pickle for workers).
        batches: batches of texts.
        total_chars: their total length (decides whether a pool pays).
        workers: worker processes (default :func:`default_workers`); ≤ 1 means in-process.
        min_chars: smallest job that gets a pool (default ``PARALLEL_MIN_CHARS``).
    """
    min_chars = PARALLEL_MIN_CHARS if min_chars is None else min_chars
    n = default_workers() if workers is None else workers
    if n > 1 and total_chars >= min_chars:
        try:
            pickle.dumps(segmenter)
        except Exception as e:  # noqa: BLE001 - a custom segmenter that cannot travel: stay serial
            log.info("tokenising in-process: segmenter cannot be sent to workers (%s)", e)
            n = 1
    if n <= 1 or total_chars < min_chars:
        for b in batches:
            yield tokenize_many(segmenter, b)
        return
    with mp.get_context("spawn").Pool(n, initializer=_init, initargs=(segmenter,)) as pool:
        window: deque = deque()
        for b in batches:
            window.append(pool.apply_async(_work, (list(b),)))
            if len(window) > n:
                yield window.popleft().get()
        while window:
            yield window.popleft().get()
