"""Character n-gram baselines: interpolated modified Kneser-Ney 3-gram, and an add-k unigram.

They are trained on the same training documents and token ids as the model (same tokenizer, so the
same vocabulary and ``<unk>`` handling) and score the same held-out positions (:mod:`.evaluate`:
body characters and ``<eos>``, each conditioned on its document's prefix), so their per-character
perplexities compare directly with the model's. Counting is vectorised with numpy: an n-gram is one
int64 key, counts come from ``np.unique``, look-ups from ``np.searchsorted``.

Modified Kneser-Ney (Chen & Goodman 1998), interpolated, three discounts per order estimated from
counts of counts; the highest order uses raw counts, lower orders continuation counts, and the
unigram level is interpolated with the uniform distribution over the vocabulary.

Example:
    >>> lm = KneserNey3(vocab_size=5).fit([[1, 2, 3, 4, 2, 3, 4]])
    >>> bool(0 < lm.prob([2], [3], [4])[0] < 1)
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def _discounts(counts: np.ndarray) -> np.ndarray:
    """Modified-KN discounts ``[0, D1, D2, D3+]`` from counts of counts (fallbacks for tiny data)."""
    n = [int((counts == k).sum()) for k in (1, 2, 3, 4)]
    if min(n) == 0:
        return np.array([0.0, 0.5, 1.0, 1.5])
    y = n[0] / (n[0] + 2 * n[1])
    d = [1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2]]
    return np.array([0.0] + [min(max(v, 0.05), k + 1 - 0.05) for k, v in enumerate(d)])


def _disc(counts: np.ndarray, d: np.ndarray) -> np.ndarray:
    return d[np.minimum(counts, 3)]


class _Level:
    """One order: sorted n-gram keys with (discounted) counts, and per-context totals and backoff mass."""

    def __init__(self, keys: np.ndarray, counts: np.ndarray, vocab_size: int):
        self.keys, self.counts = keys, counts
        self.d = _discounts(counts)
        ctx = keys // vocab_size
        self.ctx, start = np.unique(ctx, return_index=True)
        self.total = np.add.reduceat(counts, start).astype(np.float64)
        self.gamma = np.add.reduceat(_disc(counts, self.d), start)  # sum of discounts = backoff mass numerator
        self.V = vocab_size

    def lookup(self, ctx: np.ndarray, keys: np.ndarray):
        """(discounted count, context total, backoff weight); total 0 where the context was never seen."""
        ci = np.searchsorted(self.ctx, ctx).clip(0, len(self.ctx) - 1)
        seen = self.ctx[ci] == ctx
        total = np.where(seen, self.total[ci], 0.0)
        gamma = np.where(seen, self.gamma[ci], 0.0)
        ki = np.searchsorted(self.keys, keys).clip(0, len(self.keys) - 1)
        hit = self.keys[ki] == keys
        c = np.where(hit, self.counts[ki], 0)
        disc = np.where(hit, np.maximum(c - _disc(c, self.d), 0.0), 0.0)
        return disc, total, gamma


class KneserNey3:
    """Interpolated modified Kneser-Ney character 3-gram over token ids ``0..vocab_size-1``."""

    def __init__(self, vocab_size: int):
        self.V = int(vocab_size)

    def fit(self, docs: Sequence[Sequence[int]]) -> "KneserNey3":
        """Count trigrams inside each document (none across document boundaries)."""
        V = self.V
        parts = []
        for doc in docs:
            x = np.asarray(doc, dtype=np.int64)
            if len(x) >= 3:
                parts.append((x[:-2] * V + x[1:-1]) * V + x[2:])
        keys3 = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        u3, c3 = np.unique(keys3, return_counts=True)
        self.l3 = _Level(u3, c3, V)
        u2, c2 = np.unique(u3 % (V * V), return_counts=True)  # continuation: distinct left contexts of (b, c)
        self.l2 = _Level(u2, c2, V)
        c1 = np.bincount(u2 % V, minlength=V).astype(np.float64)  # distinct left contexts of c
        d1 = _discounts(c1[c1 > 0].astype(np.int64))
        total1 = c1.sum()
        disc1 = np.maximum(c1 - _disc(c1.astype(np.int64), d1), 0.0) * (c1 > 0)
        gamma1 = _disc(c1[c1 > 0].astype(np.int64), d1).sum()
        self.p1 = disc1 / total1 + gamma1 / total1 / V  # interpolated with the uniform distribution
        self.trigram_types, self.tokens = len(u3), len(keys3)
        return self

    def prob(self, a, b, c) -> np.ndarray:
        """P(c | a, b) for aligned arrays of token ids."""
        a, b, c = (np.asarray(v, dtype=np.int64) for v in (a, b, c))
        V = self.V
        p = self.p1[c]
        disc, total, gamma = self.l2.lookup(b, b * V + c)
        p = np.where(total > 0, (disc + gamma * p) / np.maximum(total, 1), p)
        disc, total, gamma = self.l3.lookup(a * V + b, (a * V + b) * V + c)
        return np.where(total > 0, (disc + gamma * p) / np.maximum(total, 1), p)

    def doc_nll(self, docs: Sequence[Sequence[int]], starts: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Per document: negative log-likelihood (nats) and count of scored positions ``i >= max(start, 2)``."""
        A, B, C, lens = [], [], [], []
        for doc, s in zip(docs, starts):
            x = np.asarray(doc, dtype=np.int64)
            s = max(2, int(s))
            n = max(0, len(x) - s)
            lens.append(n)
            if n:
                A.append(x[s - 2:-2])
                B.append(x[s - 1:-1])
                C.append(x[s:])
        lens = np.asarray(lens, dtype=np.int64)
        out = np.zeros(len(lens))
        if A:
            nll = -np.log(self.prob(np.concatenate(A), np.concatenate(B), np.concatenate(C)))
            ends = np.cumsum(lens)
            out = np.array([nll[e - n:e].sum() if n else 0.0 for e, n in zip(ends, lens)])
        return out, lens

    def nll(self, docs: Sequence[Sequence[int]], starts: Sequence[int]) -> tuple[float, int]:
        """Summed negative log-likelihood (nats) and count of positions ``i >= start`` (``i >= 2``)."""
        per, lens = self.doc_nll(docs, starts)
        return float(per.sum()), int(lens.sum())


class Unigram:
    """Add-k unigram: the floor any sequence model must clear."""

    def __init__(self, vocab_size: int, k: float = 0.1):
        self.V, self.k = int(vocab_size), k

    def fit(self, docs: Sequence[Sequence[int]]) -> "Unigram":
        c = np.zeros(self.V, dtype=np.float64)
        for doc in docs:
            c += np.bincount(np.asarray(doc, dtype=np.int64), minlength=self.V)
        self.logp = np.log((c + self.k) / (c.sum() + self.k * self.V))
        return self

    def nll(self, docs: Sequence[Sequence[int]], starts: Sequence[int]) -> tuple[float, int]:
        tot, n = 0.0, 0
        for doc, s in zip(docs, starts):
            x = np.asarray(doc, dtype=np.int64)[max(2, int(s)):]
            tot -= float(self.logp[x].sum())
            n += len(x)
        return tot, n


def ppl(nll: float, n: int) -> float:
    return math.exp(nll / max(1, n))
