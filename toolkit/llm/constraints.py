"""Constrained decoding: restrict or bias, per generated position, which tokens may come next.

Both processors are ordinary ``transformers`` ``LogitsProcessor`` objects, so they work with
``model.generate(logits_processor=LogitsProcessorList([...]))`` for the embedded model and any local
HF model, and with Hanlin's own decode loop (:meth:`toolkit.llm.hf.HFLLM.generate_constrained`).

An *allowed function* ``allowed(step, generated_ids)`` receives the 0-based index of the position
being generated and the token ids generated so far (prompt excluded), and returns the allowed ids as a
set/list/id tensor/bool mask over the vocabulary, or ``None`` for "anything". Returning the *same*
``frozenset`` objects step after step (as :func:`pattern_allowed` does) is fastest: their masks are cached.

Example (a 五言 line: five chars from a set, then "，"):
    >>> ids = char_ids(tokenizer, "春花秋月夜，")                            # doctest: +SKIP
    >>> han = {ids[c] for c in "春花秋月夜"}                                 # doctest: +SKIP
    >>> allowed = pattern_allowed([han] * 5 + [{ids["，"]}], then={tokenizer.eos_token_id})  # doctest: +SKIP
    >>> llm.generate_constrained("<bos><五绝><文>", allowed, max_new_tokens=7)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import torch
from transformers import LogitsProcessor

from toolkit.errors import InvalidInputError

from .npdecode import AllowedMask, LogitBias

AllowedFn = Callable[[int, list[int]], "set[int] | Sequence[int] | torch.Tensor | None"]


class AllowedTokensProcessor(LogitsProcessor):
    """Set the score of every token outside ``allowed(step, generated)`` to -inf.

    The masking itself is :class:`toolkit.llm.npdecode.AllowedMask` (shared with the NumPy engine); this
    class runs it on the tensors transformers passes (zero-copy on CPU).

    Args:
        allowed: the allowed function (see module docstring).
        prompt_length: length of the prompt in ``input_ids`` (so the step and generated ids can be derived).
    """

    def __init__(self, allowed: AllowedFn, prompt_length: int):
        self.mask = AllowedMask(allowed, prompt_length)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        return _via_numpy(self.mask, input_ids, scores)


class TokenBiasProcessor(LogitsProcessor):
    """Add a fixed bonus (or penalty, if negative) to chosen tokens' logits — a soft topic bias.

    Args:
        bias: token id → amount added to its logit (nats).
    """

    def __init__(self, bias: Mapping[int, float]):
        self.bias = LogitBias(bias)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        return _via_numpy(self.bias, input_ids, scores)


def _via_numpy(proc, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    """Apply a NumPy processor to torch tensors (no copy for float32 CPU scores it leaves unchanged)."""
    out = proc(input_ids.detach().cpu().numpy(), scores.detach().cpu().float().numpy())
    return torch.from_numpy(out).to(device=scores.device, dtype=scores.dtype)


def bias_for(token_ids: Iterable[int], bonus: float) -> dict[int, float]:
    """The same ``bonus`` for every id in ``token_ids`` (input for :class:`TokenBiasProcessor`)."""
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
        if len(ids) == 1 and ids[0] != getattr(tokenizer, "unk_token_id", None):
            out[ch] = ids[0]
        else:
            missing.append(ch)
    if missing:
        raise InvalidInputError(
            f"词表中没有这些单字 token (characters without a single-token id): {''.join(missing[:20])}"
        )
    return out
