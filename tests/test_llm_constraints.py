"""Constrained decoding: exact patterns, bias, batch sampling, log-probs consistent with scoring."""

import numpy as np
import pytest
import torch
from transformers import LogitsProcessor, LogitsProcessorList

from toolkit.errors import InvalidInputError
from toolkit.llm.constraints import AllowedMask, LogitBias, bias_for, char_ids, pattern_allowed

PROMPT = "<bos><五绝><题>春夜<文>"
CHARS = "春花秋月夜"


@pytest.fixture(scope="module")
def line_pattern(tiny_llm):
    ids = char_ids(tiny_llm.tokenizer, CHARS + "，")
    allowed = pattern_allowed([{ids[c] for c in CHARS}] * 5 + [{ids["，"]}], then={tiny_llm.tokenizer.eos_token_id})
    return allowed


def _is_line(text):
    return len(text) == 6 and all(c in CHARS for c in text[:5]) and text[5] == "，"


def test_forced_pattern_greedy_and_sampled(tiny_llm, line_pattern):
    r = tiny_llm.generate_constrained(PROMPT, line_pattern, max_new_tokens=12)
    assert _is_line(r.text) and r.finish_reason == "eos" and len(r.token_ids) == 7
    samples = tiny_llm.sample_constrained(PROMPT, line_pattern, n=6, max_new_tokens=12, temperature=1.0, seed=1)
    assert all(_is_line(s.text) for s in samples)
    assert len({s.text for s in samples}) > 1  # sampling explores


def test_logprob_matches_score(tiny_llm, line_pattern):
    r = tiny_llm.generate_constrained(PROMPT, line_pattern, max_new_tokens=12, temperature=1.0, seed=4)
    eos_lp = r.token_logprobs[-1]
    assert tiny_llm.score(r.text, PROMPT) == pytest.approx(r.logprob - eos_lp, abs=1e-3)
    assert r.logprob < 0


def test_same_seed_same_batch(tiny_llm, line_pattern):
    a = tiny_llm.sample_constrained(PROMPT, line_pattern, n=3, temperature=1.0, seed=9)
    b = tiny_llm.sample_constrained(PROMPT, line_pattern, n=3, temperature=1.0, seed=9)
    assert [x.text for x in a] == [x.text for x in b]


def test_bias_shifts_choice(tiny_llm):
    target = char_ids(tiny_llm.tokenizer, "月")["月"]
    r = tiny_llm.generate_constrained(PROMPT, bias=bias_for([target], 100.0), max_new_tokens=3)
    assert r.text == "月月月"


class OnTensors(LogitsProcessor):
    """A NumPy processor run inside transformers' ``generate`` (the reference decoder)."""

    def __init__(self, proc):
        self.proc = proc

    def __call__(self, input_ids, scores):
        return torch.from_numpy(self.proc(input_ids.numpy(), scores.float().numpy()))


def test_constrained_greedy_matches_hf_generate(tiny_llm, line_pattern):
    ids = torch.tensor([tiny_llm.encode(PROMPT)])
    procs = LogitsProcessorList([OnTensors(AllowedMask(line_pattern, ids.shape[1]))])
    out = tiny_llm.hf_model.generate(ids, logits_processor=procs, max_new_tokens=12, do_sample=False)
    text = tiny_llm.decode(out[0, ids.shape[1]:])
    assert _is_line(text)
    assert text == tiny_llm.generate_constrained(PROMPT, line_pattern, max_new_tokens=12).text


def test_empty_allowed_set_and_bad_ids(tiny_llm):
    with pytest.raises(InvalidInputError, match="step 2"):
        tiny_llm.generate_constrained(PROMPT, lambda step, gen: set() if step == 2 else None, max_new_tokens=5)
    with pytest.raises(InvalidInputError, match="out of vocabulary"):
        tiny_llm.generate_constrained(PROMPT, lambda step, gen: {10**7}, max_new_tokens=2)


def test_char_ids_names_missing(tiny_llm):
    with pytest.raises(InvalidInputError, match="😀"):
        char_ids(tiny_llm.tokenizer, "春😀")


def test_bias_processor_alone():
    p = LogitBias({1: 2.0, 3: -1.0})
    s = p(np.zeros((1, 1), dtype=np.int64), np.zeros((2, 4), dtype=np.float32))
    assert s.tolist() == [[0, 2, 0, -1]] * 2


def test_allowed_as_bool_mask_and_plain_set(tiny_llm, line_pattern):
    vocab = len(tiny_llm.tokenizer)
    ids = char_ids(tiny_llm.tokenizer, "月，")

    def as_mask(step, gen):
        m = np.zeros(vocab, dtype=bool)
        m[ids["月"] if step < 2 else ids["，"]] = True
        return m

    assert tiny_llm.generate_constrained(PROMPT, as_mask, max_new_tokens=3).text == "月月，"
    plain = tiny_llm.generate_constrained(PROMPT, lambda s, g: set(line_pattern(s, g) or ()) or None, max_new_tokens=12)
    assert plain.text == tiny_llm.generate_constrained(PROMPT, line_pattern, max_new_tokens=12).text
