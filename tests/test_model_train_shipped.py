"""Integration: the shipped embedded model loads with plain transformers and writes text for a form prompt."""

import json

import pytest
import torch

from toolkit.config import get_settings
from toolkit.llm.embedded.format import build_prompt

MODEL_DIR = get_settings().embedded_model_dir


@pytest.mark.slow
@pytest.mark.skipif(not (MODEL_DIR / "model.safetensors").is_file(), reason="shipped model not present")
def test_shipped_model_generates_for_a_form_prompt():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(MODEL_DIR)
    model = AutoModelForCausalLM.from_pretrained(MODEL_DIR).eval()
    cfg = model.config
    assert cfg.model_type == "deepseek_v2" and cfg.n_routed_experts >= 8 and cfg.num_experts_per_tok >= 2
    assert cfg.n_shared_experts >= 1
    assert (MODEL_DIR / "model.safetensors").stat().st_size <= 50 * 2**20
    ids = tok(build_prompt("七绝", "春夜喜雨"), return_tensors="pt").input_ids
    torch.manual_seed(0)
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=40, do_sample=True, top_p=0.9, temperature=0.8,
                             pad_token_id=tok.pad_token_id)
    text = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    assert len(han) >= 10, text
    assert any(p in text for p in "，。"), text  # it has learned the punctuation of verse
    metrics = json.loads((MODEL_DIR / "eval.json").read_text(encoding="utf-8"))
    assert metrics["model_ppl"] < metrics["ngram_ppl"]
