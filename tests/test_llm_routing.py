"""Routing traces and parameter accounting on the tiny MoE (3 layers: 1 dense + 2 MoE, 8 experts, top-2)."""

import shutil

import pytest
import torch

from toolkit.errors import BackendError
from toolkit.llm.info import model_info
from toolkit.llm.routing import routing
from toolkit.llm.transformers_engine import TransformersLLM

TEXT = "<bos><七绝><题>春夜<文>好雨知时节"


def test_trace_shape_and_ranges(tiny_llm):
    t = routing(tiny_llm, TEXT)
    assert t.shape == (len(tiny_llm.encode(TEXT)), 2, 2)
    assert t.layers == (1, 2) and t.num_experts == 8 and t.tokens[:2] == ("<bos>", "<七绝>")
    for tok_ids, tok_w in zip(t.expert_ids, t.weights):
        for ids, w in zip(tok_ids, tok_w):
            assert all(0 <= e < 8 for e in ids) and len(set(ids)) == 2
            assert list(w) == sorted(w, reverse=True) and all(x > 0 for x in w)
    assert all(abs(sum(s) - 1) < 1e-9 for s in t.expert_shares())


def test_trace_matches_router_logits(tiny_llm):
    t = routing(tiny_llm, TEXT)
    ids = torch.tensor([tiny_llm.encode(TEXT)])
    with torch.inference_mode():
        out = tiny_llm.hf_model(input_ids=ids, output_router_logits=True)
    for li, logits in enumerate(out.router_logits):
        top = torch.topk(logits.softmax(-1), 2, dim=-1).indices.tolist()
        assert [list(x[li]) for x in t.expert_ids] == top


def test_prefix_excluded(tiny_llm):
    full = routing(tiny_llm, TEXT)
    part = routing(tiny_llm, "好雨知时节", prefix="<bos><七绝><题>春夜<文>")
    assert part.tokens == tuple("好雨知时节")
    assert part.expert_ids == full.expert_ids[-5:]


def test_non_moe_model_is_refused(tmp_path, tiny_model_dir):
    import json

    d = tmp_path / "dense"
    shutil.copytree(tiny_model_dir, d)
    cfg = json.loads((d / "config.json").read_text())
    cfg["first_k_dense_replace"] = 99  # every layer dense: no routers
    (d / "config.json").write_text(json.dumps(cfg))
    dense = TransformersLLM(d)
    with pytest.raises(BackendError, match="deepseek_v2"):
        routing(dense, TEXT)
    info = model_info(dense)
    assert info.routed_experts is None and info.active_params == info.total_params


def test_model_info_counts(tiny_llm):
    m = tiny_llm.hf_model
    info = model_info(tiny_llm)
    assert info.total_params == sum(p.numel() for p in m.parameters())
    routed = sum(p.numel() for n, p in m.named_parameters() if ".experts." in n and "shared" not in n)
    assert routed > 0 and info.moe_layers == 2 and info.routed_experts == 8 and info.experts_per_token == 2
    assert info.active_params == info.total_params - routed * 6 // 8
    assert info.active_params < info.total_params
    assert info.active_params_no_embed == info.active_params - info.embedding_params
    assert info.attention.startswith("MLA") and info.context_length == 256
    assert any("active" in line for line in info.lines())


def test_deepseek_v3_family_traced(tiny_llm, tmp_path):
    from transformers import DeepseekV3Config, DeepseekV3ForCausalLM

    cfg = DeepseekV3Config(vocab_size=len(tiny_llm.tokenizer), hidden_size=32, intermediate_size=64,
                           moe_intermediate_size=16, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                           n_routed_experts=8, num_experts_per_tok=2, n_shared_experts=1, first_k_dense_replace=1,
                           kv_lora_rank=16, q_lora_rank=None, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=8,
                           n_group=1, topk_group=1, max_position_embeddings=64)
    torch.manual_seed(0)
    DeepseekV3ForCausalLM(cfg).save_pretrained(tmp_path)
    tiny_llm.tokenizer.save_pretrained(tmp_path)
    llm = TransformersLLM(tmp_path)
    t = routing(llm, TEXT)
    assert t.shape == (len(tiny_llm.encode(TEXT)), 1, 2) and t.layers == (1,) and t.num_experts == 8
    assert all(0 <= e < 8 for tok in t.expert_ids for k in tok for e in k)
