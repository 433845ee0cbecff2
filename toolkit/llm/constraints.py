"""Constrained decoding: restrict or bias, per generated position, which tokens may come next.

:class:`AllowedMask` and :class:`LogitBias` are processors of the decode loop
(:mod:`toolkit.llm.sampling`), so they work on every local engine.

An *allowed function* ``allowed(step, generated_ids)`` receives the 0-based index of the position
being generated and the token ids generated so far (prompt excluded), and returns the allowed ids as a
set/list/bool mask over the vocabulary, or ``None`` for "anything". Returning the *same*
``frozenset`` objects step after step (as :func:`pattern_allowed` does) is fastest: their masks are cached.

Example (a 五言 line: five chars from a set, then "，"):
    >>> ids = char_ids(tokenizer, "春花秋月夜，")                            # doctest: +SKIP
    >>> han = {ids[c] for c in "春花秋月夜"}                                 # doctest: +SKIP
    >>> allowed = pattern_allowed([han] * 5 + [{ids["，"]}], then={tokenizer.eos_token_id})  # doctest: +SKIP
    >>> llm.generate_constrained("<bos><五绝><文>", allowed, max_new_tokens=7)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from toolkit.errors import InvalidInputError

from .sampling import NEG_INF

AllowedFn = Callable[[int, list[int]], "set[int] | Sequence[int] | np.ndarray | None"]


class AllowedMask:
    """Scores outside ``allowed(step, generated)`` become -inf.

    Args:
        allowed: the allowed function (see module docstring).
        prompt_length: length of the prompt in ``input_ids`` (so the step and generated ids can be derived).
    """

    def __init__(self, allowed: AllowedFn, prompt_length: int):
        if not callable(allowed):
            raise InvalidInputError(f"allowed 必须是可调用对象 (allowed must be callable), got {allowed!r}")
        self.allowed, self.prompt_length = allowed, prompt_length
        self.masks: dict[frozenset, np.ndarray] = {}

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        step = input_ids.shape[1] - self.prompt_length
        out = scores
        for row in range(scores.shape[0]):
            ids = self.allowed(step, input_ids[row, self.prompt_length:].tolist())
            if ids is None:
                continue
            if out is scores:
                out = scores.copy()
            out[row, ~self.mask(ids, scores.shape[-1], step)] = NEG_INF
        return out

    def mask(self, ids, vocab: int, step: int) -> np.ndarray:
        if isinstance(ids, np.ndarray) and ids.dtype == bool:
            if ids.shape[-1] != vocab or not ids.any():
                raise InvalidInputError(f"第 {step} 步的掩码无效 (bool mask at step {step} must have {vocab} "
                                        f"entries with at least one True)")
            return ids
        if not isinstance(ids, frozenset):
            return to_mask(ids, vocab, step)
        if ids not in self.masks:
            if len(self.masks) > 512:
                self.masks.clear()
            self.masks[ids] = to_mask(ids, vocab, step)
        return self.masks[ids]


def to_mask(ids, vocab: int, step: int) -> np.ndarray:
    """A bool mask over the vocabulary from token ids (an error names an empty set or an id out of range)."""
    index = np.fromiter((int(i) for i in ids), dtype=np.int64)
    if index.size == 0:
        raise InvalidInputError(f"第 {step} 步没有允许的 token (no allowed token at step {step})")
    if index.max() >= vocab or index.min() < 0:
        raise InvalidInputError(f"第 {step} 步的 token id 超出词表 (allowed id out of vocabulary range 0..{vocab - 1})")
    mask = np.zeros(vocab, dtype=bool)
    mask[index] = True
    return mask


class LogitBias:
    """Add a fixed bonus (or penalty, if negative) to chosen tokens' scores — a soft topic bias.

    Args:
        bias: token id → amount added to its logit (nats).
    """

    def __init__(self, bias: Mapping[int, float]):
        self.ids = np.fromiter((int(k) for k in bias), dtype=np.int64, count=len(bias))
        self.values = np.fromiter((float(v) for v in bias.values()), dtype=np.float32, count=len(bias))

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if not self.ids.size:
            return scores
        out = scores.copy()
        np.add.at(out, (slice(None), self.ids), self.values)
        return out


def bias_for(token_ids: Iterable[int], bonus: float) -> dict[int, float]:
    """The same ``bonus`` for every id in ``token_ids`` (input for :class:`LogitBias`)."""
    return {int(t): float(bonus) for t in token_ids}


def pattern_allowed(pattern: Sequence[Iterable[int] | None], then: Iterable[int] | None = None) -> AllowedFn:
    """An allowed function from a fixed per-position pattern.

    Args:
        pattern: allowed ids for position 0, 1, ...; ``None`` entries leave a position free.
        then: allowed ids after the pattern ends (e.g. ``{eos_id}``); ``None`` = free.
    """
    sets = [None if p is None else frozenset(int(t) for t in p) for p in pattern]
    after = None if then is None else frozenset(int(t) for t in then)

    def allowed(step: int, generated: list[int]):
        return sets[step] if step < len(sets) else after

    return allowed


def char_ids(tokenizer, chars: Iterable[str]) -> dict[str, int]:
    """Map each character to the id of the single token that is exactly that character.

    Raises:
        InvalidInputError: a character has no single-token form in this vocabulary (names it).
    """
    out = {}
    missing = []
    for ch in dict.fromkeys(chars):
        ids = tokenizer.encode(ch, add_special_tokens=False)
        if len(ids) == 1 and ids[0] != tokenizer.unk_token_id:
            out[ch] = ids[0]
        else:
            missing.append(ch)
    if missing:
        raise InvalidInputError(
            f"词表中没有这些单字 token (characters without a single-token id): {''.join(missing[:20])}"
        )
    return out
