"""``hanlin poem gen|continue|search``: generation with guaranteed form, continuation, corpus search.

Examples:
    hanlin poem gen --form 七绝 --topic 春夜 -n 3 --seed 1
    hanlin poem gen --form 五绝 --acrostic 春夏秋冬 --keywords 明月
    hanlin poem plan --form 七绝 --topic 春夜 --seed 1 > plan.json   # edit keywords / season, then:
    hanlin poem gen --plan plan.json --seed 1
    hanlin poem continue "白日依山尽，黄河入海流。"
    hanlin poem search 明月 --author 李白 -k 5
"""

from __future__ import annotations

import json


def register_tasks(sub) -> None:
    """Add ``gen``, ``plan``, ``continue`` and ``search`` to the ``hanlin poem`` group."""
    pl = sub.add_parser("plan", help="写诗之前的计划: 每句关键词、起承转合、季节时辰 (the plan, as JSON to edit)")
    g = sub.add_parser("gen", help="按格律生成诗 (generate poems that keep length, rhyme and 平仄)")
    g.add_argument("--plan", metavar="JSON", help="按编辑过的计划生成 (decode from a plan file; '-' = stdin)")
    g.add_argument("--form", default="七绝", help="体裁: 五绝 七绝 五律 七律 (default 七绝)")
    g.add_argument("--topic", default="", help="题目或主题 (topic; empty = free)")
    g.add_argument("--keywords", default="", help="必须出现的词, 逗号分隔 (keywords, comma-separated)")
    g.add_argument("--acrostic", help="藏头字 (one character per line)")
    g.add_argument("--rhyme", help="平声韵部, 如 东 (level rhyme group)")
    g.add_argument("--rhyme-book", default="pingshui", help="韵书 (pingshui, xinyun ...)")
    g.add_argument("--start", choices=("平起", "仄起"), help="起式")
    g.add_argument("-n", type=int, default=1, help="生成几首 (1..20)")
    g.add_argument("--seed", type=int, help="随机种子 (reproducible)")
    g.add_argument("--json", action="store_true", help="JSON output")
    g.set_defaults(func=_gen)
    for a in ("--form", "--topic", "--keywords", "--acrostic", "--rhyme", "--rhyme-book", "--start", "--seed"):
        act = next(x for x in g._actions if a in x.option_strings)
        pl.add_argument(a, default=act.default, help=act.help, choices=act.choices, type=act.type)
    pl.set_defaults(func=_plan)
    c = sub.add_parser("continue", help="续写 (continue a poem from its first lines)")
    c.add_argument("opening", help="开头一句或几句 (opening lines)")
    c.add_argument("--form", help="体裁 (default: inferred)")
    c.add_argument("-n", type=int, default=1)
    c.add_argument("--seed", type=int)
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=_continue)
    s = sub.add_parser("search", help="检索古诗词 (search the corpus by keyword or meaning)")
    s.add_argument("query")
    s.add_argument("--author")
    s.add_argument("--dynasty")
    s.add_argument("--form")
    s.add_argument("-k", type=int, default=10)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_search)


def _pipeline():
    from pipelines.poetry import PoetryPipeline

    return PoetryPipeline.from_settings()


def _summary(report) -> str:
    errs = report.errors
    verdict = "合律 ✓ (ok)" if report.ok else f"不合律 ✗ ({len(errs)} errors: {', '.join(sorted(report.kinds()))})"
    return f"{report.form} · {report.template or ''} · 韵部 {report.rhyme_group or '?'} · {verdict}"


def _print_poems(poems, as_json: bool) -> int:
    if as_json:
        print(json.dumps([p.to_dict() for p in poems], ensure_ascii=False, indent=1))
        return 0 if all(p.report.ok for p in poems) else 1
    for i, p in enumerate(poems, 1):
        print(f"── {i} ── (score {p.score:.3f})")
        print(p.text)
        print(f"  {_summary(p.report)}")
        if p.plan is not None:
            arc = " · ".join(f"{lp.role} {lp.keyword or '—'}" for lp in p.plan.lines)
            print(f"  计划 (plan): {arc} · 季节 {p.plan.season or '不限'} · 时辰 {p.plan.time_of_day or '不限'}")
        for part in p.score_parts:
            print(f"  {part.points:+.2f}  {part.explanation}")
        for v in p.report.errors:
            print(f"  ✗ 第{v.line + 1}句 [{v.kind}] {v.message}")
        if p.copied_lines:
            print(f"  ! 与古诗重句 (verbatim corpus lines): {', '.join(p.copied_lines)}")
        for note in p.notes:
            print(f"  · {note}")
        if p.inspirations:
            print("  参考 (inspirations): " + "; ".join(f"{x.title}（{x.author}）" for x in p.inspirations[:3]))
    return 0 if all(p.report.ok for p in poems) else 1


def _gen(args) -> int:
    plan = None
    if args.plan:
        import sys
        from pathlib import Path

        from toolkit.errors import InvalidInputError

        raw = sys.stdin.read() if args.plan == "-" else Path(args.plan).read_text(encoding="utf-8")
        try:
            plan = json.loads(raw)
        except ValueError as e:
            raise InvalidInputError(f"计划文件不是 JSON (plan file is not JSON): {e}") from e
    poems = _pipeline().generate(args.topic, form=args.form, keywords=args.keywords, acrostic=args.acrostic,
                                 rhyme_group=args.rhyme, n=args.n, seed=args.seed, rhyme_book=args.rhyme_book,
                                 start=args.start, plan=plan)
    return _print_poems(poems, args.json)


def _plan(args) -> int:
    plan = _pipeline().plan(args.topic, form=args.form, keywords=args.keywords, acrostic=args.acrostic,
                            rhyme_group=args.rhyme, seed=args.seed, rhyme_book=args.rhyme_book, start=args.start)
    print(json.dumps(plan.to_dict(), ensure_ascii=False, indent=1))
    return 0


def _continue(args) -> int:
    return _print_poems(_pipeline().continue_poem(args.opening, form=args.form, n=args.n, seed=args.seed), args.json)


def _search(args) -> int:
    res = _pipeline().search(args.query, k=args.k, author=args.author, dynasty=args.dynasty, form=args.form)
    if args.json:
        print(json.dumps([r.to_dict() for r in res], ensure_ascii=False, indent=1))
        return 0
    for r in res:
        print(f"[{r.score:.3f}] {r.title} · {r.dynasty}·{r.author} ({r.form or '-'})")
        print("  " + r.text.replace("\n", "\n  "))
    if not res:
        print("无结果 (no results)")
    return 0
