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


def test_snapshot_resumes_on_an_empty_work_dir_and_log_is_appended(tmp_path, tiny_split):
    from toolkit.llm.embedded.card import read_log

    cfg = TrainConfig.tiny().override(max_steps=6, lr=1e-2)
    snap = tmp_path / "snap"
    train(tmp_path / "a", cfg, ModelConfig.tiny(), split=tiny_split, progress=False, snapshot_dir=snap)
    state = json.loads((snap / "state.json").read_text())
    assert state["step"] == 6 and state["cpu_seconds"] > 0 and (snap / "train_log.jsonl").is_file()
    # A fresh machine: the work dir is empty, the committed snapshot carries the run on.
    res = train(tmp_path / "b", cfg, ModelConfig.tiny(), resume=True, split=tiny_split, progress=False,
                snapshot_dir=snap, overrides={"max_steps": 9})
    assert res.steps == 9 and res.tokens_seen == 9 * cfg.batch_size * cfg.seq_len
    log = _log(tmp_path / "b")
    assert [r for r in log if r.get("type") == "resume"][0]["source"] == "snapshot"
    assert [r["step"] for r in log if "loss" in r] == list(range(1, 10))
    # A run that went past its checkpoint and stopped: the lines it wrote stay, the resume marker supersedes them.
    with open(tmp_path / "b" / LOG_NAME, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"step": 10, "loss": 9.0, "tokens": 0}) + "\n")
        fh.write(json.dumps({"step": 9, "type": "resume", "tokens": 0}) + "\n")
    assert 10 not in [r["step"] for r in read_log(tmp_path / "b" / LOG_NAME)]
    assert '"loss": 9.0' in (tmp_path / "b" / LOG_NAME).read_text()


def test_resume_with_nothing_to_resume_says_so(tmp_path, tiny_split):
    from toolkit.errors import DataMissingError

    with pytest.raises(DataMissingError, match="no checkpoint"):
        train(tmp_path / "w", TrainConfig.tiny(), ModelConfig.tiny(), resume=True, split=tiny_split, progress=False,
              snapshot_dir=tmp_path / "none")


def test_warm_start_continues_steps_tokens_and_schedule(tmp_path, train_poems_file):
    from pipelines.cli import main

    work, out = tmp_path / "w", tmp_path / "m"
    assert main(["model", "train", "--tiny", "--max-steps", "3", "--poems", str(train_poems_file), "--work-dir",
                 str(work), "--model-dir", str(out), "--quiet", "--no-snapshot"]) == 0
    assert not (out / "checkpoint").exists()
    work2 = tmp_path / "w2"
    assert main(["model", "train", "--tiny", "--resume", "--init-from", str(out), "--max-steps", "5", "--poems",
                 str(train_poems_file), "--work-dir", str(work2), "--model-dir", str(out), "--quiet",
                 "--warmup-steps", "2"]) == 0
    state = json.loads((out / "checkpoint" / "state.json").read_text())  # the snapshot, kept by the export
    assert state["step"] == 5 and state["train_config"]["schedule_start_step"] == 3
    lrs = [r["lr"] for r in _log(work2) if "lr" in r]
    assert lrs[0] == pytest.approx(TrainConfig.tiny().lr / 2)  # a fresh warm-up for the fresh optimizer
    assert json.loads((out / "eval.json").read_text())["tokens_seen"] == 5 * 4 * 64


def test_export_if_better_keeps_a_better_shipped_model_and_the_snapshot_is_bf16(tmp_path, train_poems_file):
    from safetensors import safe_open

    from pipelines.cli import main

    work, out = tmp_path / "w", tmp_path / "m"
    assert main(["model", "train", "--tiny", "--max-steps", "2", "--poems", str(train_poems_file), "--work-dir",
                 str(work), "--model-dir", str(out), "--quiet"]) == 0
    with safe_open(str(out / "checkpoint" / "model.safetensors"), "pt") as f:
        assert {str(f.get_tensor(k).dtype) for k in f.keys()} == {"torch.bfloat16"}
    assert main(["model", "train", "--tiny", "--snapshot-only", "--work-dir", str(work), "--snapshot-dir",
                 str(tmp_path / "snap")]) == 0
    snap = json.loads((tmp_path / "snap" / "state.json").read_text())
    assert snap["step"] == 2 and snap["snapshot"] and (tmp_path / "snap" / "train_log.jsonl").is_file()
    card = json.loads((out / "eval.json").read_text())
    card["model_ppl"] = 1.0  # a shipped model no checkpoint can beat
    (out / "eval.json").write_text(json.dumps(card))
    assert main(["model", "train", "--tiny", "--export-only", "--if-better", "--poems", str(train_poems_file),
                 "--work-dir", str(work), "--model-dir", str(out), "--quiet"]) == 0
    assert json.loads((out / "eval.json").read_text())["model_ppl"] == 1.0  # untouched
    assert json.loads((work / "eval.json").read_text())["model_ppl"] > 1.0  # the evaluation is still recorded
