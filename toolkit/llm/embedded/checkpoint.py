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
