"""What a model is: architecture, parameters in total and active per token, experts, context.

How *active* parameters are counted: every parameter a token's forward pass touches — attention,
norms, dense FFNs, shared experts, routers, the embedding matrix and the LM head (counted whole, as
DeepSeek's papers do) — plus, in each MoE layer, only ``top_k / n_routed_experts`` of the routed
expert weights. ``active_params_no_embed`` leaves out the embedding and LM head (a token reads one
embedding row; the head is a dense matmul over the vocabulary).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from toolkit.errors import BackendError

from .base import LLM
from .local import LocalLLM


@dataclass(frozen=True)
class ModelInfo:
    name: str
    backend: str  # "local (numpy)", "local (transformers)" or "openai-compatible server"
    model_type: str | None = None  # e.g. deepseek_v2
    architecture: str | None = None  # e.g. DeepseekV2ForCausalLM
    total_params: int | None = None  # unique parameters (tied embeddings counted once)
    active_params: int | None = None  # per token, see module docstring
    active_params_no_embed: int | None = None
    embedding_params: int | None = None  # input embedding + (untied) LM head
    layers: int | None = None
    moe_layers: int | None = None
    routed_experts: int | None = None  # per MoE layer
    experts_per_token: int | None = None  # top-k
    shared_experts: int | None = None
    attention: str | None = None  # e.g. "MLA (kv_lora_rank=64, q_lora_rank=None)"
    context_length: int | None = None
    vocab_size: int | None = None
    dtype: str | None = None
    capable: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """Human-readable ``key: value`` lines (for ``hanlin model info``)."""
        def n(x):
            return "—" if x is None else f"{x:,} ({x / 1e6:.2f} M)"

        rows = [("名称 name", self.name), ("后端 backend", self.backend),
                ("架构 architecture", f"{self.architecture} ({self.model_type})" if self.architecture else None),
                ("参数总量 total params", n(self.total_params) if self.total_params else None),
                ("每 token 激活 active params/token", n(self.active_params) if self.active_params else None),
                ("  不含嵌入 excl. embeddings", n(self.active_params_no_embed) if self.active_params_no_embed else None),
                ("层数 layers", self.layers), ("MoE 层 MoE layers", self.moe_layers),
                ("路由专家 routed experts", self.routed_experts), ("每 token 专家 experts/token (top-k)", self.experts_per_token),
                ("共享专家 shared experts", self.shared_experts), ("注意力 attention", self.attention),
                ("上下文 context length", self.context_length), ("词表 vocab size", self.vocab_size),
                ("精度 dtype", self.dtype), ("可执行指令 instruction-following", self.capable)]
        return [f"{k}: {v}" for k, v in rows if v is not None]


def model_info(llm: LLM) -> ModelInfo:
    """Describe ``llm``; remote backends report only what the server says (name, context length)."""
    if not isinstance(llm, LocalLLM):
        return ModelInfo(name=llm.name, backend="openai-compatible server", context_length=llm.context_length,
                         capable=llm.capable)
    cfg = llm.config
    sizes = llm.parameter_sizes()
    arch = (cfg.get("architectures") or ["?"])[0]
    total = sum(sizes.values())
    emb = sum(v for n, v in sizes.items() if "embed_tokens" in n or n.startswith("lm_head"))
    routed_names = [n for n in sizes if ".experts." in n and "shared_experts" not in n]
    routed = sum(sizes[n] for n in routed_names)
    moe_layers = len({n.split(".experts.")[0] for n in routed_names})
    n_exp = _first(cfg, "n_routed_experts", "num_local_experts", "num_experts")
    top_k = _first(cfg, "num_experts_per_tok", "num_experts_per_token", "moe_topk")
    if routed and not (n_exp and top_k):
        raise BackendError(f"无法确定专家数量 (cannot read expert counts from config): model_type={cfg.get('model_type')}")
    active = total - (routed - routed * top_k // n_exp if routed else 0)
    kv_rank = cfg.get("kv_lora_rank")
    attention = (f"MLA (kv_lora_rank={kv_rank}, q_lora_rank={cfg.get('q_lora_rank')})" if kv_rank
                 else f"MHA/GQA (heads={cfg.get('num_attention_heads')}, kv_heads={cfg.get('num_key_value_heads')})")
    return ModelInfo(
        name=llm.name, backend=f"local ({llm.engine})", model_type=cfg.get("model_type"),
        architecture=arch, total_params=total, active_params=active, active_params_no_embed=active - emb,
        embedding_params=emb, layers=cfg.get("num_hidden_layers"), moe_layers=moe_layers or None,
        routed_experts=n_exp if routed else None, experts_per_token=top_k if routed else None,
        shared_experts=cfg.get("n_shared_experts") if routed else None, attention=attention,
        context_length=llm.context_length, vocab_size=cfg.get("vocab_size"), dtype=llm.dtype, capable=llm.capable,
    )


def _first(cfg: dict, *names):
    for n in names:
        v = cfg.get(n)
        if isinstance(v, int) and v > 0:
            return v
    return None
