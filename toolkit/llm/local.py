"""The interface of an in-process model, whichever engine runs it: tokens, constrained sampling, scoring, routing.

:class:`LocalLLM` holds the tokenizer-level logic (prompt fitting, chat rendering, streaming text,
constrained sampling, scoring) once, over the one decode loop of :mod:`toolkit.llm.sampling`. An
engine supplies a :class:`~toolkit.llm.sampling.Stepper`, a tokenizer, :meth:`LocalLLM.trace_routing`
and :meth:`LocalLLM.parameter_sizes`.

Engines: :class:`toolkit.llm.numpy_engine.NumpyLLM` (NumPy, DeepseekV2 checkpoints such as the
embedded model) and :class:`toolkit.llm.transformers_engine.TransformersLLM` (torch, any causal LM).
This module imports neither torch nor transformers.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolkit.errors import InvalidInputError

from .base import LLM, GenRequest, Message, RunInfo
from .constraints import AllowedMask, LogitBias
from .params import GenParams
from .sampling import Stepper, decode_steps, log_softmax


@dataclass(frozen=True)
class ConstrainedResult:
    """One constrained sample."""

    token_ids: tuple[int, ...]  # generated ids (prompt excluded; includes the end token if one was generated)
    text: str  # decoded, special tokens removed
    logprob: float  # sum of the model's log-probabilities of token_ids (unconstrained distribution, nats)
    token_logprobs: tuple[float, ...]  # per token
    finish_reason: str  # "eos" (an end token) or "length"

    @property
    def mean_logprob(self) -> float:
        return self.logprob / max(1, len(self.token_ids))


@dataclass(frozen=True)
class Routes:
    """The routers' choices over one forward pass (see :meth:`LocalLLM.trace_routing`)."""

    layers: tuple[int, ...]  # decoder-layer indices that have a router, in order
    num_experts: int  # routed experts per MoE layer
    expert_ids: list[np.ndarray]  # per router layer: (positions, top_k) expert ids, highest weight first
    weights: list[np.ndarray]  # per router layer: their gate weights, same shape


class TextDecoder:
    """Incremental detokenizer: feed ids, get the newly completed text (safe for multi-byte pieces)."""

    def __init__(self, tokenizer, skip_special_tokens: bool = True):
        self.tok = tokenizer
        self.skip = skip_special_tokens
        self.ids: list[int] = []
        self.prefix = 0  # start of the window re-decoded for context
        self.read = 0  # end of the text already emitted

    def _text(self, ids) -> str:
        return self.tok.decode(ids, skip_special_tokens=self.skip, clean_up_tokenization_spaces=False)

    def push(self, token_id: int) -> str:
        self.ids.append(int(token_id))
        done = self._text(self.ids[self.prefix:self.read])
        full = self._text(self.ids[self.prefix:])
        if len(full) > len(done) and not full.endswith("\ufffd"):
            self.prefix, self.read = self.read, len(self.ids)
            return full[len(done):]
        return ""

    def flush(self) -> str:
        done = self._text(self.ids[self.prefix:self.read])
        full = self._text(self.ids[self.prefix:])
        self.prefix = self.read = len(self.ids)
        return full[len(done):]


class LocalLLM(LLM):
    """A model whose weights are in this process (see module docstring).

    An engine sets ``tokenizer`` and ``stepper`` and then calls :meth:`_setup`.

    Attributes:
        tokenizer: the tokenizer (contract): ``encode``, ``decode``, ``get_vocab``, ``convert_ids_to_tokens``,
            special-token ids. stepper: the engine's :class:`~toolkit.llm.sampling.Stepper`.
        path: the checkpoint directory. config: its ``config.json``. engine: ``"numpy"`` or ``"transformers"``.
        dtype: the weights' dtype in memory. eos_ids: the ids that end generation.
        poetry_format: the vocabulary has the embedded model's control tokens.
    """

    local = True
    engine = "local"
    dtype = "float32"
    tokenizer = None
    stepper: Stepper

    def _setup(self, path: Path, config: dict, name: str | None, capable: bool | None) -> None:
        self.path = Path(path)
        self.config = config
        self.name = name or self.path.name
        self.context_length = int(config.get("max_position_embeddings") or 2048)
        self.has_chat_template = bool(getattr(self.tokenizer, "chat_template", None))
        from .embedded.format import BODY, TITLE

        vocab = self.tokenizer.get_vocab()
        self.poetry_format = TITLE in vocab and BODY in vocab
        self.capable = self.has_chat_template if capable is None else capable
        self.eos_ids = eos_ids(self.path, config, self.tokenizer)
        pad = self.tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else min(self.eos_ids, default=0))

    # --- what an engine supplies besides its stepper ------------------------------------------------
    @abstractmethod
    def trace_routing(self, ids: list[int]) -> Routes:
        """One forward pass over ``ids`` recording every router's choices.

        Raises:
            BackendError: the model has no MoE routers (names its model_type).
        """

    @abstractmethod
    def parameter_sizes(self) -> dict[str, int]:
        """Element count of every distinct weight, named as in the checkpoint (a tied head appears once)."""

    def _steps(self, ids: list[int], *, allowed=None, bias: Mapping[int, float] | None = None,
               processors: Sequence = (), **sampling) -> Iterator[tuple]:
        """Decode from ``ids`` (``sampling``: n, max_new_tokens, temperature, top_p, top_k,
        repetition_penalty, seed, eos_ids): yields ``(tokens, logprobs, active)`` per step."""
        procs = [AllowedMask(allowed, len(ids))] if allowed is not None else []
        if bias:
            procs.append(LogitBias(bias))
        procs.extend(processors)
        return decode_steps(self.stepper, ids, processors=procs, pad_id=self.pad_id, **sampling)

    # --- tokens ----------------------------------------------------------------------------------
    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=add_special_tokens))

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=skip_special_tokens,
                                     clean_up_tokenization_spaces=False)

    def count_tokens(self, text: str) -> int:
        return len(self.encode(text, add_special_tokens=False))

    # --- chat -------------------------------------------------------------------------------------
    def render_chat(self, messages: Sequence[Message]) -> str:
        """The tokenizer's chat template; for the poetry model, its form prompt; else a plain transcript."""
        if self.has_chat_template:
            return self.tokenizer.apply_chat_template(
                [{"role": m.role, "content": m.content} for m in messages], tokenize=False, add_generation_prompt=True
            )
        if self.poetry_format:
            from .embedded.format import chat_prompt

            return chat_prompt(next((m.content for m in reversed(messages) if m.role == "user"), ""))
        return super().render_chat(messages)

    # --- LLM ----------------------------------------------------------------------------------------
    def _execute(self, request: GenRequest, info: RunInfo) -> Iterator[str]:
        p = request.params
        if request.messages is not None:
            ids = self.encode(self.render_chat(request.messages), add_special_tokens=not self.has_chat_template)
        else:
            ids = self.encode(request.prompt)
        ids, max_new = self.fit_prompt(ids, p, info)
        info.prompt_tokens = len(ids)
        info.completion_tokens = 0
        text = TextDecoder(self.tokenizer)
        steps = self._steps(ids, n=1, max_new_tokens=max_new, temperature=p.temperature, top_p=p.top_p,
                            top_k=p.top_k, repetition_penalty=p.repetition_penalty, seed=p.seed, eos_ids=self.eos_ids)
        try:
            for tokens, _, _ in steps:
                tok = int(tokens[0])
                info.completion_tokens += 1
                if tok in self.eos_ids:
                    info.finish_reason = "stop"
                    break
                piece = text.push(tok)
                if piece:
                    yield piece
            tail = text.flush()
            if tail:
                yield tail
        finally:
            steps.close()

    def fit_prompt(self, ids: list[int], p: GenParams, info: RunInfo) -> tuple[list[int], int]:
        """Make prompt + generation fit the context: left-truncate the prompt (or raise), clip max_new_tokens.

        At least ``min(max_new_tokens, context_length // 2)`` positions stay free for generation.
        """
        ctx = self.context_length
        reserve = min(p.max_new_tokens, ctx // 2)
        budget = ctx - reserve
        if len(ids) > budget:
            if p.on_overflow == "error":
                raise InvalidInputError(
                    f"提示过长 (prompt too long): {len(ids)} tokens, 上下文 (context_length) {ctx}, "
                    f"需为生成保留 (reserved for generation) {reserve}; 最多 (at most) {budget} tokens"
                )
            drop = len(ids) - budget
            keep_first = ids[:1] if ids and ids[0] == self.tokenizer.bos_token_id else []
            ids = keep_first + ids[len(keep_first) + drop:]
            info.truncated_tokens = drop
            info.warn(f"提示过长，已从左侧截去 {drop} 个 token (prompt truncated from the left by {drop} tokens "
                      f"to fit context_length {ctx})")
        return ids, min(p.max_new_tokens, ctx - len(ids))

    # --- constrained decoding and scoring --------------------------------------------------------
    def sample_constrained(self, prompt: str | Sequence[int], allowed=None, *, n: int = 1,
                           bias: Mapping[int, float] | None = None, max_new_tokens: int = 64,
                           temperature: float = 0.0, top_p: float = 1.0, top_k: int = 0,
                           repetition_penalty: float = 1.0, seed: int | None = None,
                           processors: Sequence = (), stop_ids: Sequence[int] | None = None) -> list[ConstrainedResult]:
        """Sample ``n`` continuations in one batch under per-position constraints.

        Args:
            prompt: text, or token ids used as-is.
            allowed: ``allowed(step, generated_ids) -> ids | None`` (see :mod:`toolkit.llm.constraints`).
            n: number of samples (batched: much cheaper than n calls).
            bias: token id → logit bonus (soft topic bias).
            stop_ids: token ids that end a sample (default: the model's end tokens).
            processors: extra logits processors ``(input_ids, scores) -> scores`` on NumPy arrays, applied
                after ``allowed`` and ``bias``.
            Other arguments as in :class:`~toolkit.llm.params.GenParams`.

        Returns:
            ``n`` :class:`ConstrainedResult` in sampling order.
        """
        params = GenParams.from_kwargs(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p,
                                       top_k=top_k, repetition_penalty=repetition_penalty, seed=seed)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 256:
            raise InvalidInputError(f"参数 n={n!r} 超出范围 (out of range); 有效范围 (valid range): 1 ≤ n ≤ 256")
        ids = self.encode(prompt) if isinstance(prompt, str) else [int(i) for i in prompt]
        info = RunInfo()
        ids, max_new = self.fit_prompt(ids, params, info)
        ends = set(self.eos_ids if stop_ids is None else (int(i) for i in stop_ids))
        toks, lps = [[] for _ in range(n)], [[] for _ in range(n)]
        for tokens, logprobs, active in self._steps(
            ids, n=n, max_new_tokens=max_new, temperature=temperature, top_p=top_p, top_k=top_k,
            repetition_penalty=repetition_penalty, seed=seed, allowed=allowed, bias=bias, processors=processors,
            eos_ids=ends,
        ):
            tokens, logprobs = tokens.tolist(), logprobs.tolist()
            for row, on in enumerate(active.tolist()):
                if on:
                    toks[row].append(int(tokens[row]))
                    lps[row].append(float(logprobs[row]))
        return [
            ConstrainedResult(tuple(t), self.decode(t), float(sum(lp)), tuple(lp),
                              "eos" if t and t[-1] in ends else "length")
            for t, lp in zip(toks, lps)
        ]

    def generate_constrained(self, prompt: str | Sequence[int], allowed=None, **kw) -> ConstrainedResult:
        """One constrained sample; arguments as in :meth:`sample_constrained` (without ``n``)."""
        return self.sample_constrained(prompt, allowed, n=1, **kw)[0]

    def token_logprobs(self, text: str, prefix: str = "") -> list[float]:
        """Log-probability of each token of ``text`` given ``prefix`` (the BOS token if the prefix is empty)."""
        ctx = self.encode(prefix) if prefix else []
        if not ctx and self.tokenizer.bos_token_id is not None:
            ctx = [self.tokenizer.bos_token_id]
        tgt = self.encode(text, add_special_tokens=False)
        if not tgt:
            return []
        if not ctx:  # no context for the first token: it cannot be scored
            ctx, tgt = tgt[:1], tgt[1:]
        full = (ctx + tgt)[-self.context_length:]
        n_ctx = len(full) - len(tgt)
        if n_ctx < 1:
            raise InvalidInputError(f"文本过长，无法打分 (text longer than context_length {self.context_length})")
        logits = self.stepper.forward(np.array([full]), self.stepper.new_cache(), last_only=False)[0]
        logp = log_softmax(logits[n_ctx - 1:-1].astype(np.float64))
        return logp[np.arange(len(tgt)), tgt].tolist()

    def score(self, text: str, prefix: str = "") -> float:
        """Log-likelihood (nats) of ``text`` following ``prefix`` under the model."""
        return float(sum(self.token_logprobs(text, prefix)))


def eos_ids(path: Path, config: dict, tokenizer) -> set[int]:
    """End-of-sequence ids from ``generation_config.json``, ``config.json`` and the tokenizer."""
    ids: set[int] = set()
    sources = [config]
    gen = Path(path) / "generation_config.json"
    if gen.is_file():
        try:
            sources.insert(0, json.loads(gen.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            pass  # transformers ignores an unreadable generation config too
    for src in sources:
        e = src.get("eos_token_id")
        if e is not None:
            ids.update([e] if isinstance(e, int) else e)
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return {int(i) for i in ids}
