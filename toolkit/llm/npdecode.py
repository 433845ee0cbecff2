"""The decode loop of :mod:`toolkit.llm.decode` in NumPy, for the torch-free engine.

Same steps, same order and the same definitions as the transformers processors used there
(repetition penalty as CTRL, then the caller's processors, then temperature, top-k, top-p; the token's
log-probability is taken from the unconstrained distribution). Seeded sampling draws from NumPy's
generator, so a seed gives a different (equally valid) sample than on the transformers engine.

Processors here are callables ``(input_ids, scores) -> scores`` on NumPy arrays ``(n, length)`` and
``(n, vocab)``; :class:`AllowedMask` and :class:`LogitBias` are the NumPy forms of
:class:`~toolkit.llm.constraints.AllowedTokensProcessor` and :class:`~toolkit.llm.constraints.TokenBiasProcessor`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext

import numpy as np

from toolkit.errors import InvalidInputError

NEG_INF = np.float32(-np.inf)


_BLAS = None


def one_blas_thread():
    """A context that runs BLAS on one thread: a decode step is dozens of tiny products, where
    OpenBLAS's thread pool costs more than it saves (measured: 0.64 vs 1.12 CPU s per 七绝 pair)."""
    global _BLAS
    try:
        if _BLAS is None:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController()
        return _BLAS.limit(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - without threadpoolctl it is only slower
        return nullcontext()


class NumpyStepper:
    """Forward passes of a :class:`~toolkit.llm.numpy_deepseek.NumpyDeepseekV2` (one at a time under ``lock``)."""

    def __init__(self, net, lock: threading.Lock | None = None):
        self.net = net
        self.lock = lock or nullcontext()

    def new_cache(self):
        return self.net.new_state()

    def forward(self, ids: np.ndarray, cache, last_only: bool = True) -> np.ndarray:
        """Logits (float32) of the last position ``(batch, vocab)``, or of all new positions."""
        with self.lock, one_blas_thread():
            logits = self.net.forward(np.asarray(ids), cache, last_only=last_only)
        return logits[:, -1, :] if last_only else logits


def log_softmax(x: np.ndarray) -> np.ndarray:
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


class AllowedMask:
    """Scores outside ``allowed(step, generated)`` become -inf (see :mod:`toolkit.llm.constraints`)."""

    def __init__(self, allowed: Callable, prompt_length: int):
        if not callable(allowed):
            raise InvalidInputError(f"allowed 必须是可调用对象 (allowed must be callable), got {allowed!r}")
        self.allowed, self.prompt_length = allowed, prompt_length
        self._masks: dict[frozenset, np.ndarray] = {}

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        step = input_ids.shape[1] - self.prompt_length
        out = scores
        for row in range(scores.shape[0]):
            ids = self.allowed(step, input_ids[row, self.prompt_length:].tolist())
            if ids is None:
                continue
            if out is scores:
                out = scores.copy()
            out[row, ~self._mask(ids, scores.shape[-1], step)] = NEG_INF
        return out

    def _mask(self, ids, vocab: int, step: int) -> np.ndarray:
        if not isinstance(ids, (np.ndarray, set, frozenset, list, tuple, range)) and hasattr(ids, "__array__"):
            ids = np.asarray(ids)  # e.g. a torch tensor of ids or a bool mask from a transformers-era function
        if isinstance(ids, np.ndarray) and ids.dtype == bool:
            if ids.shape[-1] != vocab or not ids.any():
                raise InvalidInputError(f"第 {step} 步的掩码无效 (bool mask at step {step} must have {vocab} "
                                        f"entries with at least one True)")
            return ids
        if isinstance(ids, frozenset):
            mask = self._masks.get(ids)
            if mask is None:
                if len(self._masks) > 512:
                    self._masks.clear()
                mask = self._masks[ids] = _to_mask(ids, vocab, step)
            return mask
        return _to_mask(ids, vocab, step)


def _to_mask(ids, vocab: int, step: int) -> np.ndarray:
    index = np.fromiter((int(i) for i in ids), dtype=np.int64)
    if index.size == 0:
        raise InvalidInputError(f"第 {step} 步没有允许的 token (no allowed token at step {step})")
    if index.max() >= vocab or index.min() < 0:
        raise InvalidInputError(f"第 {step} 步的 token id 超出词表 (allowed id out of vocabulary range 0..{vocab - 1})")
    mask = np.zeros(vocab, dtype=bool)
    mask[index] = True
    return mask


class LogitBias:
    """Add a fixed amount to chosen tokens' scores (a soft topic bias)."""

    def __init__(self, bias: Mapping[int, float]):
        self.ids = np.fromiter((int(k) for k in bias), dtype=np.int64, count=len(bias))
        self.values = np.fromiter((float(v) for v in bias.values()), dtype=np.float32, count=len(bias))

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if not self.ids.size:
            return scores
        out = scores.copy()
        np.add.at(out, (slice(None), self.ids), self.values)
        return out


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
    sorted_scores = np.take_along_axis(scores, order, -1)
    cum = np.cumsum(np.exp(log_softmax(sorted_scores)), axis=-1)
    drop_sorted = cum <= (1 - p)
    drop_sorted[:, -1] = False  # keep at least one token
    drop = np.zeros_like(drop_sorted)
    np.put_along_axis(drop, order, drop_sorted, -1)
    return np.where(drop, NEG_INF, scores)


def decode_steps(
    stepper: NumpyStepper,
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
    """Generate ``n`` continuations of one prompt in a batch (see :func:`toolkit.llm.decode.decode_steps`).

    Yields:
        ``(tokens, logprobs, active)`` per step, each of shape ``(n,)``.
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
            scores = np.where(active[:, None], scores, np.float32(0.0))  # finished rows: avoid all -inf
            probs = np.exp(scores - scores.max(-1, keepdims=True)).cumsum(-1)
            draw = (1.0 - rng.random(n)) * probs[:, -1]  # in (0, total]: never picks a zero-probability token
            tokens = np.minimum((probs < draw[:, None]).sum(-1), scores.shape[-1] - 1)
        else:
            tokens = scores.argmax(-1)
        tokens = np.where(active, tokens, pad_id).astype(np.int64)
        logprobs = np.where(active, raw_logp[np.arange(n), tokens], 0.0)
        yield tokens, logprobs, active.copy()
        if eos.size:
            active &= ~np.isin(tokens, eos)
        if not active.any():
            return
        ids = np.concatenate([ids, tokens[:, None]], axis=1)
        logits = stepper.forward(tokens[:, None], cache)
