"""Poetry pipeline on the shipped model and the real poem index (slow)."""

from __future__ import annotations

import pytest

from toolkit.prosody import check


@pytest.mark.slow
def test_shipped_model_generates_valid_qijue():
    from toolkit.config import get_settings
    from toolkit.index.corpus_indexes import is_valid

    s = get_settings()
    if not (s.embedded_model_dir / "model.safetensors").is_file() or not is_valid("poems", s):
        pytest.skip("shipped model or poem index missing (hanlin data pull && hanlin index build)")
    from pipelines.poetry import PoetryPipeline

    p = PoetryPipeline.from_settings().generate("春夜", form="七绝", n=1, seed=11)[0]
    rep = check(p.text, "七绝")
    assert rep.ok, (p.text, [v.message for v in rep.errors])
    assert not p.copied_lines and p.inspirations
