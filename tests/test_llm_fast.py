"""The lean DeepseekV2 forward reproduces the transformers model exactly enough to decode identically."""

import torch

from toolkit.llm.decode import Stepper, decode_steps
from toolkit.llm.fast_deepseek import FastDeepseekV2, self_check, supported

PROMPT = "<bos><五绝><题>春夜<文>"


def test_fast_path_selected_and_matches_reference(tiny_llm):
    model = tiny_llm.hf_model
    assert supported(model) is None and tiny_llm._stepper.fast is not None
    fast = FastDeepseekV2(model)
    assert self_check(fast, model.config.vocab_size)
    ids = torch.tensor([tiny_llm.encode(PROMPT) + tiny_llm.encode("好雨知时节")])
    with torch.inference_mode():
        ref = model(input_ids=ids, use_cache=False).logits.float()
    state = fast.new_state()
    got = torch.cat([fast.forward(ids[:, :6], state, last_only=False)]
                    + [fast.forward(ids[:, j:j + 1], state) for j in range(6, ids.shape[1])], dim=1)
    assert torch.allclose(got, ref, atol=1e-4)


def test_fast_and_reference_decode_identically(tiny_llm):
    ids = tiny_llm.encode(PROMPT)
    kw = dict(max_new_tokens=20, n=3, temperature=1.0, seed=5)
    fast = [t.tolist() for t, _, _ in decode_steps(tiny_llm._stepper, ids, **kw)]
    slow = [t.tolist() for t, _, _ in decode_steps(Stepper(tiny_llm.hf_model, fast=False), ids, **kw)]
    assert fast == slow


def test_broken_fast_path_is_rejected(tiny_llm):
    fast = FastDeepseekV2(tiny_llm.hf_model)
    fast.rope_scale = 2.0  # a wrong rotary scale must fail the self-check
    assert not self_check(fast, tiny_llm.hf_model.config.vocab_size)


def test_unsupported_config_named(tiny_llm, monkeypatch):
    monkeypatch.setattr(tiny_llm.hf_model.config, "topk_method", "group_limited_greedy")
    assert supported(tiny_llm.hf_model) == "topk_method group_limited_greedy"
