"""A freshly initialised tiny DeepseekV2 MoE: plain Auto* loading, balance loss, expert statistics."""

import torch

from toolkit.llm.embedded.balance import expert_counts, load_balance_loss, shares
from toolkit.llm.embedded.config import ModelConfig
from toolkit.llm.embedded.export import param_counts
from toolkit.llm.embedded.format import build_prompt
from toolkit.llm.embedded.tokenizer import build_tokenizer
from toolkit.llm.embedded.train import new_model

TEXT = "<bos><五绝><题>静夜思<文>床前明月光，疑是地上霜。\n举头望明月，低头思故乡。<eos>"


def _tiny():
    tok = build_tokenizer([TEXT], min_count=1)
    return new_model(ModelConfig.tiny(), len(tok), seed=0), tok


def test_architecture_is_deepseek_v2_moe():
    model, _ = _tiny()
    cfg = model.config
    assert cfg.model_type == "deepseek_v2" and cfg.n_routed_experts >= 8 and cfg.num_experts_per_tok >= 2
    assert cfg.n_shared_experts >= 1 and cfg.kv_lora_rank > 0
    total, active = param_counts(model)
    assert 0 < active < total


def test_auto_classes_load_saved_dir(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model, tok = _tiny()
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    m2 = AutoModelForCausalLM.from_pretrained(tmp_path)
    t2 = AutoTokenizer.from_pretrained(tmp_path)
    assert type(m2).__name__ == "DeepseekV2ForCausalLM"
    ids = t2(build_prompt("五绝", "静夜思"), return_tensors="pt").input_ids
    with torch.no_grad():
        a = model.eval()(ids).logits
        b = m2.eval()(ids).logits
    assert torch.allclose(a, b, atol=1e-5)
    out = m2.generate(ids, max_new_tokens=5, do_sample=False, pad_token_id=t2.pad_token_id)
    assert out.shape[1] == ids.shape[1] + 5


def test_balance_loss_nonzero_and_differentiable():
    model, tok = _tiny()
    ids = tok(TEXT, return_tensors="pt").input_ids
    out = model(input_ids=ids, output_router_logits=True)
    assert len(out.router_logits) == model.config.num_hidden_layers - model.config.first_k_dense_replace
    aux = load_balance_loss(out.router_logits, model.config.num_experts_per_tok)
    assert aux.item() > 0 and aux.requires_grad
    aux.backward()
    gate = model.model.layers[1].mlp.gate.weight
    assert gate.grad is not None and gate.grad.abs().sum() > 0


def test_balance_loss_penalises_collapse():
    uniform = torch.zeros(64, 8)
    collapsed = torch.zeros(64, 8)
    collapsed[:, 0] = 10.0
    collapsed[:, 1] = 9.0
    assert load_balance_loss([collapsed], 2) > 2 * load_balance_loss([uniform + torch.randn(64, 8) * 0.01], 2)


def test_expert_counts_respect_mask():
    logits = torch.zeros(6, 4)
    logits[:, 2] = 5.0
    logits[:, 3] = 4.0
    mask = torch.tensor([[1, 1, 1, 0, 0, 0]])
    c = expert_counts([logits], 2, mask)
    assert c.tolist() == [[0, 0, 3, 3]]
    assert shares(c) == [[0.0, 0.0, 0.5, 0.5]]
