"""LLM test fixtures: a tiny, freshly initialised DeepseekV2 MoE with a char-level tokenizer (seconds to build).

Fixtures (session-scoped, usable by every area's tests):
    tiny_model_dir: a checkpoint directory loadable by ``load_llm(str(dir))`` / ``AutoModelForCausalLM``.
    tiny_llm: that directory loaded as a :class:`toolkit.llm.transformers_engine.TransformersLLM`.

Like the embedded model: MLA attention, 3 layers (layer 0 dense, then 2 MoE layers with 8 routed
experts, top-2, 1 shared expert) and the poetry control tokens (``<bos><七绝><题>…<文>…<eos>``), so pipeline code paths are the real ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SPECIAL = ["<pad>", "<unk>", "<bos>", "<eos>", "<五绝>", "<七绝>", "<五律>", "<七律>", "<词>", "<诗>", "<法>", "<题>", "<文>"]
PUNCT = list("，。！？；：、“”‘’（）《》—…·\n ")
ASCII = [chr(c) for c in range(33, 127)]
CJK = [chr(c) for c in range(0x4E00, 0x9FA6)]  # every basic CJK ideograph, so any Chinese test text encodes


def build_tiny_model(path: Path, *, seed: int = 0, hidden: int = 32, layers: int = 3, context: int = 256,
                     chat_template: str | None = None) -> Path:
    """Write a random tiny DeepseekV2ForCausalLM + char tokenizer to ``path`` (save_pretrained)."""
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import DeepseekV2Config, DeepseekV2ForCausalLM, PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(dict.fromkeys(SPECIAL + PUNCT + ASCII + CJK))}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")  # one token per character
    tk.decoder = decoders.Fuse()
    tk.add_special_tokens(SPECIAL)
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<bos>", eos_token="<eos>", unk_token="<unk>",
                                  pad_token="<pad>")
    if chat_template:
        tok.chat_template = chat_template
    cfg = DeepseekV2Config(
        vocab_size=len(vocab), hidden_size=hidden, intermediate_size=2 * hidden, moe_intermediate_size=hidden // 2,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=4, n_routed_experts=8,
        num_experts_per_tok=2, n_shared_experts=1, first_k_dense_replace=1, kv_lora_rank=16, q_lora_rank=None,
        qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=8, max_position_embeddings=context,
        topk_method="greedy", n_group=1, topk_group=1, tie_word_embeddings=False,  # tied + random init would just echo the last token
        bos_token_id=vocab["<bos>"], eos_token_id=vocab["<eos>"], pad_token_id=vocab["<pad>"],
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = DeepseekV2ForCausalLM(cfg)
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-moe"))


@pytest.fixture(scope="session")
def tiny_llm(tiny_model_dir):
    from toolkit.llm.transformers_engine import TransformersLLM

    return TransformersLLM(tiny_model_dir)
