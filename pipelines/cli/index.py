"""``hanlin index build [--if-missing] [--only laws|poems|lines]``: build the prebuilt corpus indexes;
``hanlin index verify [--only laws|poems] [--mode crc32|sha256|size]``: check their files' checksums
(opening an index checks only the file sizes).

``lines`` is the poem line-hash set (``data/indexes/poem_lines.npy``) used by the poetry pipeline's
verbatim-copy check; building it here keeps the first poem after a server start from paying for it.
"""

from __future__ import annotations

from pipelines.cli.conventions import examples

LINES = "lines"
IMAGERY = "imagery"  # the planner's corpus word table (pipelines.poetry.imagery)


def register(subparsers) -> None:
    p = subparsers.add_parser("index", help="索引 indexes: build the law and poem search indexes")
    examples(p, "hanlin index build --if-missing", "hanlin index verify --only laws")
    sub = p.add_subparsers(dest="index_command", metavar="ACTION")
    b = sub.add_parser("build", help="构建 data/indexes/{laws,poems,poem_lines.npy} (build the corpus indexes)")
    b.add_argument("--if-missing", action="store_true", help="跳过已存在且完好的索引 (skip indexes that exist and verify)")
    b.add_argument("--only", choices=("laws", "poems", LINES, IMAGERY), help="只构建一个 (build only this one)")
    b.add_argument("--limit", type=int, default=None, help="只索引前 N 篇 (first N documents, for trials)")
    b.add_argument("--quiet", action="store_true", help="不显示进度条 (no progress bars)")
    b.set_defaults(func=_build)
    examples(b, "hanlin index build --if-missing", "hanlin index build --only poems --limit 1000")
    v = sub.add_parser("verify", help="校验索引文件 (check every index file against its manifest checksum)")
    v.add_argument("--only", choices=("laws", "poems"), help="只校验一个 (check only this one)")
    v.add_argument("--mode", choices=("crc32", "sha256", "size"), default="crc32", help="校验方式 (checksum kind)")
    v.set_defaults(func=_verify)
    examples(v, "hanlin index verify", "hanlin index verify --only laws --mode sha256")
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def _build(args) -> int:
    from toolkit.index import corpus_indexes as ci

    names = [args.only] if args.only else [*ci.SPECS, LINES, IMAGERY]
    for name in names:
        if name == LINES:
            _build_lines(args)
            continue
        if name == IMAGERY:
            _build_imagery(args)
            continue
        if args.if_missing and ci.is_valid(name):
            print(f"{name:6s} 已存在 (exists, skipped): {ci.index_path(name)}")
            continue
        r = ci.build(name, progress=not args.quiet, limit=args.limit)
        print(f"{name:6s} {r['count']} 篇 (docs) in {r['seconds']:.1f}s → {r['path']}")
    return 0


def _verify(args) -> int:
    from toolkit.errors import HanlinError
    from toolkit.index import corpus_indexes as ci

    failed = 0
    for name in [args.only] if args.only else list(ci.SPECS):
        try:
            m = ci.verify(name, mode=args.mode)
        except HanlinError as e:
            print(f"{name:6s} {e}")
            failed += 1
            continue
        old = "" if ci.is_valid(name) else "; 旧格式, 可用 hanlin index build --if-missing 重建 (old format: rebuild)"
        print(f"{name:6s} 完好 (ok, {args.mode}): {len(m['files'])} 个文件 (files), version {m['version']}{old}")
    return 1 if failed else 0


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


def _build_imagery(args) -> None:
    """The corpus word table behind the poetry planner's keywords (:mod:`pipelines.poetry.imagery`)."""
    import time

    from pipelines.poetry import imagery

    if args.if_missing and imagery.imagery_path().is_file():
        print(f"{IMAGERY:6s} 已存在 (exists, skipped): {imagery.imagery_path()}")
        return
    if args.limit is not None:
        print(f"{IMAGERY:6s} 使用 --limit 时跳过 (skipped with --limit: word frequencies need the whole corpus)")
        return
    t0 = time.perf_counter()
    stats = imagery.build_imagery(progress=not args.quiet)
    print(f"{IMAGERY:6s} {len(stats.df)} 词 (words) in {time.perf_counter() - t0:.1f}s → {imagery.imagery_path()}")
