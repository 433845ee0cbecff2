"""The training loop behind ``hanlin model train``: resumable, time-boxed, logged.

Data: :mod:`.data` (poems + a statute share, held-out split by id hash). Model: a fresh
``DeepseekV2ForCausalLM`` from :class:`.config.ModelConfig` with the fused-expert ``grouped_mm``
path (the fast one on CPU). Objective: next-character cross-entropy plus ``aux_loss_coef`` times the
load-balancing loss of :mod:`.balance`. AdamW, linear warm-up then cosine decay, gradient clipping.
The cosine runs over whichever budget ends first, ``max_steps`` or ``max_minutes`` of training wall
time (accumulated over resumes). Checkpoints (:mod:`.checkpoint`) every ``checkpoint_minutes``; one
JSON line per ``log_every`` steps in ``train_log.jsonl`` (loss, balance loss, learning rate,
throughput, expert load), plus periodic held-out evaluations.

Example:
    >>> res = train(tmp / "run", TrainConfig.tiny(), ModelConfig.tiny(), poems_file=fixture)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from toolkit.atomic import write_text
from toolkit.errors import InvalidInputError

from . import checkpoint as ckpt
from .balance import expert_counts, load_balance_loss, shares
from .config import ModelConfig, TrainConfig
from .data import Split, encode_documents, load_split, sample_batch
from .evaluate import evaluate_lm
from .tokenizer import build_tokenizer, load_tokenizer

log = logging.getLogger("hanlin.train")
LOG_NAME = "train_log.jsonl"


@dataclass(frozen=True)
class TrainResult:
    work_dir: str
    steps: int
    tokens_seen: int
    train_seconds: float
    last_loss: float
    stopped: str  # "max_steps" | "max_minutes"


def new_model(mcfg: ModelConfig, vocab_size: int, seed: int, experts_implementation: str = "grouped_mm"):
    """A freshly initialised ``DeepseekV2ForCausalLM`` (seeded)."""
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(mcfg.to_hf(vocab_size), experts_implementation=experts_implementation)


def lr_at(cfg: TrainConfig, step: int, progress: float) -> float:
    """Linear warm-up over ``warmup_steps``, then cosine from ``lr`` to ``lr * min_lr_ratio`` as progress -> 1."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    p = min(1.0, max(0.0, progress))
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * p)))


def _progress(cfg: TrainConfig, step: int, seconds: float) -> float:
    parts = [seconds / (cfg.max_minutes * 60)] if cfg.max_minutes else []
    if cfg.max_steps:
        parts.append(step / cfg.max_steps)
    return max(parts) if parts else 0.0


def _optimizer(model, cfg: TrainConfig):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        # Matrices decay; norms, router and 1-D params do not (the router is tiny and must stay free to move).
        (decay if p.dim() >= 2 and "gate.weight" not in name else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas)


def _append_log(path: Path, record: dict) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def _trim_log(path: Path, step: int) -> None:
    """On resume, drop log lines written after the checkpoint (they will be written again) and a last
    line torn by a kill. The log is replaced atomically: a crash here leaves the old log whole."""
    if not path.is_file():
        return
    keep = []
    for ln in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(ln)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("step", 0) <= step:
            keep.append(ln)
    write_text(path, "".join(ln + "\n" for ln in keep))


def prepare(work_dir: Path, cfg: TrainConfig, tokenizer=None, split: Split | None = None, **split_kw):
    """Load the split and the tokenizer (built from the training text unless given or checkpointed)."""
    split = split or load_split(heldout_permille=cfg.heldout_permille, law_share=cfg.law_share,
                                regulated_oversample=cfg.regulated_oversample, seed=cfg.seed, **split_kw)
    if tokenizer is None:
        tok_dir = work_dir / ckpt.CKPT / "tokenizer"
        if tok_dir.is_dir():
            tokenizer = load_tokenizer(tok_dir)
        else:
            tokenizer = build_tokenizer((d.text for d in split.train), cfg.min_char_count, cfg.max_vocab)
    return split, tokenizer


def train(work_dir: str | Path, cfg: TrainConfig | None = None, mcfg: ModelConfig | None = None, *,
          resume: bool = False, restart: bool = False, poems_file=None, laws_db=None, settings=None,
          progress: bool = True, split: Split | None = None) -> TrainResult:
    """Train (or resume training) the embedded model; the checkpoint in ``work_dir`` is the result.

    Args:
        work_dir: checkpoint + log folder (``data/train/hanlin-moe-mini``).
        cfg: training hyperparameters; on resume, only its budgets (max_steps, max_minutes) apply.
        mcfg: model hyperparameters (ignored on resume: the checkpoint's are used).
        resume: continue from the checkpoint in ``work_dir``.
        restart: discard an existing checkpoint and start over.
        poems_file, laws_db, settings: data sources (default: the pulled corpora).
        progress: tqdm progress bar.
        split: a ready split (tests).
    """
    from tqdm import tqdm

    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    cfg, mcfg = cfg or TrainConfig(), mcfg or ModelConfig()
    log_path = work_dir / LOG_NAME
    state = None
    if ckpt.has_checkpoint(work_dir):
        if resume:
            state = ckpt.read_state(work_dir)
            cfg = TrainConfig(**{**state["train_config"], "betas": tuple(state["train_config"]["betas"]),
                                 "max_steps": cfg.max_steps, "max_minutes": cfg.max_minutes})
            mcfg = ModelConfig(**state["model_config"])
        elif not restart:
            raise InvalidInputError(f"已有检查点 (a checkpoint exists) in {work_dir}: 用 --resume 继续 (continue) "
                                    "或 --restart 重新开始 (start over)")
    if state is None:
        log_path.unlink(missing_ok=True)
        for stale in (work_dir / ckpt.CKPT,):
            if stale.exists():
                import shutil
                shutil.rmtree(stale)
    torch.set_num_threads(max(1, cfg.threads))
    split, tokenizer = prepare(work_dir, cfg, split=split, poems_file=poems_file, laws_db=laws_db, settings=settings)
    stream = encode_documents(tokenizer, split.train_stream_docs(cfg.seed))
    heldout_eval = [d.text for d in split.heldout[: cfg.eval_docs]]
    model = new_model(mcfg, len(tokenizer), cfg.seed)
    opt = _optimizer(model, cfg)
    step, seconds, tokens = 0, 0.0, 0
    if state is not None:
        ckpt.load_model_weights(work_dir, model)
        ckpt.load_optimizer(work_dir, opt)
        step, seconds, tokens = state["step"], state["train_seconds"], state["tokens_seen"]
        _trim_log(log_path, step)
    top_k = model.config.num_experts_per_tok
    n_params = sum(p.numel() for p in model.parameters())
    log.info("model %s params, vocab %d, stream %d tokens, held-out %d docs", n_params, len(tokenizer), len(stream),
             len(split.heldout))

    def save(reason: str):
        ckpt.save_checkpoint(work_dir, model, opt, tokenizer, {
            "step": step, "train_seconds": seconds, "tokens_seen": tokens, "reason": reason,
            "train_config": cfg.to_dict(), "model_config": mcfg.to_dict(), "vocab_size": len(tokenizer),
            "params": n_params, "stream_tokens": int(len(stream)), "train_docs": len(split.train),
            "heldout_docs": len(split.heldout),
            "poems_file": str(poems_file) if poems_file else None, "laws_db": str(laws_db) if laws_db else None})

    def evaluate():
        r = evaluate_lm(model, tokenizer, heldout_eval, batch_size=32)
        model.train()
        _append_log(log_path, {"step": step, "time": round(seconds, 1), "tokens": tokens, "type": "eval",
                               "val_loss": round(r.loss, 4), "val_ppl": round(r.ppl, 2)})
        return r

    last_ckpt = last_eval = seconds
    bar = tqdm(total=cfg.max_steps or None, initial=step, disable=not progress, unit="step", desc="train")
    model.train()
    loss_v, stopped = float("nan"), "max_minutes"
    counts_acc, t_log, tok_log = None, time.perf_counter(), 0
    while True:
        if cfg.max_steps and step >= cfg.max_steps:
            stopped = "max_steps"
            break
        if cfg.max_minutes and seconds >= cfg.max_minutes * 60:
            break
        t0 = time.perf_counter()
        lr = lr_at(cfg, step, _progress(cfg, step, seconds))
        for g in opt.param_groups:
            g["lr"] = lr
        x = torch.from_numpy(sample_batch(stream, cfg.batch_size, cfg.seq_len, step, cfg.seed))
        out = model(input_ids=x, labels=x, output_router_logits=True)
        aux = load_balance_loss(out.router_logits, top_k)
        loss = out.loss + cfg.aux_loss_coef * aux
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        c = expert_counts(out.router_logits, top_k)
        counts_acc = c if counts_acc is None else counts_acc + c
        step += 1
        tokens += x.numel()
        tok_log += x.numel()
        seconds += time.perf_counter() - t0
        loss_v = out.loss.item()
        if step % cfg.log_every == 0:
            now = time.perf_counter()
            _append_log(log_path, {"step": step, "time": round(seconds, 1), "tokens": tokens, "loss": round(loss_v, 4),
                                   "aux": round(aux.item(), 4), "lr": lr, "grad_norm": round(float(gnorm), 3),
                                   "tok_s": round(tok_log / max(1e-9, now - t_log), 1),
                                   "expert_share": [[round(v, 4) for v in row] for row in shares(counts_acc)]})
            counts_acc, t_log, tok_log = None, now, 0
        bar.update(1)
        bar.set_postfix(loss=f"{loss_v:.3f}", aux=f"{aux.item():.3f}", lr=f"{lr:.1e}", min=f"{seconds / 60:.1f}")
        if cfg.eval_every_minutes and seconds - last_eval >= cfg.eval_every_minutes * 60:
            t0 = time.perf_counter()
            evaluate()
            seconds += time.perf_counter() - t0
            last_eval = seconds
        if cfg.checkpoint_minutes is not None and seconds - last_ckpt >= cfg.checkpoint_minutes * 60:
            save("periodic")
            last_ckpt = seconds
    bar.close()
    if heldout_eval:
        evaluate()
    save(stopped)
    return TrainResult(str(work_dir), step, tokens, seconds, loss_v, stopped)


