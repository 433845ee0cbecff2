"""``hanlin model train``: train, resume and export the embedded MoE (registered by ``pipelines.cli.model``)."""

from __future__ import annotations

from pipelines.cli.conventions import examples

import json
import logging
from pathlib import Path

from toolkit.config import get_settings


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
    cfg = TrainConfig.tiny() if args.tiny else TrainConfig()
    cfg = cfg.override(max_minutes=args.max_minutes, max_steps=args.max_steps, batch_size=args.batch_size,
                       lr=args.lr, threads=args.threads)
    mcfg = ModelConfig.tiny() if args.tiny else ModelConfig()
    if not args.export_only:
        res = train(work_dir, cfg, mcfg, resume=args.resume, restart=args.restart, poems_file=args.poems,
                    laws_db=args.laws_db, settings=settings, progress=not args.quiet)
        print(json.dumps(res.__dict__, ensure_ascii=False))
    if args.no_export:
        return 0
    from toolkit.llm.embedded.export import export_model

    out = export_model(work_dir, model_dir, poems_file=args.poems, laws_db=args.laws_db, settings=settings,
                       progress=not args.quiet)
    print(f"已导出 (exported) {out}")
    return 0
