"""The training loop behind ``hanlin model train``: resumable, time-boxed, logged.

Data: :mod:`.data` (poems + a statute share, held-out split by id hash). Model: a fresh
``DeepseekV2ForCausalLM`` from :class:`.config.ModelConfig` with the fused-expert ``grouped_mm``
path (the fast one on CPU). Objective: next-character cross-entropy plus ``aux_loss_coef`` times the
load-balancing loss of :mod:`.balance`. AdamW, linear warm-up then cosine decay, gradient clipping.
The cosine runs over whichever budget ends first, ``max_steps``, ``max_minutes`` of training wall
time or ``max_tokens`` (all accumulated over resumes). Checkpoints (:mod:`.checkpoint`) every
``checkpoint_minutes``, and a compact bf16 snapshot that can be committed every ``snapshot_minutes``
(a fresh machine resumes from it); one JSON line per ``log_every`` steps in ``train_log.jsonl`` (loss,
balance loss, learning rate, throughput, expert load, wall and CPU seconds), plus periodic held-out
evaluations. The log is only appended to: a resume writes a marker line. A run may also warm-start
from a shipped model directory (its steps, tokens and time carry on; a fresh warm-up for the fresh
optimizer).

Example:
    >>> res = train(tmp / "run", TrainConfig.tiny(), ModelConfig.tiny(), poems_file=fixture)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

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
    stopped: str  # "max_steps" | "max_minutes" | "max_tokens" | "signal"


class _StopFlag:
    """SIGTERM (``kill PID``) ends a background run cleanly: the current step finishes, then the final
    evaluation, checkpoint and snapshot are written. Installed only in the main thread."""

    def __init__(self):
        import signal
        import threading

        self.raised, self._old = False, None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._set)

    def _set(self, *_):
        self.raised = True

    def restore(self):
        import signal

        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)


def new_model(mcfg: ModelConfig, vocab_size: int, seed: int, experts_implementation: str = "grouped_mm"):
    """A freshly initialised ``DeepseekV2ForCausalLM`` (seeded)."""
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(mcfg.to_hf(vocab_size), experts_implementation=experts_implementation)


def lr_at(cfg: TrainConfig, step: int, progress: float) -> float:
    """Linear warm-up over ``warmup_steps`` (counted from ``schedule_start_step``), then cosine from ``lr``
    to ``lr * min_lr_ratio`` as progress -> 1."""
    rel = step - cfg.schedule_start_step
    if rel < cfg.warmup_steps:
        return cfg.lr * (rel + 1) / cfg.warmup_steps
    p = min(1.0, max(0.0, progress))
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * p)))


def _progress(cfg: TrainConfig, step: int, seconds: float, tokens: int = 0) -> float:
    parts = [seconds / (cfg.max_minutes * 60)] if cfg.max_minutes else []
    if cfg.max_steps:
        parts.append(step / cfg.max_steps)
    if cfg.max_tokens:
        done = tokens - cfg.schedule_start_tokens
        parts.append(done / max(1, cfg.max_tokens - cfg.schedule_start_tokens))
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


def append_log(path: Path, record: dict) -> None:
    """Append one JSON line. A line torn by a kill stays as it is (readers skip it) and the new record
    starts on a line of its own, so nothing already logged is ever rewritten."""
    torn = path.is_file() and path.stat().st_size > 0 and not _ends_with_newline(path)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(("\n" if torn else "") + json.dumps(record, ensure_ascii=False) + "\n")


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"


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


# Settings a resumed run may change without changing what it learns (budgets, threads, cadence).
RESUMABLE_OVERRIDES = ("max_steps", "max_minutes", "max_tokens", "threads", "checkpoint_minutes",
                       "snapshot_minutes", "eval_every_minutes")


def _config_from_state(state: dict, overrides: dict) -> TrainConfig:
    tc = {**state["train_config"], "betas": tuple(state["train_config"]["betas"])}
    tc.update({k: v for k, v in overrides.items() if k in RESUMABLE_OVERRIDES and v is not None})
    return TrainConfig(**tc)


def _warm_start_model(model_dir: Path):
    """(model in fp32 with the fused training experts, tokenizer, prior state) from a shipped model directory."""
    from transformers import AutoModelForCausalLM

    meta_path = model_dir / "eval.json"
    if not (model_dir / "model.safetensors").is_file() or not meta_path.is_file():
        raise InvalidInputError(f"不是可热启动的模型目录 (not a model directory to warm-start from): {model_dir}")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32, experts_implementation="grouped_mm")
    tokenizer = load_tokenizer(model_dir)
    prior = {"step": int(meta["steps"]), "tokens_seen": int(meta["tokens_seen"]),
             "train_seconds": float(meta["train_seconds"]), "cpu_seconds": float(meta.get("cpu_seconds", 0.0)),
             "model_config": meta["config"]}
    return model, tokenizer, prior


def train(work_dir: str | Path, cfg: TrainConfig | None = None, mcfg: ModelConfig | None = None, *,
          resume: bool = False, restart: bool = False, poems_file=None, laws_db=None, settings=None,
          progress: bool = True, split: Split | None = None, snapshot_dir: str | Path | None = None,
          init_from: str | Path | None = None, overrides: dict | None = None) -> TrainResult:
    """Train (or resume training) the embedded model; the checkpoint in ``work_dir`` is the result.

    Args:
        work_dir: checkpoint + log folder (``data/train/hanlin-moe-mini``).
        cfg: training hyperparameters. On resume the checkpoint's apply, except: with ``overrides``
            given, those of its keys in :data:`RESUMABLE_OVERRIDES`; without, ``cfg``'s budgets and threads.
        mcfg: model hyperparameters (ignored on resume and warm start: the checkpoint's are used).
        resume: continue from the checkpoint in ``work_dir``, or, when it has none, from the compact
            snapshot in ``snapshot_dir`` (a fresh machine).
        restart: discard an existing checkpoint and start over.
        poems_file, laws_db, settings: data sources (default: the pulled corpora).
        progress: tqdm progress bar.
        split: a ready split (tests).
        snapshot_dir: where the compact, committable snapshot is written (every ``snapshot_minutes`` and
            when the run stops) and read by ``resume``; None: no snapshot.
        init_from: a shipped model directory to warm-start from when there is nothing to resume: its
            weights, tokenizer, steps, tokens and time carry on; the optimizer starts fresh with a new
            warm-up at ``schedule_start_step``.
        overrides: explicitly requested settings (the CLI's flags), see ``cfg``.
    """
    from tqdm import tqdm

    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    snapshot_dir = Path(snapshot_dir) if snapshot_dir else None
    cfg, mcfg = cfg or TrainConfig(), mcfg or ModelConfig()
    log_path = work_dir / LOG_NAME
    state, source = None, "fresh"
    if ckpt.has_checkpoint(work_dir) and not restart:
        if not resume:
            raise InvalidInputError(f"已有检查点 (a checkpoint exists) in {work_dir}: 用 --resume 继续 (continue) "
                                    "或 --restart 重新开始 (start over)")
        state, source = ckpt.read_state(work_dir), "checkpoint"
        if ckpt.has_snapshot(snapshot_dir):
            snap = json.loads((snapshot_dir / "state.json").read_text(encoding="utf-8"))
            if snap["step"] > state["step"]:  # the committed snapshot is ahead of this machine's checkpoint
                state, source = ckpt.restore_snapshot(snapshot_dir, work_dir), "snapshot"
    elif resume and not restart and ckpt.has_snapshot(snapshot_dir):
        state, source = ckpt.restore_snapshot(snapshot_dir, work_dir), "snapshot"
    elif resume and init_from is None:
        ckpt.read_state(work_dir)  # raises the specific "nothing to resume" error
    if state is not None:
        if overrides is not None:
            cfg = _config_from_state(state, overrides)
        else:
            cfg = _config_from_state(state, {k: getattr(cfg, k) for k in ("max_steps", "max_minutes", "max_tokens",
                                                                           "threads")})
        mcfg = ModelConfig(**state["model_config"])
    else:
        log_path.unlink(missing_ok=True)
        stale = work_dir / ckpt.CKPT
        if stale.exists():
            import shutil
            shutil.rmtree(stale)
    torch.set_num_threads(max(1, cfg.threads))
    warm = None
    if state is None and init_from is not None:
        warm = _warm_start_model(Path(init_from))
        mcfg = ModelConfig(**warm[2]["model_config"])
        cfg = cfg.override(schedule_start_step=warm[2]["step"], schedule_start_tokens=warm[2]["tokens_seen"])
        source = f"warm start from {init_from}"
    split, tokenizer = prepare(work_dir, cfg, tokenizer=warm[1] if warm else None, split=split,
                               poems_file=poems_file, laws_db=laws_db, settings=settings)
    stream = encode_documents(tokenizer, split.train_stream_docs(cfg.seed))
    heldout_eval = [d.text for d in split.heldout[: cfg.eval_docs]]
    model = warm[0] if warm else new_model(mcfg, len(tokenizer), cfg.seed)
    opt = _optimizer(model, cfg)
    step, seconds, tokens, cpu = 0, 0.0, 0, 0.0
    if state is not None:
        ckpt.load_model_weights(work_dir, model)
        ckpt.load_optimizer(work_dir, opt)
        step, seconds, tokens = state["step"], state["train_seconds"], state["tokens_seen"]
        cpu = state.get("cpu_seconds", 0.0)
    elif warm is not None:
        step, seconds, tokens, cpu = (warm[2][k] for k in ("step", "train_seconds", "tokens_seen", "cpu_seconds"))
        prior_log = Path(init_from) / LOG_NAME
        if prior_log.is_file():
            import shutil
            shutil.copyfile(prior_log, log_path)
    if state is not None or warm is not None:
        # The log is only ever appended to. Lines written after the checkpoint by a run that then stopped
        # are superseded by this marker (readers keep, for each step, the line written last).
        append_log(log_path, {"step": step, "time": round(seconds, 1), "cpu": round(cpu, 1), "tokens": tokens,
                               "type": "resume", "source": source, "threads": cfg.threads})
    top_k = model.config.num_experts_per_tok
    n_params = sum(p.numel() for p in model.parameters())
    log.info("model %s params, vocab %d, stream %d tokens, held-out %d docs, from %s at step %d", n_params,
             len(tokenizer), len(stream), len(split.heldout), source, step)

    def run_state(reason: str) -> dict:
        return {"step": step, "train_seconds": seconds, "cpu_seconds": cpu, "tokens_seen": tokens, "reason": reason,
                "train_config": cfg.to_dict(), "model_config": mcfg.to_dict(), "vocab_size": len(tokenizer),
                "params": n_params, "stream_tokens": int(len(stream)), "train_docs": len(split.train),
                "heldout_docs": len(split.heldout),
                "poems_file": str(poems_file) if poems_file else None, "laws_db": str(laws_db) if laws_db else None}

    def save(reason: str):
        ckpt.save_checkpoint(work_dir, model, opt, tokenizer, run_state(reason))

    def snapshot(reason: str):
        if snapshot_dir is not None:
            ckpt.save_snapshot(snapshot_dir, model, opt, tokenizer, run_state(reason), log_path)

    def evaluate():
        r = evaluate_lm(model, tokenizer, heldout_eval, batch_size=32)
        model.train()
        append_log(log_path, {"step": step, "time": round(seconds, 1), "tokens": tokens, "type": "eval",
                               "val_loss": round(r.loss, 4), "val_ppl": round(r.ppl, 2), "eval_docs": len(heldout_eval)})
        return r

    stop = _StopFlag()
    last_ckpt = last_eval = last_snap = seconds
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
        if cfg.max_tokens and tokens >= cfg.max_tokens:
            stopped = "max_tokens"
            break
        if stop.raised:
            stopped = "signal"
            break
        t0, c0 = time.perf_counter(), time.process_time()
        lr = lr_at(cfg, step, _progress(cfg, step, seconds, tokens))
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
        cpu += time.process_time() - c0
        loss_v = out.loss.item()
        if step % cfg.log_every == 0:
            now = time.perf_counter()
            append_log(log_path, {"step": step, "time": round(seconds, 1), "cpu": round(cpu, 1), "tokens": tokens,
                                   "loss": round(loss_v, 4), "aux": round(aux.item(), 4), "lr": lr,
                                   "grad_norm": round(float(gnorm), 3),
                                   "tok_s": round(tok_log / max(1e-9, now - t_log), 1),
                                   "expert_share": [[round(v, 4) for v in row] for row in shares(counts_acc)]})
            counts_acc, t_log, tok_log = None, now, 0
        bar.update(1)
        bar.set_postfix(loss=f"{loss_v:.3f}", aux=f"{aux.item():.3f}", lr=f"{lr:.1e}", M=f"{tokens / 1e6:.2f}")
        if cfg.eval_every_minutes and seconds - last_eval >= cfg.eval_every_minutes * 60:
            t0, c0 = time.perf_counter(), time.process_time()
            evaluate()
            seconds += time.perf_counter() - t0
            cpu += time.process_time() - c0
            last_eval = seconds
        if cfg.checkpoint_minutes is not None and seconds - last_ckpt >= cfg.checkpoint_minutes * 60:
            save("periodic")
            last_ckpt = seconds
        if cfg.snapshot_minutes and seconds - last_snap >= cfg.snapshot_minutes * 60:
            snapshot("periodic")
            last_snap = seconds
    bar.close()
    stop.restore()
    if heldout_eval:
        evaluate()
    save(stopped)
    snapshot(stopped)
    return TrainResult(str(work_dir), step, tokens, seconds, loss_v, stopped)
