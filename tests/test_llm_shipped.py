"""Integration: the shipped embedded model through the default ``load_llm()`` path (skipped until it exists)."""

import pytest

from toolkit.config import get_settings

pytestmark = pytest.mark.slow

SHIPPED = get_settings().embedded_model_dir


@pytest.fixture(scope="module")
def shipped():
    if not (SHIPPED / "config.json").is_file():
        pytest.skip(f"embedded model not built yet: {SHIPPED} (hanlin model train)")
    from toolkit.llm import load_llm

    return load_llm()


def test_shipped_loads_as_poetry_model(shipped):
    from toolkit.llm.info import model_info

    assert shipped.name == "hanlin-moe-mini" and not shipped.capable and shipped.poetry_format
    info = model_info(shipped)
    assert info.model_type == "deepseek_v2" and info.routed_experts >= 8 and info.experts_per_token >= 2
    assert info.shared_experts >= 1 and info.attention.startswith("MLA")
    assert info.active_params < info.total_params


def test_shipped_constrained_wujue_and_routing(shipped):
    from toolkit.llm.constraints import char_ids, pattern_allowed
    from toolkit.llm.routing import routing

    punct = char_ids(shipped.tokenizer, "，。\n")
    han = frozenset(i for t, i in shipped.tokenizer.get_vocab().items() if len(t) == 1 and "\u4e00" <= t <= "\u9fff")
    line = [han] * 5
    pattern = line + [{punct["，"]}] + line + [{punct["。"]}, {punct["\n"]}] + line + [{punct["，"]}] + line + [
        {punct["。"]}]
    prompt = "<bos><五绝><题>春夜<文>"
    r = shipped.generate_constrained(prompt, pattern_allowed(pattern, then=shipped.eos_ids), max_new_tokens=30,
                                     temperature=0.8, seed=1)
    lines = r.text.split("\n")
    assert len(lines) == 2 and all(len(x) == 12 for x in lines), r.text
    assert r.logprob < 0 and r.finish_reason == "eos"
    t = routing(shipped, r.text, prefix=prompt)
    assert t.shape[0] == len(r.text) and all(0 <= e < t.num_experts for tok in t.expert_ids for k in tok for e in k)
