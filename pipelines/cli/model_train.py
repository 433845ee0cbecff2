"""``hanlin model train``: train, resume and export the embedded MoE (registered by ``pipelines.cli.model``)."""

from __future__ import annotations

from pipelines.cli.conventions import examples

import json
import logging
from pathlib import Path

from toolkit.config import get_settings
from toolkit.errors import InvalidInputError


def register_train(msub) -> None:
    p = msub.add_parser("train", help="训练内置 MoE 模型 (train the embedded MoE; resumable)")
    p.add_argument("--max-minutes", type=float, default=None, help="训练时长上限，分钟 (training wall-time budget in minutes, resumes included)")
    p.add_argument("--max-steps", type=int, default=None, help="最多训练步数 (optimizer-step budget)")
    p.add_argument("--resume", action="store_true", help="从工作目录中的检查点继续 (continue from the checkpoint in --work-dir)")
    p.add_argument("--restart", action="store_true", help="丢弃已有检查点，从头训练 (discard an existing checkpoint and start over)")
    p.add_argument("--tiny", action="store_true", help="极小模型、少量步数，用于测试 (a tiny model and a few steps, for tests and smoke runs)")
    p.add_argument("--poems", default=None, metavar="JSONL", help="诗词语料文件 (poems file; default: data/corpora/poems.jsonl)")
    p.add_argument("--laws-db", default=None, metavar="SQLITE", help="法律数据库 (statute database; default: data/corpora/laws.sqlite)")
    p.add_argument("--work-dir", default=None, help="检查点与日志目录 (checkpoints and log; default: data/train/hanlin-moe-mini)")
    p.add_argument("--model-dir", default=None, help="导出目录 (export target; default: data/models/hanlin-moe-mini)")
    p.add_argument("--max-tokens", type=int, default=None, help="整个训练的词元预算，余弦学习率按它排程；0 为不限 (token budget of the whole run; the cosine schedule runs over it; 0: none)")
    p.add_argument("--init-from", default=None, metavar="MODEL_DIR", help="无可续训的检查点时，从已发布的模型目录热启动 (warm-start from a shipped model directory when there is nothing to resume)")
    p.add_argument("--warmup-steps", type=int, default=None, help="学习率预热步数 (learning-rate warm-up steps)")
    p.add_argument("--snapshot-dir", default=None, help="可提交到仓库的紧凑快照目录 (compact resumable snapshot, small enough to commit; default: <model-dir>/checkpoint)")
    p.add_argument("--no-snapshot", action="store_true", help="不写紧凑快照 (write no compact snapshot)")
    p.add_argument("--snapshot-only", action="store_true", help="只把工作目录最新检查点写成紧凑快照后退出，训练可继续 (write the compact snapshot of the latest checkpoint and exit; a run may go on)")
    p.add_argument("--checkpoint-minutes", type=float, default=None, help="每隔多少分钟保存检查点 (minutes between checkpoints)")
    p.add_argument("--snapshot-minutes", type=float, default=None, help="每隔多少分钟写紧凑快照 (minutes between compact snapshots)")
    p.add_argument("--eval-every-minutes", type=float, default=None, help="每隔多少分钟在留出集上评估 (minutes between held-out evaluations)")
    p.add_argument("--if-better", action="store_true", help="仅当留出集困惑度优于现有模型卡时才导出 (export only if the held-out perplexity beats the model card)")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--threads", type=int, default=None, help="torch 线程数，默认 2 (torch CPU threads, default 2)")
    p.add_argument("--no-export", action="store_true", help="只训练，不导出模型 (train only; do not export the model directory)")
    p.add_argument("--export-only", action="store_true", help="导出最新检查点后退出 (export the latest checkpoint with evaluation and card, then exit)")
    p.add_argument("--quiet", action="store_true", help="不显示进度条 (no progress bar)")
    p.set_defaults(func=run_train)
    examples(p, "hanlin model train --max-minutes 60", "hanlin model train --tiny --max-steps 20 --work-dir /tmp/moe")


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
