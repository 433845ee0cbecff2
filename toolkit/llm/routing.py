"""Which experts each token is routed to, read with forward hooks on the MoE router modules.

Works for DeepSeek-V2/V3 (``DeepseekV2TopkRouter``), Mixtral, Qwen2/3-MoE and any transformers model
whose router module class ends in ``TopkRouter``/``TopKRouter`` and returns
``(router_logits, topk_weights, topk_indices)``. Dense layers (DeepSeek's ``first_k_dense_replace``)
have no router and are simply absent from the trace.

Example:
    >>> t = routing(load_llm(), "<bos><七绝><题>春<文>春风")   # doctest: +SKIP
    >>> t.tokens[-1], t.layers, t.expert_ids[-1]             # doctest: +SKIP
    ('风', (1, 2, 3), ((5, 2), (0, 7), (3, 1)))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.errors import BackendError, InvalidInputError

if TYPE_CHECKING:  # torch is imported only by the transformers path (_hf_routing)
    import torch


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


def find_routers(model) -> list[tuple[int, torch.nn.Module]]:
    """``(layer_index, router_module)`` for every MoE router in ``model``, in layer order."""
    found = []
    for name, module in model.named_modules():
        if type(module).__name__.lower().endswith("topkrouter"):
            m = re.search(r"layers\.(\d+)\.", name)
            found.append((int(m.group(1)) if m else len(found), module))
    return sorted(found, key=lambda x: x[0])


def routing(llm, text: str, prefix: str = "") -> RoutingTrace:
    """Route ``text`` through the model once and record, per token and MoE layer, the top-k experts.

    Args:
        llm: a local backend, e.g. from ``load_llm()``: the NumPy engine (``llm.net``) or a transformers
            model (``llm.hf_model``), with ``llm.tokenizer``.
        text: the text whose tokens are traced (e.g. a generated poem, its prompt included).
        prefix: optional context fed before ``text``; its tokens are not in the trace.

    Raises:
        BackendError: the backend is not local, or the model has no MoE routers (names its model_type).
        InvalidInputError: empty text, or longer than the context.
    """
    net = getattr(llm, "net", None)  # checked first: a NumPy-engine model loads ``hf_model`` only on request
    model = None if net is not None else getattr(llm, "hf_model", None)
    tok = getattr(llm, "tokenizer", None)
    if (model is None and net is None) or tok is None:
        raise BackendError(f"路由分析需要本地模型 (routing needs a local model); {llm!r} is a remote backend")
    if net is None:
        routers = find_routers(model)
        if not routers:
            raise BackendError(
                f"该模型没有 MoE 路由层 (not a Mixture-of-Experts model): model_type={model.config.model_type!r}"
            )
    elif not net.moe_layers:
        raise BackendError(f"该模型没有 MoE 路由层 (not a Mixture-of-Experts model): {llm.name}")
    ctx = tok.encode(prefix) if prefix else []
    ids = tok.encode(text, add_special_tokens=not prefix)
    if not ids:
        raise InvalidInputError("文本为空 (text is empty)")
    limit = getattr(llm, "context_length", None) or 10**9
    if len(ctx) + len(ids) > limit:
        raise InvalidInputError(f"文本过长 (text too long): {len(ctx) + len(ids)} tokens > context_length {limit}")
    start = len(ctx)
    if net is not None:  # the NumPy engine records its routing itself, highest weight first
        layers = net.moe_layers
        per_layer = [(idx[start:].tolist(), w[start:].tolist()) for idx, w in llm.trace_routing(ctx + ids)]
        num_experts = int(net.config["n_routed_experts"])
    else:
        layers = tuple(li for li, _ in routers)
        per_layer = _hf_routing(llm, model, routers, ctx + ids, start)
        router = routers[0][1]
        num_experts = int(getattr(router, "num_experts", 0) or router.weight.shape[0])
    return RoutingTrace(
        tokens=tuple(tok.convert_ids_to_tokens(ids)),
        token_ids=tuple(ids),
        layers=layers,
        expert_ids=tuple(tuple(tuple(per_layer[l][0][t]) for l in range(len(layers))) for t in range(len(ids))),
        weights=tuple(tuple(tuple(round(x, 6) for x in per_layer[l][1][t]) for l in range(len(layers)))
                      for t in range(len(ids))),
        num_experts=num_experts,
        top_k=len(per_layer[0][0][0]),
    )


def _hf_routing(llm, model, routers, ids: list[int], start: int) -> list[tuple[list, list]]:
    """Per router layer ``(expert ids, weights)`` of positions ``start:``, read with forward hooks."""
    import torch

    records: list[tuple[torch.Tensor, torch.Tensor]] = []

    def hook(module, args, out):
        idx = next(t for t in out if isinstance(t, torch.Tensor) and not t.is_floating_point())
        w = next(t for t in out[1:] if isinstance(t, torch.Tensor) and t.is_floating_point() and t.shape == idx.shape)
        records.append((idx.detach().reshape(-1, idx.shape[-1]), w.detach().float().reshape(-1, idx.shape[-1])))

    handles = [m.register_forward_hook(hook) for _, m in routers]
    try:
        lock = getattr(getattr(llm, "_stepper", None), "lock", None)
        with (lock or _nolock()), torch.inference_mode():
            model(input_ids=torch.tensor([ids]), use_cache=False)
    finally:
        for h in handles:
            h.remove()
    if len(records) != len(routers):
        raise BackendError(f"路由记录不完整 (router hooks fired {len(records)} times for {len(routers)} routers)")
    per_layer = []
    for idx, w in records:
        order = torch.argsort(w, dim=-1, descending=True)  # routers return top-k unsorted
        per_layer.append((idx.gather(-1, order)[start:].tolist(), w.gather(-1, order)[start:].tolist()))
    return per_layer


class _nolock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
