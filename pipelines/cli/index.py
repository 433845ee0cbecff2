"""``hanlin index build [--if-missing] [--only laws|poems|lines]``: build the prebuilt corpus indexes.

``lines`` is the poem line-hash set (``data/indexes/poem_lines.npy``) used by the poetry pipeline's
verbatim-copy check; building it here keeps the first poem after a server start from paying for it.
"""

from __future__ import annotations

LINES = "lines"


def register(subparsers) -> None:
    p = subparsers.add_parser("index", help="索引 indexes: build the law and poem search indexes")
    sub = p.add_subparsers(dest="index_command", metavar="ACTION")
    b = sub.add_parser("build", help="构建 data/indexes/{laws,poems,poem_lines.npy} (build the corpus indexes)")
    b.add_argument("--if-missing", action="store_true", help="跳过已存在且完好的索引 (skip indexes that exist and verify)")
    b.add_argument("--only", choices=("laws", "poems", LINES), help="只构建一个 (build only this one)")
    b.add_argument("--limit", type=int, default=None, help="只索引前 N 篇 (first N documents, for trials)")
    b.add_argument("--quiet", action="store_true", help="不显示进度条 (no progress bars)")
    b.set_defaults(func=_build)
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def _build(args) -> int:
    from toolkit.index import corpus_indexes as ci

    names = [args.only] if args.only else [*ci.SPECS, LINES]
    for name in names:
        if name == LINES:
            _build_lines(args)
            continue
        if args.if_missing and ci.is_valid(name):
            print(f"{name:6s} 已存在 (exists, skipped): {ci.index_path(name)}")
            continue
        r = ci.build(name, progress=not args.quiet, limit=args.limit)
        print(f"{name:6s} {r['count']} 篇 (docs) in {r['seconds']:.1f}s → {r['path']}")
    return 0


def _build_lines(args) -> None:
    from pipelines.poetry import linehash

    if args.if_missing and linehash.is_valid():
        print(f"{LINES:6s} 已存在 (exists, skipped): {linehash.line_set_path()}")
        return
    if args.limit is not None:  # a partial line set would let verbatim copies through
        print(f"{LINES:6s} 使用 --limit 时跳过 (skipped with --limit: the line set must cover the whole corpus)")
        return
    r = linehash.build_line_set(progress=not args.quiet)
    print(f"{LINES:6s} {r['count']} 句 (distinct lines) in {r['seconds']:.1f}s → {r['path']}")
