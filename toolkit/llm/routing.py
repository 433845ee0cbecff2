"""Which experts each token is routed to, on any local engine (:meth:`LocalLLM.trace_routing`).

Dense layers (DeepSeek's ``first_k_dense_replace``) have no router and are simply absent from the trace.

Example:
    >>> t = routing(load_llm(), "<bos><七绝><题>春<文>春风")   # doctest: +SKIP
    >>> t.tokens[-1], t.layers, t.expert_ids[-1]             # doctest: +SKIP
    ('风', (1, 2, 3), ((5, 2), (0, 7), (3, 1)))
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.errors import BackendError, InvalidInputError

from .base import LLM
from .local import LocalLLM


@dataclass(frozen=True)
class RoutingTrace:
    """Routing decisions for every token of a text (indexing is ``[token][layer][rank]``)."""

    tokens: tuple[str, ...]  # each token as text (special tokens kept, e.g. "<bos>")
    token_ids: tuple[int, ...]
    layers: tuple[int, ...]  # decoder-layer indices that have a router, in order
    expert_ids: tuple[tuple[tuple[int, ...], ...], ...]  # chosen routed experts, highest weight first
    weights: tuple[tuple[tuple[float, ...], ...], ...]  # their gate weights (as the model applies them)
    num_experts: int  # routed experts per MoE layer
    top_k: int  # experts chosen per token per layer

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(tokens, moe_layers, top_k)``."""
        return len(self.tokens), len(self.layers), self.top_k

    def expert_shares(self) -> list[list[float]]:
        """Per MoE layer, the share of this text's routed assignments each expert received (sums to 1)."""
        shares = []
        for li in range(len(self.layers)):
            counts = [0] * self.num_experts
            for tok in self.expert_ids:
                for e in tok[li]:
                    counts[e] += 1
            total = sum(counts) or 1
            shares.append([c / total for c in counts])
        return shares

    def to_dict(self) -> dict:
        return {"tokens": list(self.tokens), "token_ids": list(self.token_ids), "layers": list(self.layers),
                "expert_ids": [[list(k) for k in t] for t in self.expert_ids],
                "weights": [[list(k) for k in t] for t in self.weights],
                "num_experts": self.num_experts, "top_k": self.top_k}


def routing(llm: LLM, text: str, prefix: str = "") -> RoutingTrace:
    """Route ``text`` through the model once and record, per token and MoE layer, the top-k experts.

    Args:
        llm: a local model (:class:`~toolkit.llm.local.LocalLLM`), e.g. from ``load_llm()``.
        text: the text whose tokens are traced (e.g. a generated poem, its prompt included).
        prefix: optional context fed before ``text``; its tokens are not in the trace.

    Raises:
        BackendError: the backend is not local, or the model has no MoE routers (names its model_type).
        InvalidInputError: empty text, or longer than the context.
    """
    if not isinstance(llm, LocalLLM):
        raise BackendError(f"路由分析需要本地模型 (routing needs a local model); {llm!r} is a remote backend")
    ctx = llm.encode(prefix) if prefix else []
    ids = llm.encode(text, add_special_tokens=not prefix)
    if not ids:
        raise InvalidInputError("文本为空 (text is empty)")
    if len(ctx) + len(ids) > llm.context_length:
        raise InvalidInputError(f"文本过长 (text too long): {len(ctx) + len(ids)} tokens > context_length {llm.context_length}")
    r = llm.trace_routing(ctx + ids)
    start = len(ctx)
    experts = [e[start:].tolist() for e in r.expert_ids]
    weights = [w[start:].tolist() for w in r.weights]
    layers = range(len(r.layers))
    return RoutingTrace(
        tokens=tuple(llm.tokenizer.convert_ids_to_tokens(ids)),
        token_ids=tuple(ids),
        layers=r.layers,
        expert_ids=tuple(tuple(tuple(experts[li][t]) for li in layers) for t in range(len(ids))),
        weights=tuple(tuple(tuple(round(x, 6) for x in weights[li][t]) for li in layers) for t in range(len(ids))),
        num_experts=r.num_experts,
        top_k=len(experts[0][0]),
    )
