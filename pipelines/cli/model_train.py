"""``hanlin model train``: train, resume and export the embedded MoE (registered by ``pipelines.cli.model``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from toolkit.config import get_settings
from toolkit.errors import InvalidInputError


def register_train(msub) -> None:
    p = msub.add_parser("train", help="训练内置 MoE 模型 (train the embedded MoE; resumable)")
    p.add_argument("--max-minutes", type=float, default=None, help="training wall-time budget (whole run, resumes included)")
    p.add_argument("--max-steps", type=int, default=None, help="optimizer-step budget")
    p.add_argument("--max-tokens", type=int, default=None,
                   help="token budget of the whole run; the cosine schedule runs over it (0: none)")
    p.add_argument("--init-from", default=None, metavar="MODEL_DIR",
                   help="warm-start from a shipped model directory when there is nothing to resume")
    p.add_argument("--warmup-steps", type=int, default=None)
    p.add_argument("--snapshot-dir", default=None,
                   help="compact resumable snapshot, small enough to commit (default: <model-dir>/checkpoint)")
    p.add_argument("--no-snapshot", action="store_true", help="write no compact snapshot")
    p.add_argument("--snapshot-only", action="store_true",
                   help="write the compact snapshot of the work dir's latest checkpoint and exit (a run may go on)")
    p.add_argument("--checkpoint-minutes", type=float, default=None)
    p.add_argument("--snapshot-minutes", type=float, default=None)
    p.add_argument("--eval-every-minutes", type=float, default=None)
    p.add_argument("--if-better", action="store_true",
                   help="export only if the held-out perplexity beats the model directory's card")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --work-dir")
    p.add_argument("--restart", action="store_true", help="discard an existing checkpoint and start over")
    p.add_argument("--tiny", action="store_true", help="a tiny model and a few steps (tests, smoke runs)")
    p.add_argument("--poems", default=None, metavar="JSONL", help="poems file (default: data/corpora/poems.jsonl)")
    p.add_argument("--laws-db", default=None, metavar="SQLITE", help="statute database (default: data/corpora/laws.sqlite)")
    p.add_argument("--work-dir", default=None, help="checkpoints + log (default: data/train/hanlin-moe-mini)")
    p.add_argument("--model-dir", default=None, help="export target (default: data/models/hanlin-moe-mini)")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default 2)")
    p.add_argument("--no-export", action="store_true", help="train only; do not export the model directory")
    p.add_argument("--export-only", action="store_true", help="export the latest checkpoint (evaluate, card) and exit")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_train)


def run_train(args) -> int:
    from toolkit.llm.embedded.config import ModelConfig, TrainConfig
    from toolkit.llm.embedded.train import train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()
    work_dir = Path(args.work_dir) if args.work_dir else settings.data_dir / "train" / "hanlin-moe-mini"
    model_dir = Path(args.model_dir) if args.model_dir else settings.embedded_model_dir
    snapshot_dir = None if args.no_snapshot else (Path(args.snapshot_dir) if args.snapshot_dir else model_dir / "checkpoint")
    explicit = {"max_minutes": args.max_minutes, "max_steps": args.max_steps, "max_tokens": args.max_tokens,
                "batch_size": args.batch_size, "lr": args.lr, "threads": args.threads,
                "warmup_steps": args.warmup_steps, "checkpoint_minutes": args.checkpoint_minutes,
                "snapshot_minutes": args.snapshot_minutes, "eval_every_minutes": args.eval_every_minutes}
    cfg = (TrainConfig.tiny() if args.tiny else TrainConfig()).override(**explicit)
    mcfg = ModelConfig.tiny() if args.tiny else ModelConfig()
    if args.snapshot_only:
        from toolkit.llm.embedded.checkpoint import snapshot_from_checkpoint
        from toolkit.llm.embedded.train import LOG_NAME

        if snapshot_dir is None:
            raise InvalidInputError("--snapshot-only 与 --no-snapshot 冲突 (conflicting flags)")
        out = snapshot_from_checkpoint(work_dir, snapshot_dir, work_dir / LOG_NAME)
        print(f"快照已写入 (snapshot written) {out}")
        return 0
    if not args.export_only:
        res = train(work_dir, cfg, mcfg, resume=args.resume, restart=args.restart, poems_file=args.poems,
                    laws_db=args.laws_db, settings=settings, progress=not args.quiet, snapshot_dir=snapshot_dir,
                    init_from=args.init_from, overrides={k: v for k, v in explicit.items() if v is not None})
        print(json.dumps(res.__dict__, ensure_ascii=False))
    if args.no_export:
        return 0
    from toolkit.llm.embedded.export import export_model

    out = export_model(work_dir, model_dir, poems_file=args.poems, laws_db=args.laws_db, settings=settings,
                       progress=not args.quiet, only_if_better=args.if_better)
    print(f"已导出 (exported) {out}" if out else "未导出: 困惑度未优于现有模型 (not exported: held-out perplexity "
          "does not beat the shipped model's)")
    return 0
