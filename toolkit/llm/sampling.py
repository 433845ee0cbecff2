"""The one decode loop, over any engine that can step a model on NumPy logits.

An engine supplies a :class:`Stepper` (a fresh cache, and a forward pass returning float32 NumPy
logits); everything after the logits is here, once: repetition penalty (CTRL, as transformers
defines it), the caller's processors, temperature, top-k, top-p, and a draw from NumPy's generator.
So a seed gives the same sample on every engine whose logits agree.

Processors are callables ``(input_ids, scores) -> scores`` on NumPy arrays ``(n, length)`` and
``(n, vocab)`` (see :mod:`toolkit.llm.constraints`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import numpy as np

NEG_INF = np.float32(-np.inf)


class Stepper(Protocol):
    """Forward passes of one model with a KV cache."""

    def new_cache(self):
        """An empty cache for one batch of sequences."""

    def forward(self, ids: np.ndarray, cache, last_only: bool = True) -> np.ndarray:
        """Float32 logits of the new positions of ``ids`` ``(batch, t)``: ``(batch, vocab)`` for the
        last one, or ``(batch, t, vocab)``; extends ``cache``."""


def log_softmax(x: np.ndarray) -> np.ndarray:
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def apply_repetition_penalty(input_ids: np.ndarray, scores: np.ndarray, penalty: float) -> np.ndarray:
    """CTRL's penalty on every token already in the row (prompt included), as transformers applies it."""
    rows = np.arange(scores.shape[0])[:, None]
    seen = scores[rows, input_ids]
    out = scores.copy()
    out[rows, input_ids] = np.where(seen < 0, seen * penalty, seen / penalty)
    return out


def top_k_filter(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(max(k, 1), scores.shape[-1])
    kth = np.partition(scores, -k, axis=-1)[:, -k][:, None]
    return np.where(scores < kth, NEG_INF, scores)


def top_p_filter(scores: np.ndarray, p: float) -> np.ndarray:
    order = np.argsort(scores, axis=-1, kind="stable")  # ascending, as transformers sorts
    cum = np.cumsum(np.exp(log_softmax(np.take_along_axis(scores, order, -1))), axis=-1)
    drop_sorted = cum <= (1 - p)
    drop_sorted[:, -1] = False  # keep at least one token
    drop = np.zeros_like(drop_sorted)
    np.put_along_axis(drop, order, drop_sorted, -1)
    return np.where(drop, NEG_INF, scores)


def draw(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One token per row from ``softmax(scores)`` by inverse CDF (one uniform number per row).

    The sums run in float64 so that engines whose logits differ in the last float32 bits draw the same token.
    """
    probs = np.exp((scores - scores.max(-1, keepdims=True)).astype(np.float64)).cumsum(-1)
    u = (1.0 - rng.random(len(scores))) * probs[:, -1]  # in (0, total]: never a zero-probability token
    return np.minimum((probs < u[:, None]).sum(-1), scores.shape[-1] - 1)


def decode_steps(
    stepper: Stepper,
    prompt_ids: Sequence[int],
    *,
    max_new_tokens: int,
    n: int = 1,
    temperature: float = 0.0,
    top_p: float = 1.0,
    top_k: int = 0,
    repetition_penalty: float = 1.0,
    seed: int | None = None,
    processors: Sequence[Callable] = (),
    eos_ids: set[int] = frozenset(),
    pad_id: int = 0,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Generate ``n`` continuations of one prompt in a batch, one step at a time.

    Yields:
        ``(tokens, logprobs, active)`` per step, each of shape ``(n,)``: the chosen token ids, their
        log-probabilities under the model's *unconstrained* distribution, and which rows were still
        generating (rows that already emitted an end token get ``pad_id`` and log-prob 0).
    """
    rng = np.random.default_rng(None if seed is None else int(seed) & 0xFFFF_FFFF_FFFF_FFFF)
    eos = np.array(sorted(eos_ids), dtype=np.int64)
    ids = np.array([list(prompt_ids)] * n, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    cache = stepper.new_cache()
    logits = stepper.forward(ids, cache)
    for _ in range(max_new_tokens):
        raw_logp = log_softmax(logits)
        scores = apply_repetition_penalty(ids, logits, repetition_penalty) if repetition_penalty != 1.0 else logits
        for proc in processors:
            scores = proc(ids, scores)
        if temperature > 0:
            scores = scores / np.float32(temperature)
            if top_k > 0:
                scores = top_k_filter(scores, top_k)
            if top_p < 1.0:
                scores = top_p_filter(scores, top_p)
            tokens = draw(np.where(active[:, None], scores, np.float32(0.0)), rng)  # finished rows: avoid all -inf
        else:
            tokens = scores.argmax(-1)
        tokens = np.where(active, tokens, pad_id).astype(np.int64)
        yield tokens, np.where(active, raw_logp[np.arange(n), tokens], 0.0), active.copy()
        if eos.size:
            active &= ~np.isin(tokens, eos)
        if not active.any():
            return
        ids = np.concatenate([ids, tokens[:, None]], axis=1)
        logits = stepper.forward(tokens[:, None], cache)
