"""Hyperparameters of the embedded MoE and of its training run, as frozen dataclasses.

:class:`ModelConfig` maps onto ``transformers.DeepseekV2Config``; the architecture is the one a real
DeepSeek-V2(-Lite) checkpoint uses (MLA attention, shared + routed experts), only smaller, so the
shipped model loads through ``AutoModelForCausalLM`` with no custom code.

Example:
    >>> cfg = ModelConfig.tiny().to_hf(vocab_size=64)
    >>> cfg.model_type, cfg.n_routed_experts, cfg.num_experts_per_tok
    ('deepseek_v2', 8, 2)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class ModelConfig:
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    q_lora_rank: int | None = None  # None: plain q projection (as DeepSeek-V2-Lite does)
    kv_lora_rank: int = 64  # MLA: keys/values pass through this compressed latent
    qk_nope_head_dim: int = 32  # per-head query/key part without rotary position
    qk_rope_head_dim: int = 16  # per-head rotary part (one shared rotary key per token)
    v_head_dim: int = 32
    dense_intermediate_size: int = 512  # the dense FFN of the first ``first_k_dense_replace`` layers
    first_k_dense_replace: int = 1  # layer 0 dense: routing on raw embeddings is not worth much
    n_routed_experts: int = 8
    num_experts_per_tok: int = 2  # top-k routing
    n_shared_experts: int = 1  # always-on expert(s) that hold common knowledge
    moe_intermediate_size: int = 256
    max_position_embeddings: int = 512
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True  # the char embedding is the largest matrix; tying halves it

    @classmethod
    def tiny(cls) -> "ModelConfig":
        """A few-thousand-parameter variant for tests (seconds on CPU)."""
        return cls(hidden_size=32, num_layers=2, num_heads=2, kv_lora_rank=16, qk_nope_head_dim=8,
                   qk_rope_head_dim=8, v_head_dim=8, dense_intermediate_size=64, moe_intermediate_size=32,
                   max_position_embeddings=256)

    def to_hf(self, vocab_size: int, pad_token_id: int = 0, bos_token_id: int = 1, eos_token_id: int = 2):
        """The equivalent ``DeepseekV2Config``."""
        from transformers import DeepseekV2Config

        return DeepseekV2Config(
            vocab_size=vocab_size,
            hidden_size=self.hidden_size,
            intermediate_size=self.dense_intermediate_size,
            moe_intermediate_size=self.moe_intermediate_size,
            num_hidden_layers=self.num_layers,
            num_attention_heads=self.num_heads,
            num_key_value_heads=self.num_heads,
            q_lora_rank=self.q_lora_rank,
            kv_lora_rank=self.kv_lora_rank,
            qk_nope_head_dim=self.qk_nope_head_dim,
            qk_rope_head_dim=self.qk_rope_head_dim,
            v_head_dim=self.v_head_dim,
            first_k_dense_replace=self.first_k_dense_replace,
            n_routed_experts=self.n_routed_experts,
            num_experts_per_tok=self.num_experts_per_tok,
            n_shared_experts=self.n_shared_experts,
            topk_method="greedy",
            norm_topk_prob=False,
            routed_scaling_factor=1.0,
            max_position_embeddings=self.max_position_embeddings,
            rope_parameters={"rope_type": "default", "rope_theta": self.rope_theta},
            tie_word_embeddings=self.tie_word_embeddings,
            pad_token_id=pad_token_id,
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
            use_cache=True,
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TrainConfig:
    seq_len: int = 160  # packed sequence length (a 七律 with title is ~75 chars)
    batch_size: int = 16  # sequences per optimizer step
    lr: float = 2e-3
    min_lr_ratio: float = 0.1  # cosine decays to lr * min_lr_ratio
    warmup_steps: int = 150
    weight_decay: float = 0.1
    betas: tuple[float, float] = (0.9, 0.95)
    grad_clip: float = 1.0
    aux_loss_coef: float = 0.01  # Switch-Transformer style load-balancing loss weight
    max_steps: int = 0  # 0: no step limit (stop on max_minutes)
    max_minutes: float = 75.0  # wall-clock budget of the whole run (resumes included); 0: none
    max_tokens: int = 0  # token budget of the whole run (warm start included); 0: none
    schedule_start_step: int = 0  # warm-up and cosine start here (a warm start continues another run's steps)
    schedule_start_tokens: int = 0  # tokens already seen when this schedule began
    checkpoint_minutes: float = 4.0
    snapshot_minutes: float = 30.0  # the compact committed snapshot (0: only when the run stops)
    log_every: int = 10  # steps between train_log.jsonl records
    eval_every_minutes: float = 10.0
    eval_docs: int = 400  # held-out documents scored at each periodic evaluation
    heldout_permille: int = 10  # 1 % of documents (by id hash) held out
    law_share: float = 0.10  # share of statute characters in the training stream
    regulated_oversample: int = 2  # 近体 (五绝 七绝 五律 七律) documents repeated this many times
    min_char_count: int = 5  # vocabulary: characters seen at least this often in the training text
    max_vocab: int = 10000
    threads: int = 2
    seed: int = 1234

    @classmethod
    def tiny(cls) -> "TrainConfig":
        return cls(seq_len=64, batch_size=4, lr=3e-3, warmup_steps=2, max_steps=8, max_minutes=5.0,
                   checkpoint_minutes=0.0, log_every=1, eval_every_minutes=1e9, eval_docs=20,
                   heldout_permille=100, min_char_count=1, threads=1)

    def override(self, **kw) -> "TrainConfig":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})

    def to_dict(self) -> dict:
        return asdict(self)
