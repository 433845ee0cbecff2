"""A lean forward pass for DeepseekV2-family checkpoints, used by the decode loop when it matches.

Why: for a model this small (hidden 256, 4 layers) a decode step is mostly Python overhead in the
generic ``transformers`` modules (wrappers, config look-ups, cache bookkeeping), not arithmetic. This
module runs the same weights (shared tensors, no copy) through plain tensor ops: MLA attention with
per-layer K/V caches, routed + shared experts, RMSNorm, interleaved-pair RoPE as in
``modeling_deepseek_v2``. It is used only for configurations it supports and only after
:func:`self_check` has matched the reference model's logits; otherwise the loop uses ``model(...)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class FastState:
    """Per-sequence K/V caches (already expanded per head), one pair per layer."""

    def __init__(self, n_layers: int):
        self.k: list[torch.Tensor | None] = [None] * n_layers
        self.v: list[torch.Tensor | None] = [None] * n_layers
        self.length = 0


def supported(model) -> str | None:
    """``None`` when the fast path applies to ``model``, else the reason it does not."""
    cfg = model.config
    if cfg.model_type != "deepseek_v2":
        return f"model_type {cfg.model_type}"
    if getattr(cfg, "hidden_act", "silu") != "silu":
        return f"hidden_act {cfg.hidden_act}"
    if getattr(cfg, "topk_method", "greedy") != "greedy":
        return f"topk_method {cfg.topk_method}"
    rope = (getattr(cfg, "rope_parameters", None) or {}).get("rope_type", "default")
    if "dynamic" in rope:
        return f"rope_type {rope}"
    if getattr(cfg, "mlp_bias", False):
        return "mlp_bias"
    return None


def _rms(x: torch.Tensor, norm) -> torch.Tensor:
    dtype = x.dtype
    x = x.float()
    x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + norm.variance_epsilon)
    return norm.weight * x.to(dtype)


def _lin(x, mod):
    return F.linear(x, mod.weight, mod.bias)


def _mlp(x, mlp):
    return F.linear(F.silu(F.linear(x, mlp.gate_proj.weight)) * F.linear(x, mlp.up_proj.weight), mlp.down_proj.weight)


class FastDeepseekV2:
    """Callable like the model for decoding: ``forward(ids, state) -> logits`` of every new position."""

    def __init__(self, model):
        self.model = model
        self.cfg = model.config
        self.layers = list(model.model.layers)
        rot = model.model.rotary_emb
        self.inv_freq = rot.inv_freq.float()
        self.rope_scale = float(rot.attention_scaling)

    def new_state(self) -> FastState:
        return FastState(len(self.layers))

    def _rope(self, x: torch.Tensor, freqs: torch.Tensor) -> torch.Tensor:
        xc = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
        return torch.view_as_real(xc * freqs).flatten(3).type_as(x)

    def _attention(self, i: int, attn, x: torch.Tensor, freqs: torch.Tensor, state: FastState) -> torch.Tensor:
        b, t, _ = x.shape
        h = attn.num_heads
        if attn.q_lora_rank is None:
            q = F.linear(x, attn.q_proj.weight)
        else:
            q = F.linear(_rms(_lin(x, attn.q_a_proj), attn.q_a_layernorm), attn.q_b_proj.weight)
        q = q.view(b, t, h, attn.qk_head_dim).transpose(1, 2)
        q_nope, q_pe = torch.split(q, [attn.qk_nope_head_dim, attn.qk_rope_head_dim], dim=-1)
        kv_nope, k_pe = torch.split(_lin(x, attn.kv_a_proj_with_mqa), [attn.kv_lora_rank, attn.qk_rope_head_dim], -1)
        kv = F.linear(_rms(kv_nope, attn.kv_a_layernorm), attn.kv_b_proj.weight)
        kv = kv.view(b, t, h, attn.qk_nope_head_dim + attn.v_head_dim).transpose(1, 2)
        k_nope, v = torch.split(kv, [attn.qk_nope_head_dim, attn.v_head_dim], dim=-1)
        q_pe = self._rope(q_pe, freqs)
        k_pe = self._rope(k_pe.view(b, 1, t, attn.qk_rope_head_dim), freqs)
        q = torch.cat([q_nope, q_pe], dim=-1)
        k = torch.cat([k_nope, k_pe.expand(b, h, t, -1)], dim=-1)
        if state.k[i] is not None:
            k = torch.cat([state.k[i], k], dim=2)
            v = torch.cat([state.v[i], v], dim=2)
        state.k[i], state.v[i] = k, v
        mask = None
        if t > 1:
            past = k.shape[2] - t
            mask = torch.ones(t, k.shape[2], dtype=torch.bool).tril(past)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=attn.scaling)
        return _lin(out.transpose(1, 2).reshape(b, t, h * attn.v_head_dim), attn.o_proj)

    def _moe(self, moe, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        flat = x.reshape(-1, shape[-1])
        gate = moe.gate
        scores = F.linear(flat.float(), gate.weight.float()).softmax(dim=-1)
        w, idx = torch.topk(scores, k=gate.top_k, dim=-1, sorted=False)
        w = (w * gate.routed_scaling_factor).to(flat.dtype)
        out = torch.zeros_like(flat)
        ex = moe.experts
        for e in idx.unique().tolist():
            tok, slot = torch.where(idx == e)
            hs = flat[tok]
            g, u = F.linear(hs, ex.gate_up_proj[e]).chunk(2, dim=-1)
            y = F.linear(F.silu(g) * u, ex.down_proj[e]) * w[tok, slot, None]
            out.index_add_(0, tok, y)
        return out.view(shape) + _mlp(x, moe.shared_experts)

    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, state: FastState, last_only: bool = True) -> torch.Tensor:
        t = ids.shape[1]
        x = F.embedding(ids, self.model.model.embed_tokens.weight)
        pos = torch.arange(state.length, state.length + t, dtype=torch.float32)
        freqs = torch.polar(torch.ones(t, self.inv_freq.numel()), pos[:, None] * self.inv_freq) * self.rope_scale
        for i, layer in enumerate(self.layers):
            x = x + self._attention(i, layer.self_attn, _rms(x, layer.input_layernorm), freqs, state)
            hn = _rms(x, layer.post_attention_layernorm)
            x = x + (self._moe(layer.mlp, hn) if hasattr(layer.mlp, "experts") else _mlp(hn, layer.mlp))
        state.length += t
        x = _rms(x[:, -1:] if last_only else x, self.model.model.norm)
        return F.linear(x, self.model.lm_head.weight).float()


def self_check(fast: FastDeepseekV2, vocab_size: int, atol: float = 1e-3) -> bool:
    """Compare prefill + two decode steps against the reference model on a fixed probe sequence."""
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, vocab_size, (2, 7), generator=g)
    with torch.inference_mode():
        ref = fast.model(input_ids=ids, use_cache=False).logits.float()
    state = fast.new_state()
    got = [fast.forward(ids[:, :5], state, last_only=False)]
    got += [fast.forward(ids[:, j:j + 1], state) for j in (5, 6)]
    return bool(torch.allclose(torch.cat(got, dim=1), ref, atol=atol, rtol=1e-3))
