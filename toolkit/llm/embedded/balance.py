"""Expert load balancing: the auxiliary loss transformers' DeepseekV2 does not compute, and load statistics.

``DeepseekV2ForCausalLM`` records each MoE layer's router logits (``output_router_logits=True``) but
adds no balancing term, and without one routing collapses onto a few experts. We add the
Switch-Transformer loss per layer, ``E * sum_i f_i * P_i`` (``f_i``: share of top-k assignments that
went to expert ``i``, not differentiable; ``P_i``: mean router probability of ``i``, differentiable),
averaged over layers. It equals 1 when routing is uniform and grows as load concentrates.

Example:
    >>> import torch
    >>> logits = (torch.zeros(10, 4, requires_grad=True),)
    >>> round(load_balance_loss(logits, top_k=2).item(), 3)
    1.0
"""

from __future__ import annotations

import torch


def _valid(logits: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    return logits if mask is None else logits[mask.reshape(-1).bool()]


def load_balance_loss(router_logits, top_k: int, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over MoE layers of ``E * sum_i f_i * P_i``.

    Args:
        router_logits: per MoE layer, a ``(tokens, num_experts)`` tensor (pre-softmax).
        top_k: experts chosen per token.
        mask: optional ``(batch, seq)`` attention mask; padded positions are left out.
    """
    losses = []
    for logits in router_logits:
        logits = _valid(logits, mask).float()
        num_experts = logits.shape[-1]
        probs = logits.softmax(dim=-1)
        chosen = probs.topk(top_k, dim=-1).indices
        f = torch.zeros(num_experts, device=logits.device).scatter_add_(
            0, chosen.reshape(-1), torch.ones(chosen.numel(), device=logits.device)) / chosen.numel()
        losses.append(num_experts * (f.detach() * probs.mean(dim=0)).sum())
    if not losses:
        raise ValueError("没有路由输出 (no router logits): call the model with output_router_logits=True")
    return torch.stack(losses).mean()


@torch.no_grad()
def expert_counts(router_logits, top_k: int, mask: torch.Tensor | None = None) -> torch.Tensor:
    """``(layers, num_experts)`` counts of top-k assignments (as the router picks them: softmax then top-k)."""
    rows = []
    for logits in router_logits:
        logits = _valid(logits, mask).float()
        chosen = logits.topk(top_k, dim=-1).indices  # softmax is monotonic: same top-k as on probabilities
        rows.append(torch.bincount(chosen.reshape(-1), minlength=logits.shape[-1]))
    return torch.stack(rows)


def shares(counts: torch.Tensor) -> list[list[float]]:
    """Counts -> per-layer shares (each row sums to 1)."""
    c = counts.double()
    return (c / c.sum(dim=-1, keepdim=True).clamp_min(1)).tolist()
