"""The 提示词模板 page's facts: who renders each template, and samples that render."""

from pipelines.prompt_uses import MODES, SAMPLES, USES
from toolkit.prompts import PromptRegistry


def test_uses_and_samples_name_shipped_templates_and_render():
    reg = PromptRegistry()
    names = set(reg.names())
    assert set(USES) <= names and set(SAMPLES) <= names
    for name, uses in USES.items():
        assert uses and all(u.mode in MODES and u.role in ("shows", "prompt") for u in uses)
        assert name in SAMPLES
    for name, sample in SAMPLES.items():
        assert reg.render(name, **sample).strip()


def test_templates_whose_output_is_shown_work_with_every_model():
    shown = {name for name, uses in USES.items() if any(u.role == "shows" for u in uses)}
    assert {"kb_quotes", "draft_phrases"} <= shown
    assert all(u.mode == "both" for name in shown for u in USES[name])
