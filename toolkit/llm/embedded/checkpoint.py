"""Resumable training checkpoints without pickle: safetensors for model and optimizer, JSON for the rest.

A checkpoint folder holds ``model.safetensors`` (fp32 weights), ``optimizer.safetensors`` (AdamW
moments, keyed ``<param index>.<state name>``), ``state.json`` (step, wall time, configs) and the
tokenizer. It is written whole into a temp folder and renamed into place (:func:`toolkit.atomic.atomic_dir`),
so a crash mid-write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from toolkit.atomic import atomic_dir
from toolkit.errors import DataMissingError

CKPT = "checkpoint"


def _model_state(model) -> dict[str, torch.Tensor]:
    # Tied weights share storage; safetensors refuses shared tensors, so drop the tied alias.
    state = model.state_dict()
    if getattr(model.config, "tie_word_embeddings", False):
        state.pop("lm_head.weight", None)
    return {k: v.detach().contiguous().clone() for k, v in state.items()}


def _optim_state(optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    sd = optimizer.state_dict()
    tensors, scalars = {}, {}
    for idx, st in sd["state"].items():
        for name, val in st.items():
            if torch.is_tensor(val):
                tensors[f"{idx}.{name}"] = val.detach().contiguous().clone()
            else:
                scalars[f"{idx}.{name}"] = val
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def save_checkpoint(work_dir: Path, model, optimizer, tokenizer, state: dict) -> Path:
    """Write ``work_dir/checkpoint`` atomically; ``state`` must be JSON-serialisable."""
    target = Path(work_dir) / CKPT
    with atomic_dir(target) as tmp:
        save_file(_model_state(model), str(tmp / "model.safetensors"))
        tensors, meta = _optim_state(optimizer)
        save_file(tensors, str(tmp / "optimizer.safetensors"))
        (tmp / "optimizer.json").write_text(json.dumps(meta), encoding="utf-8")
        (tmp / "state.json").write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        tokenizer.save_pretrained(str(tmp / "tokenizer"))
    return target


def has_checkpoint(work_dir: Path) -> bool:
    return (Path(work_dir) / CKPT / "state.json").is_file()


def read_state(work_dir: Path) -> dict:
    p = Path(work_dir) / CKPT / "state.json"
    if not p.is_file():
        raise DataMissingError(f"没有可恢复的检查点 (no checkpoint to resume) at {p.parent}; 先运行 hanlin model train")
    return json.loads(p.read_text(encoding="utf-8"))


def load_model_weights(work_dir: Path, model) -> None:
    state = load_file(str(Path(work_dir) / CKPT / "model.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if k != "lm_head.weight"]
    if missing or unexpected:
        raise DataMissingError(f"检查点与模型不符 (checkpoint does not match the model): missing={missing[:5]} "
                               f"unexpected={unexpected[:5]}")
    if getattr(model.config, "tie_word_embeddings", False):
        model.tie_weights()


def load_optimizer(work_dir: Path, optimizer) -> None:
    d = Path(work_dir) / CKPT
    tensors = load_file(str(d / "optimizer.safetensors"))
    meta = json.loads((d / "optimizer.json").read_text(encoding="utf-8"))
    state: dict[int, dict] = {}
    for key, val in list(tensors.items()) + list(meta["scalars"].items()):
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = val
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


# --- The compact snapshot: a resumable checkpoint small enough to commit -------------------------------
#
# The work-dir checkpoint (fp32 weights + fp32 AdamW moments, ~100 MB for the shipped shape) lives in a
# git-ignored folder and is lost with the machine. The snapshot keeps weights and both moments in bf16
# (~3 x 17 MB), plus the state, the tokenizer and the training log, so a later session on a fresh machine
# continues from it. Rounding the fp32 master weights to bf16 once per machine move perturbs them by
# ~0.2 % (far below one optimizer step); batches are a pure function of (seed, step), so no RNG state
# beyond ``step`` is needed.

SNAPSHOT_FILES = ("model.safetensors", "optimizer.safetensors", "optimizer.json", "state.json")


def save_snapshot(snapshot_dir: Path, model, optimizer, tokenizer, state: dict, log_path: Path | None = None) -> Path:
    """Write the compact bf16 snapshot to ``snapshot_dir`` atomically (replacing an older one)."""
    import shutil

    target = Path(snapshot_dir)
    with atomic_dir(target) as tmp:
        save_file({k: v.to(torch.bfloat16) for k, v in _model_state(model).items()}, str(tmp / "model.safetensors"))
        tensors, meta = _optim_state(optimizer)
        # AdamW's per-parameter ``step`` counters are tensors; they must stay exact (bias correction).
        save_file({k: (v if k.endswith(".step") else v.to(torch.bfloat16)) for k, v in tensors.items()},
                  str(tmp / "optimizer.safetensors"))
        (tmp / "optimizer.json").write_text(json.dumps(meta), encoding="utf-8")
        (tmp / "state.json").write_text(json.dumps({**state, "snapshot": True}, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
        tokenizer.save_pretrained(str(tmp / "tokenizer"))
        if log_path is not None and Path(log_path).is_file():
            shutil.copyfile(log_path, tmp / "train_log.jsonl")
        tmp.chmod(0o755)
        for f in tmp.rglob("*"):
            f.chmod(0o755 if f.is_dir() else 0o644)
    return target


def has_snapshot(snapshot_dir: Path | None) -> bool:
    return snapshot_dir is not None and (Path(snapshot_dir) / "state.json").is_file()


def restore_snapshot(snapshot_dir: Path, work_dir: Path) -> dict:
    """Unpack a snapshot into ``work_dir/checkpoint`` (fp32 again) so training resumes from it; returns its state.

    The snapshot's training log becomes the work dir's log (a fresh machine has none).
    """
    import shutil

    snapshot_dir, work_dir = Path(snapshot_dir), Path(work_dir)
    with atomic_dir(work_dir / CKPT) as tmp:
        save_file({k: v.to(torch.float32) for k, v in load_file(str(snapshot_dir / "model.safetensors")).items()},
                  str(tmp / "model.safetensors"))
        opt = load_file(str(snapshot_dir / "optimizer.safetensors"))
        save_file({k: (v if k.endswith(".step") else v.to(torch.float32)) for k, v in opt.items()},
                  str(tmp / "optimizer.safetensors"))
        shutil.copyfile(snapshot_dir / "optimizer.json", tmp / "optimizer.json")
        shutil.copyfile(snapshot_dir / "state.json", tmp / "state.json")
        shutil.copytree(snapshot_dir / "tokenizer", tmp / "tokenizer")
    log = snapshot_dir / "train_log.jsonl"
    if log.is_file():
        from toolkit.atomic import atomic_path

        with atomic_path(work_dir / "train_log.jsonl") as t:
            shutil.copyfile(log, t)
    return read_state(work_dir)


def snapshot_from_checkpoint(work_dir: Path, snapshot_dir: Path, log_path: Path | None = None) -> Path:
    """Write the compact snapshot of the checkpoint in ``work_dir`` (e.g. while the run goes on elsewhere)."""
    import shutil

    src = Path(work_dir) / CKPT
    state = read_state(work_dir)
    target = Path(snapshot_dir)
    with atomic_dir(target) as tmp:
        save_file({k: v.to(torch.bfloat16) for k, v in load_file(str(src / "model.safetensors")).items()},
                  str(tmp / "model.safetensors"))
        opt = load_file(str(src / "optimizer.safetensors"))
        save_file({k: (v if k.endswith(".step") else v.to(torch.bfloat16)) for k, v in opt.items()},
                  str(tmp / "optimizer.safetensors"))
        shutil.copyfile(src / "optimizer.json", tmp / "optimizer.json")
        (tmp / "state.json").write_text(json.dumps({**state, "snapshot": True}, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
        shutil.copytree(src / "tokenizer", tmp / "tokenizer")
        if log_path is not None and Path(log_path).is_file():
            shutil.copyfile(log_path, tmp / "train_log.jsonl")
        measured = Path(work_dir) / "eval.json"  # the latest full held-out evaluation (export), if any
        if measured.is_file():
            shutil.copyfile(measured, tmp / "heldout_eval.json")
        tmp.chmod(0o755)
        for f in tmp.rglob("*"):
            f.chmod(0o755 if f.is_dir() else 0o644)
    return target
