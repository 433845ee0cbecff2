"""A NumPy-only DeepseekV2 forward pass: the embedded model without torch or transformers.

Why: for a model this small (hidden 256, 4 layers) a forward step is a few dozen small matrix
products, and ``import torch`` + ``import transformers`` cost ~10 CPU seconds before the first one. This
module reads the safetensors weights itself (bf16/fp16/fp32 → float32, as the transformers engine loads them) and
runs the same computation as ``transformers``' ``DeepseekV2ForCausalLM``: MLA attention with
interleaved-pair RoPE and per-layer K/V caches, a softmax router with greedy top-k, routed + shared
experts, RMSNorm, a (tied) LM head. ``tests/test_llm_numpy.py`` checks its logits and routing against
the transformers model. Configurations it does not cover are refused by :func:`unsupported`.

Example:
    >>> import numpy as np
    >>> net = NumpyDeepseekV2.from_dir("data/models/hanlin-moe-mini")    # doctest: +SKIP
    >>> state = net.new_state()                                          # doctest: +SKIP
    >>> net.forward(np.array([[1, 5, 11]]), state).shape                 # doctest: +SKIP
    (1, 8949)
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toolkit.errors import BackendError

_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "F64": np.float64}
MAX_PARAMS = 2_000_000_000  # above this the transformers path (bf16 weights, threads) is the better engine


def read_safetensors(path: str | Path, dtype=np.float32) -> dict[str, np.ndarray]:
    """All tensors of one ``.safetensors`` file as arrays of ``dtype`` (bf16 is widened exactly).

    Raises:
        BackendError: not a safetensors file, a truncated file, or an unsupported tensor dtype (named).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        (n,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8:8 + n])
    except (OSError, struct.error, ValueError) as e:
        raise BackendError(f"权重文件无法读取 (unreadable safetensors file) {path}: {e}") from None
    base = 8 + n
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        kind = _DTYPES.get(meta.get("dtype"))
        start, end = meta["data_offsets"]
        if kind is None:
            raise BackendError(f"不支持的张量类型 (unsupported tensor dtype) {meta.get('dtype')} for {name} in {path}")
        if base + end > len(raw):
            raise BackendError(f"权重文件被截断 (truncated safetensors file) {path}: tensor {name}")
        arr = np.frombuffer(raw, dtype=kind, count=(end - start) // np.dtype(kind).itemsize, offset=base + start)
        if meta["dtype"] == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        out[name] = arr.reshape(meta["shape"]).astype(dtype, copy=False)
    return out


def read_weights(directory: str | Path) -> dict[str, np.ndarray]:
    """The weights of a checkpoint directory (one file or shards listed in ``model.safetensors.index.json``)."""
    directory = Path(directory)
    index = directory / "model.safetensors.index.json"
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
        weights: dict[str, np.ndarray] = {}
        for shard in shards:
            weights.update(read_safetensors(directory / shard))
        return weights
    return read_safetensors(directory / "model.safetensors")


def unsupported(config: dict) -> str | None:
    """``None`` when this module runs ``config`` exactly, else the reason it does not."""
    if config.get("model_type") != "deepseek_v2":
        return f"model_type {config.get('model_type')}"
    checks = [
        (config.get("hidden_act", "silu") == "silu", f"hidden_act {config.get('hidden_act')}"),
        (config.get("topk_method", "greedy") == "greedy", f"topk_method {config.get('topk_method')}"),
        (not config.get("norm_topk_prob", False), "norm_topk_prob"),
        (not config.get("mlp_bias", False), "mlp_bias"),
        (not config.get("attention_bias", False), "attention_bias"),
        (config.get("q_lora_rank") is None, "q_lora_rank"),
        (config.get("n_shared_experts") or 0, "no shared experts"),
    ]
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    checks.append((rope.get("rope_type", rope.get("type", "default")) == "default", f"rope {rope}"))
    for ok, why in checks:
        if not ok:
            return why
    return None


@dataclass
class State:
    """Per-sequence K/V caches (per head, as transformers keeps them), one pair per layer."""

    k: list = field(default_factory=list)
    v: list = field(default_factory=list)
    length: int = 0


def _rms(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return w * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def _lin(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x @ w.T`` for weights ``(out, in)``, computed as ``(w @ x.T).T``: with few rows in ``x`` (decoding)
    OpenBLAS runs that form faster."""
    flat = x.reshape(-1, x.shape[-1])
    return (w @ flat.T).T.reshape(*x.shape[:-1], w.shape[0])


def _silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


class NumpyDeepseekV2:
    """The forward pass over float32 weights named as in a DeepseekV2 checkpoint.

    Args:
        weights: name → array (per-expert ``experts.{e}.gate_proj.weight`` or fused ``experts.gate_up_proj``).
        config: the parsed ``config.json`` (must pass :func:`unsupported`).

    Raises:
        BackendError: the configuration is not covered, or a weight is missing (named).
    """

    def __init__(self, weights: dict[str, np.ndarray], config: dict):
        why = unsupported(config)
        if why:
            raise BackendError(f"NumPy 引擎不支持该配置 (numpy engine does not support this config): {why}")
        self.config = config
        c = config
        self.eps = float(c.get("rms_norm_eps", 1e-6))
        self.heads = int(c["num_attention_heads"])
        self.nope, self.rope = int(c["qk_nope_head_dim"]), int(c["qk_rope_head_dim"])
        self.v_dim, self.kv_rank = int(c["v_head_dim"]), int(c["kv_lora_rank"])
        self.scale = float(self.nope + self.rope) ** -0.5
        self.top_k = int(c.get("num_experts_per_tok") or 0)
        self.route_scale = float(c.get("routed_scaling_factor", 1.0))
        theta = float((c.get("rope_parameters") or {}).get("rope_theta", c.get("rope_theta", 10000.0)))
        self.inv_freq = (1.0 / theta ** (np.arange(0, self.rope, 2, dtype=np.float32) / self.rope)).astype(np.float32)

        def get(name):
            if name not in weights:
                raise BackendError(f"权重缺失 (missing weight) {name}")
            return weights[name]

        self.embed = get("model.embed_tokens.weight")
        self.head = weights.get("lm_head.weight", self.embed if c.get("tie_word_embeddings") else None)
        if self.head is None:
            raise BackendError("权重缺失 (missing weight) lm_head.weight")
        self.norm = get("model.norm.weight")
        self.layers = []
        for i in range(int(c["num_hidden_layers"])):
            p = f"model.layers.{i}."
            layer = {k: get(p + k + ".weight") for k in (
                "input_layernorm", "post_attention_layernorm", "self_attn.q_proj", "self_attn.kv_a_proj_with_mqa",
                "self_attn.kv_a_layernorm", "self_attn.kv_b_proj", "self_attn.o_proj")}
            if p + "mlp.gate.weight" in weights:
                layer["router"] = get(p + "mlp.gate.weight")
                layer["experts"] = self._experts(weights, p + "mlp.experts.", int(c["n_routed_experts"]))
                layer["shared"] = tuple(get(p + f"mlp.shared_experts.{k}.weight") for k in ("gate_proj", "up_proj", "down_proj"))
            else:
                layer["dense"] = tuple(get(p + f"mlp.{k}.weight") for k in ("gate_proj", "up_proj", "down_proj"))
            self.layers.append(layer)
        self.moe_layers = tuple(i for i, layer in enumerate(self.layers) if "router" in layer)

    @staticmethod
    def _experts(weights, prefix: str, n: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        if prefix + "gate_up_proj" in weights:  # fused layout, as transformers keeps it in memory
            gu, down = weights[prefix + "gate_up_proj"], weights[prefix + "down_proj"]
            half = gu.shape[1] // 2
            return [(gu[e, :half], gu[e, half:], down[e]) for e in range(n)]
        try:
            return [tuple(weights[f"{prefix}{e}.{k}.weight"] for k in ("gate_proj", "up_proj", "down_proj"))
                    for e in range(n)]
        except KeyError as e:
            raise BackendError(f"权重缺失 (missing weight) {e.args[0]}") from None

    @classmethod
    def from_dir(cls, directory: str | Path, config: dict | None = None) -> "NumpyDeepseekV2":
        directory = Path(directory)
        config = config or json.loads((directory / "config.json").read_text(encoding="utf-8"))
        return cls(read_weights(directory), config)

    def named_weights(self):
        """``(name, array)`` of every distinct weight, named as in the checkpoint."""
        yield "model.embed_tokens.weight", self.embed
        if self.head is not self.embed:
            yield "lm_head.weight", self.head
        yield "model.norm.weight", self.norm
        mlp = ("gate_proj", "up_proj", "down_proj")
        for i, layer in enumerate(self.layers):
            for key, value in layer.items():
                if key == "experts":
                    for e, mats in enumerate(value):
                        yield from ((f"model.layers.{i}.mlp.experts.{e}.{k}.weight", m) for k, m in zip(mlp, mats))
                elif key in ("shared", "dense"):
                    sub = "shared_experts." if key == "shared" else ""
                    yield from ((f"model.layers.{i}.mlp.{sub}{k}.weight", m) for k, m in zip(mlp, value))
                else:
                    yield f"model.layers.{i}.{'mlp.gate' if key == 'router' else key}.weight", value

    def new_state(self) -> State:
        return State([None] * len(self.layers), [None] * len(self.layers), 0)

    # --- pieces -----------------------------------------------------------------------------------
    def _rope(self, x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * cos - b * sin
        out[..., 1::2] = a * sin + b * cos
        return out

    def _attention(self, i: int, w: dict, x: np.ndarray, cos, sin, state: State) -> np.ndarray:
        b, t, _ = x.shape
        h = self.heads
        q = _lin(x, w["self_attn.q_proj"]).reshape(b, t, h, self.nope + self.rope).transpose(0, 2, 1, 3)
        kv_a = _lin(x, w["self_attn.kv_a_proj_with_mqa"])
        kv = _lin(_rms(kv_a[..., :self.kv_rank], w["self_attn.kv_a_layernorm"], self.eps), w["self_attn.kv_b_proj"])
        kv = kv.reshape(b, t, h, self.nope + self.v_dim).transpose(0, 2, 1, 3)
        k_pe = self._rope(kv_a[..., self.kv_rank:], cos, sin)[:, None]  # one rope key shared by all heads
        q = np.concatenate([q[..., :self.nope], self._rope(q[..., self.nope:], cos, sin)], axis=-1)
        k = np.concatenate([kv[..., :self.nope], np.broadcast_to(k_pe, (b, h, t, self.rope))], axis=-1)
        v = kv[..., self.nope:]
        if state.k[i] is not None:
            k = np.concatenate([state.k[i], k], axis=2)
            v = np.concatenate([state.v[i], v], axis=2)
        state.k[i], state.v[i] = k, v
        att = (q @ k.transpose(0, 1, 3, 2)) * self.scale
        if t > 1:
            past = k.shape[2] - t
            att = np.where(np.tri(t, k.shape[2], past, dtype=bool), att, -np.inf)
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        out = (att @ v).transpose(0, 2, 1, 3).reshape(b, t, h * self.v_dim)
        return _lin(out, w["self_attn.o_proj"])

    @staticmethod
    def _mlp(x: np.ndarray, gate: np.ndarray, up: np.ndarray, down: np.ndarray) -> np.ndarray:
        return _lin(_silu(_lin(x, gate)) * _lin(x, up), down)

    def route(self, w: dict, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Greedy top-k of the softmax router: ``(expert ids, weights)``, each ``(tokens, top_k)``, highest first."""
        logits = _lin(flat, w["router"])
        scores = np.exp(logits - logits.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        idx = np.argsort(-scores, axis=-1, kind="stable")[:, :self.top_k]
        return idx, np.take_along_axis(scores, idx, -1) * self.route_scale

    def _moe(self, w: dict, x: np.ndarray, record: list | None) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1])
        idx, weight = self.route(w, flat)
        if record is not None:
            record.append((idx, weight))
        out = np.zeros_like(flat)
        for e in np.unique(idx).tolist():
            tok, slot = np.nonzero(idx == e)
            out[tok] += self._mlp(flat[tok], *w["experts"][e]) * weight[tok, slot, None]
        return out.reshape(x.shape) + self._mlp(x, *w["shared"])

    # --- forward ----------------------------------------------------------------------------------
    def forward(self, ids: np.ndarray, state: State, last_only: bool = True, record: list | None = None) -> np.ndarray:
        """Logits (float32) of the new positions ``(batch, t or 1, vocab)``; extends ``state``.

        Args:
            ids: ``(batch, t)`` token ids following what ``state`` has seen.
            last_only: only the last position's logits.
            record: if given, ``(expert ids, weights)`` of every MoE layer are appended (tokens flattened
                batch-major, experts highest weight first).
        """
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 2:
            raise ValueError(f"ids must be (batch, tokens), got shape {ids.shape}")
        t = ids.shape[1]
        x = self.embed[ids]
        ang = np.arange(state.length, state.length + t, dtype=np.float32)[:, None] * self.inv_freq
        cos, sin = np.cos(ang), np.sin(ang)
        for i, w in enumerate(self.layers):
            x = x + self._attention(i, w, _rms(x, w["input_layernorm"], self.eps), cos, sin, state)
            hn = _rms(x, w["post_attention_layernorm"], self.eps)
            x = x + (self._moe(w, hn, record) if "router" in w else self._mlp(hn, *w["dense"]))
        state.length += t
        x = _rms(x[:, -1:] if last_only else x, self.norm, self.eps)
        return _lin(x, self.head)
