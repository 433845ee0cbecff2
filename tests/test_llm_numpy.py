"""The NumPy engine computes what the transformers engine computes, and loads without torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from toolkit.config import load_settings
from toolkit.errors import BackendError, InvalidInputError
from toolkit.llm import load_llm
from toolkit.llm.constraints import char_ids, pattern_allowed
from toolkit.llm.info import model_info
from toolkit.llm.numpy_engine import NumpyLLM, numpy_reason
from toolkit.llm.sampling import apply_repetition_penalty, top_k_filter, top_p_filter
from toolkit.llm.numpy_deepseek import NumpyDeepseekV2, read_safetensors, unsupported
from toolkit.llm.routing import routing

REPO = Path(__file__).resolve().parent.parent
TEXTS = ["<bos><七绝><题>春夜<文>春风又绿江南岸，", "明月几时有？把酒问青天。\n", "abc 123 <eos>", "", "😀生僻𠀀字"]


@pytest.fixture(scope="module")
def lite(tiny_model_dir):
    return NumpyLLM(tiny_model_dir)


def test_logits_match_transformers(tiny_llm, lite):
    ids = np.random.default_rng(0).integers(0, len(lite.tokenizer), (3, 9))
    with torch.inference_mode():
        ref = tiny_llm.hf_model(input_ids=torch.tensor(ids), use_cache=False).logits.float().numpy()
    state = lite.net.new_state()
    got = [lite.net.forward(ids[:, :5], state, last_only=False)]
    got += [lite.net.forward(ids[:, j:j + 1], state) for j in range(5, 9)]
    np.testing.assert_allclose(np.concatenate(got, axis=1), ref, atol=1e-5, rtol=1e-4)


def test_shipped_model_logits_match_transformers():
    d = load_settings().embedded_model_dir
    if not (d / "model.safetensors").is_file():
        pytest.skip("embedded model not present")
    from transformers import AutoModelForCausalLM

    ref_model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).eval()
    net = NumpyDeepseekV2.from_dir(d)
    ids = np.array([NumpyLLM(d).encode("<bos><七律><题>登高<文>风急天高猿啸哀，渚清沙白鸟飞回。")])
    with torch.inference_mode():
        ref = ref_model(input_ids=torch.tensor(ids), use_cache=False).logits.float().numpy()
    np.testing.assert_allclose(net.forward(ids, net.new_state(), last_only=False), ref, atol=1e-3, rtol=1e-3)


def test_tokenizer_matches_autotokenizer(tiny_llm, lite):
    a, b = tiny_llm.tokenizer, lite.tokenizer
    assert b.get_vocab() == a.get_vocab() and len(b) == len(a)
    for name in ("bos", "eos", "unk", "pad"):
        assert getattr(b, f"{name}_token_id") == getattr(a, f"{name}_token_id")
    for text in TEXTS:
        for special in (True, False):
            ids = a.encode(text, add_special_tokens=special)
            assert b.encode(text, add_special_tokens=special) == ids
            assert b.decode(ids) == a.decode(ids, skip_special_tokens=True)
        assert b.convert_ids_to_tokens(a.encode(text)) == a.convert_ids_to_tokens(a.encode(text))


def test_scores_routing_and_info_match(tiny_llm, lite):
    text, prefix = "春风又绿江南岸", "<bos><七绝><题>春<文>"
    np.testing.assert_allclose(lite.token_logprobs(text, prefix), tiny_llm.token_logprobs(text, prefix), atol=1e-4)
    a, b = routing(tiny_llm, text, prefix), routing(lite, text, prefix)
    assert (b.tokens, b.layers, b.expert_ids, b.num_experts, b.top_k) == (a.tokens, a.layers, a.expert_ids, a.num_experts, a.top_k)
    np.testing.assert_allclose(np.array(b.weights), np.array(a.weights), atol=1e-5)
    ia, ib = model_info(tiny_llm).to_dict(), model_info(lite).to_dict()
    assert ib.pop("backend") == "local (numpy)" and ia.pop("backend") == "local (transformers)"
    assert ia == ib


def test_greedy_and_constrained_decoding(tiny_llm, lite):
    prompt = "<bos><五绝><题>月<文>"
    assert lite.generate(prompt, max_new_tokens=12) == tiny_llm.generate(prompt, max_new_tokens=12)
    ids = char_ids(lite.tokenizer, "春花秋月夜，")
    allowed = pattern_allowed([{ids[c] for c in "春花秋月夜"}] * 5 + [{ids["，"]}], then={lite.tokenizer.eos_token_id})
    out = lite.sample_constrained(prompt, allowed, n=4, max_new_tokens=10, temperature=1.0, top_k=3, top_p=0.9,
                                  repetition_penalty=1.2, seed=5, bias={ids["月"]: 3.0})
    for r in out:
        assert len(r.text) == 6 and set(r.text[:5]) <= set("春花秋月夜") and r.text[5] == "，"
        assert r.finish_reason == "eos" and np.isfinite(r.logprob) and len(r.token_logprobs) == 7
    again = lite.sample_constrained(prompt, allowed, n=4, max_new_tokens=10, temperature=1.0, top_k=3, top_p=0.9,
                                    repetition_penalty=1.2, seed=5, bias={ids["月"]: 3.0})
    assert [r.text for r in again] == [r.text for r in out]
    with pytest.raises(InvalidInputError):
        lite.generate_constrained(prompt, lambda step, gen: set(), max_new_tokens=3)


def test_seed_gives_same_sample_on_both_engines(tiny_llm, lite):
    prompt = "<bos><七绝><题>春<文>"
    # A random model is nearly uniform over 21k tokens, where float32 noise would pick a neighbour: top_k
    # gives it the peaked distributions a trained model has.
    kw = dict(max_new_tokens=16, temperature=0.8, top_k=40, top_p=0.95, repetition_penalty=1.1)
    for seed in (1, 2, 3):
        assert lite.generate(prompt, seed=seed, **kw) == tiny_llm.generate(prompt, seed=seed, **kw)
    ids = char_ids(lite.tokenizer, "春花秋月夜，")
    allowed = pattern_allowed([{ids[c] for c in "春花秋月夜"}] * 5 + [{ids["，"]}], then={lite.tokenizer.eos_token_id})
    a, b = (m.sample_constrained(prompt, allowed, n=6, max_new_tokens=8, temperature=1.0, seed=4) for m in (lite, tiny_llm))
    assert [r.text for r in a] == [r.text for r in b] and len({r.text for r in a}) > 1


def test_filters_match_transformers_warpers():
    from transformers.generation.logits_process import (RepetitionPenaltyLogitsProcessor, TopKLogitsWarper,
                                                        TopPLogitsWarper)

    rng = np.random.default_rng(1)
    scores = rng.normal(size=(3, 50)).astype(np.float32) * 3
    ids = rng.integers(0, 50, (3, 7))
    t_ids, t_scores = torch.tensor(ids), torch.tensor(scores)
    np.testing.assert_allclose(apply_repetition_penalty(ids, scores, 1.3),
                               RepetitionPenaltyLogitsProcessor(1.3)(t_ids, t_scores.clone()).numpy())
    np.testing.assert_array_equal(top_k_filter(scores, 5), TopKLogitsWarper(5)(t_ids, t_scores.clone()).numpy())
    np.testing.assert_array_equal(top_p_filter(scores, 0.7), TopPLogitsWarper(0.7)(t_ids, t_scores.clone()).numpy())


def test_engine_choice(tiny_model_dir, tmp_path):
    assert isinstance(load_llm(str(tiny_model_dir)), NumpyLLM)
    assert type(load_llm(str(tiny_model_dir), engine="transformers")).__name__ == "TransformersLLM"
    with pytest.raises(InvalidInputError, match="engine"):
        load_settings(env={"HANLIN_ENGINE": "tensorflow"})
    other = tmp_path / "llama"
    other.mkdir()
    for f in tiny_model_dir.iterdir():
        (other / f.name).write_bytes(f.read_bytes())
    cfg = json.loads((other / "config.json").read_text())
    cfg["model_type"] = "llama"
    (other / "config.json").write_text(json.dumps(cfg))
    assert numpy_reason(other) == "model_type llama" and unsupported(cfg) == "model_type llama"
    with pytest.raises(BackendError, match="model_type llama"):
        load_llm(str(other), engine="numpy")


def test_bad_weights_are_named(tiny_model_dir, tmp_path):
    raw = (tiny_model_dir / "model.safetensors").read_bytes()
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(BackendError, match="truncated"):
        read_safetensors(bad)
    bf16 = tmp_path / "bf16.safetensors"
    from safetensors.torch import save_file

    t = torch.randn(4, 6).to(torch.bfloat16)
    save_file({"w": t}, str(bf16))
    np.testing.assert_array_equal(read_safetensors(bf16)["w"], t.float().numpy())


def test_loads_without_torch(tiny_model_dir):
    code = (f"import sys; from toolkit.llm import load_llm; llm = load_llm({str(tiny_model_dir)!r}); "
            "llm.generate('<bos><五绝><题>春<文>', max_new_tokens=4, temperature=0.8, seed=1); "
            "print(type(llm).__name__, 'torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["NumpyLLM", "False", "False"], out.stderr[-2000:]


def test_engine_prefix_in_spec(tiny_model_dir):
    from toolkit.llm import split_engine

    assert split_engine(f"transformers:{tiny_model_dir}") == (str(tiny_model_dir), "transformers")
    assert split_engine("numpy:") == (None, "numpy") and split_engine("openai:http://x/v1") == ("openai:http://x/v1", None)
    assert type(load_llm(f"transformers:{tiny_model_dir}")).__name__ == "TransformersLLM"
    assert isinstance(load_llm(f"numpy:{tiny_model_dir}"), NumpyLLM)


def test_sharded_checkpoint_reads_like_one_file(tiny_model_dir, tmp_path):
    from safetensors.numpy import save_file

    from toolkit.llm.numpy_deepseek import read_weights

    whole = read_safetensors(tiny_model_dir / "model.safetensors")
    names = sorted(whole)
    shards = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
    for shard, keys in shards.items():
        save_file({k: whole[k] for k in keys}, str(tmp_path / shard))
    index = {"metadata": {}, "weight_map": {k: s for s, keys in shards.items() for k in keys}}
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    got = read_weights(tmp_path)
    assert sorted(got) == names and all(np.array_equal(got[k], whole[k]) for k in names)
