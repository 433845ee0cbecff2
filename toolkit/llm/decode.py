"""A plain decode loop over a Hugging Face causal LM: KV cache, HF logits processors, seeded sampling.

Why not ``model.generate``? For a tiny char-level model the per-token work is small, so Python
overhead dominates; this loop does less per step (measured in ``bench/llm_bench.py``), streams
without a thread, returns each token's model log-probability (for reranking), and still accepts any
``LogitsProcessor`` (see :mod:`toolkit.llm.constraints`).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator, Sequence
from contextlib import nullcontext

import torch
from transformers import DynamicCache, LogitsProcessor, LogitsProcessorList
from transformers.generation.logits_process import (
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)


class Stepper:
    """Runs forward passes of one model with its KV cache (thread-safe: one forward at a time).

    For DeepseekV2 checkpoints it uses the lean forward of :mod:`toolkit.llm.fast_deepseek` when that
    supports the config and reproduces the reference logits (checked once, here); ``fast=False`` opts out.
    """

    def __init__(self, model, lock: threading.Lock | None = None, fast: bool = True):
        self.model = model
        self.lock = lock or nullcontext()
        params = inspect.signature(model.forward).parameters
        # transformers 5.2x renamed past_key_values -> cache for some models; support both.
        self.cache_kw = "cache" if "cache" in params else "past_key_values"
        self.keep_last = "logits_to_keep" in params
        self.fast = None
        if fast:
            from .fast_deepseek import FastDeepseekV2, self_check, supported

            if supported(model) is None:
                candidate = FastDeepseekV2(model)
                if self_check(candidate, model.config.vocab_size):
                    self.fast = candidate

    def new_cache(self):
        return self.fast.new_state() if self.fast else DynamicCache(config=self.model.config)

    def forward(self, ids: torch.Tensor, cache, last_only: bool = True) -> torch.Tensor:
        """Logits (float32) of the last position ``(batch, vocab)``, or of all new positions."""
        if self.fast:
            with self.lock:
                logits = self.fast.forward(ids, cache, last_only=last_only)
            return logits[:, -1, :] if last_only else logits
        kw = {"input_ids": ids, "use_cache": True, self.cache_kw: cache}
        if last_only and self.keep_last:
            kw["logits_to_keep"] = 1
        with self.lock, torch.inference_mode():
            logits = self.model(**kw).logits
        return logits[:, -1, :].float() if last_only else logits.float()


def make_generator(seed: int | None) -> torch.Generator:
    g = torch.Generator()
    if seed is None:
        g.seed()  # fresh entropy: unseeded runs differ
    else:
        g.manual_seed(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)
    return g


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
    processors: Sequence[LogitsProcessor] = (),
    eos_ids: set[int] = frozenset(),
    pad_id: int = 0,
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Generate ``n`` continuations of one prompt in a batch, one step at a time.

    Yields:
        ``(tokens, logprobs, active)`` per step, each of shape ``(n,)``: the chosen token ids, their
        log-probabilities under the model's *unconstrained* distribution, and which rows were still
        generating (rows that already emitted an end token get ``pad_id`` and log-prob 0).
    """
    gen = make_generator(seed)
    shaping = LogitsProcessorList()
    if repetition_penalty != 1.0:
        shaping.append(RepetitionPenaltyLogitsProcessor(repetition_penalty))
    shaping.extend(processors)
    warpers = LogitsProcessorList()
    if temperature > 0:
        warpers.append(TemperatureLogitsWarper(temperature))
        if top_k > 0:
            warpers.append(TopKLogitsWarper(top_k))
        if top_p < 1.0:
            warpers.append(TopPLogitsWarper(top_p))
    eos = torch.tensor(sorted(eos_ids), dtype=torch.long)
    ids = torch.tensor([list(prompt_ids)] * n, dtype=torch.long)
    active = torch.ones(n, dtype=torch.bool)
    cache = stepper.new_cache()
    logits = stepper.forward(ids, cache)
    for _ in range(max_new_tokens):
        raw_logp = torch.log_softmax(logits, dim=-1)
        scores = shaping(ids, logits) if len(shaping) else logits
        if temperature > 0:
            scores = warpers(ids, scores)
            scores = scores.masked_fill(~active[:, None], 0.0)  # finished rows: avoid NaN from all -inf
            tokens = torch.multinomial(torch.softmax(scores, dim=-1), 1, generator=gen).squeeze(1)
        else:
            tokens = scores.argmax(dim=-1)
        tokens = torch.where(active, tokens, torch.full_like(tokens, pad_id))
        logprobs = torch.where(active, raw_logp.gather(1, tokens[:, None]).squeeze(1), torch.zeros(n))
        yield tokens, logprobs, active.clone()
        if len(eos):
            active &= ~torch.isin(tokens, eos)
        if not bool(active.any()):
            return
        ids = torch.cat([ids, tokens[:, None]], dim=1)
        logits = stepper.forward(tokens[:, None], cache)
