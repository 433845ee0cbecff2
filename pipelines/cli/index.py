"""``hanlin index build [--if-missing] [--only laws|poems]``: build the prebuilt corpus indexes."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser("index", help="索引 indexes: build the law and poem search indexes")
    sub = p.add_subparsers(dest="index_command", metavar="ACTION")
    b = sub.add_parser("build", help="构建 data/indexes/{laws,poems} (build the corpus indexes)")
    b.add_argument("--if-missing", action="store_true", help="跳过已存在且完好的索引 (skip indexes that exist and verify)")
    b.add_argument("--only", choices=("laws", "poems"), help="只构建一个 (build only this one)")
    b.add_argument("--limit", type=int, default=None, help="只索引前 N 篇 (first N documents, for trials)")
    b.add_argument("--quiet", action="store_true", help="不显示进度条 (no progress bars)")
    b.set_defaults(func=_build)
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def _build(args) -> int:
    from toolkit.index import corpus_indexes as ci

    names = [args.only] if args.only else list(ci.SPECS)
    for name in names:
        if args.if_missing and ci.is_valid(name):
            print(f"{name:6s} 已存在 (exists, skipped): {ci.index_path(name)}")
            continue
        r = ci.build(name, progress=not args.quiet, limit=args.limit)
        print(f"{name:6s} {r['count']} 篇 (docs) in {r['seconds']:.1f}s → {r['path']}")
    return 0
