"""``hanlin data pull|status``: fetch and normalise the registry corpora, show what is there."""

from __future__ import annotations

from pipelines.cli.conventions import examples

import json
import time


def register(subparsers) -> None:
    p = subparsers.add_parser("data", help="数据 corpora: pull registry data, show status")
    examples(p, "hanlin data pull", "hanlin data status --json")
    sub = p.add_subparsers(dest="data_command", metavar="ACTION")
    pull = sub.add_parser("pull", help="下载并规范化法律库与诗词库 (fetch + normalise laws and poems)")
    pull.add_argument("--force", action="store_true", help="即使已是最新也重建 (rebuild even if up to date)")
    pull.add_argument("--poetry-from", metavar="PATH",
                      help="本地 chinese-poetry 目录 (a local clone of the repo or the npm package's dist/), "
                           "used instead of `npm pack`")
    pull.add_argument("--workers", type=int, default=None,
                      help="繁简转换进程数 (processes for script conversion; default up to 2)")
    pull.add_argument("--quiet", action="store_true", help="不显示进度条 (no progress bars)")
    pull.set_defaults(func=_pull)
    examples(pull, "hanlin data pull", "hanlin data pull --poetry-from ~/chinese-poetry --quiet")
    st = sub.add_parser("status", help="显示已下载的数据 (show what is pulled, with counts)")
    st.add_argument("--json", action="store_true", help="JSON 格式输出 (JSON output)")
    st.set_defaults(func=_status)
    examples(st, "hanlin data status", "hanlin data status --json")
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def _pull(args) -> int:
    from toolkit.corpus.pull import pull
    from toolkit.errors import InvalidInputError

    if args.workers is not None and args.workers < 1:
        raise InvalidInputError(f"--workers 必须 ≥ 1 (must be at least 1), got {args.workers}")
    t0 = time.perf_counter()
    report = pull(force=args.force, poetry_from=args.poetry_from, progress=not args.quiet,
                  workers=args.workers)
    for part, action in report.actions.items():
        print(f"{part:6s} {'已重建 built' if action == 'built' else '已是最新 up to date'} "
              f"({report.seconds.get(part, 0):.1f}s)")
    if report.downloaded:
        print("下载 (downloaded):", ", ".join(report.downloaded))
    laws, poems = report.stats.get("laws", {}), report.stats.get("poems", {})
    print(f"法律 laws: {laws.get('laws_current', '?')} current / {laws.get('laws_not_current', '?')} not current, "
          f"{laws.get('articles', '?')} current articles")
    print(f"诗词 poems: {poems.get('poems', '?')} ({poems.get('skipped', {})} skipped), "
          f"strains {poems.get('strains', '?')}")
    from toolkit.prosody import build_rhyme_tables

    t1 = time.perf_counter()
    tables = build_rhyme_tables(force=args.force)
    print(f"韵书 rhyme books: {', '.join(sorted(tables))} ({time.perf_counter() - t1:.1f}s)")
    print(f"总耗时 total {time.perf_counter() - t0:.1f}s")
    return 0


def _status(args) -> int:
    from toolkit.corpus import status

    st = status()
    if args.json:
        print(json.dumps(st, ensure_ascii=False, indent=1))
        return 0 if st["pulled"] else 1
    if not st["pulled"]:
        missing = [n for n, ok in st["files"].items() if not ok]
        print(f"未完整下载 (not pulled): missing {', '.join(missing)} in {st['corpora_dir']}; "
              "请运行 hanlin data pull (run `hanlin data pull`)")
        return 1
    laws, poems = st.get("laws", {}), st.get("poems", {})
    print(f"数据目录 corpora: {st['corpora_dir']}")
    print(f"法律 laws: {laws.get('laws_current')} current, {laws.get('laws_not_current')} not current; "
          f"{laws.get('articles')} articles; {laws.get('aliases')} aliases")
    print(f"诗词 poems: {poems.get('poems')}")
    for k, v in sorted((poems.get("by_collection") or {}).items(), key=lambda kv: -kv[1]):
        print(f"  {k}: {v}")
    if poems.get("by_form"):
        print("  体裁 forms: " + ", ".join(f"{k} {v}" for k, v in poems["by_form"].items()))
    print("词典 dicts: " + (", ".join(f"{k} {v}" for k, v in st["dicts"].items()) or "none"))
    for k, v in st.get("inputs", {}).items():
        print(f"来源 input {k}: {v}")
    return 0
