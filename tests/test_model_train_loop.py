"""``hanlin model train --tiny``: loss goes down, checkpoints are written and resumed, export loads."""

import json

import pytest

from toolkit.errors import InvalidInputError
from toolkit.llm.embedded.config import ModelConfig, TrainConfig
from toolkit.llm.embedded.train import LOG_NAME, lr_at, train


def _log(work):
    return [json.loads(x) for x in (work / LOG_NAME).read_text(encoding="utf-8").splitlines()]


def test_lr_schedule():
    cfg = TrainConfig(lr=1.0, warmup_steps=10, min_lr_ratio=0.1)
    assert lr_at(cfg, 0, 0.0) == pytest.approx(0.1)
    assert lr_at(cfg, 10, 0.0) == pytest.approx(1.0)
    assert lr_at(cfg, 50, 0.5) == pytest.approx(0.55)
    assert lr_at(cfg, 99, 1.0) == pytest.approx(0.1)


def test_train_lowers_loss_checkpoints_and_resumes(tmp_path, tiny_split):
    work = tmp_path / "run"
    cfg = TrainConfig.tiny().override(max_steps=14, lr=1e-2)
    res = train(work, cfg, ModelConfig.tiny(), split=tiny_split, progress=False)
    assert res.steps == 14 and res.stopped == "max_steps"
    losses = [r["loss"] for r in _log(work) if "loss" in r]
    assert sum(losses[-3:]) / 3 < losses[0] - 0.3
    assert (work / "checkpoint" / "model.safetensors").is_file()
    assert json.loads((work / "checkpoint" / "state.json").read_text())["step"] == 14
    with pytest.raises(InvalidInputError, match="--resume"):
        train(work, cfg, ModelConfig.tiny(), split=tiny_split, progress=False)
    res2 = train(work, cfg.override(max_steps=18), ModelConfig.tiny(), resume=True, split=tiny_split, progress=False)
    assert res2.steps == 18 and res2.tokens_seen == 18 * cfg.batch_size * cfg.seq_len
    steps = [r["step"] for r in _log(work) if "loss" in r]
    assert steps == list(range(1, 19))  # resumed exactly where it stopped, no duplicate lines


def test_cli_tiny_train_and_export(tmp_path, train_poems_file):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from pipelines.cli import main

    work, out = tmp_path / "w", tmp_path / "m"
    rc = main(["model", "train", "--tiny", "--max-steps", "3", "--poems", str(train_poems_file), "--work-dir",
               str(work), "--model-dir", str(out), "--quiet"])
    assert rc == 0
    for name in ("config.json", "model.safetensors", "tokenizer.json", "README.md", "loss_curve.png", "experts.png"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "eval.json").read_text())
    assert metrics["steps"] == 3 and metrics["ngram_ppl"] > 1 and metrics["model_ppl"] > 1
    model = AutoModelForCausalLM.from_pretrained(out)
    tok = AutoTokenizer.from_pretrained(out)
    assert model.config.n_routed_experts == 8 and len(tok) == model.config.vocab_size
    assert "3-gram" in (out / "README.md").read_text(encoding="utf-8")
