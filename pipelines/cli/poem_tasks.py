"""``hanlin poem gen|continue|search``: generation with guaranteed form, continuation, corpus search.

Examples:
    hanlin poem gen 春夜 --form 七绝 -n 3 --seed 1
    hanlin poem gen --form 五绝 --acrostic 春夏秋冬 --keywords 明月
    hanlin poem plan --form 七绝 --topic 春夜 --seed 1 > plan.json   # edit keywords / season, then:
    hanlin poem gen --plan plan.json --seed 1
    hanlin poem continue "白日依山尽，黄河入海流。"
    hanlin poem search 明月 --author 李白 -k 5
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from pipelines.cli.conventions import examples
from toolkit.errors import InvalidInputError
from toolkit.i18n import msg, violation_label


def register_tasks(sub) -> None:
    """Add ``gen``, ``plan``, ``continue`` and ``search`` to the ``hanlin poem`` group."""
    pl = sub.add_parser("plan", help="写诗之前的计划: 每句关键词、起承转合、季节时辰 (the plan, as JSON to edit)")
    examples(pl, "hanlin poem plan 秋日登高 --form 七律 > plan.json", "hanlin poem gen --plan plan.json -n 3")
    g = sub.add_parser("gen", aliases=["generate", "write"], help="按格律生成诗 (generate poems that keep length, rhyme and 平仄)")
    examples(g, "hanlin poem gen 秋日登高 --form 七律", "hanlin poem generate 春夜 --form 五绝 --acrostic 春夏秋冬 -n 3")
    g.add_argument("topic", nargs="?", default=None, help="题目或主题 (topic; empty = free)")
    g.add_argument("--plan", metavar="JSON", help="按编辑过的计划生成 (decode from a plan file; '-' = stdin)")
    g.add_argument("--form", default="七绝", help=msg("cli.poem_form"))
    g.add_argument("--topic", dest="topic_option", default=None, help=argparse.SUPPRESS)  # the older spelling
    g.add_argument("--keywords", default="", help="必须出现的词, 逗号分隔 (keywords, comma-separated)")
    g.add_argument("--acrostic", help="藏头字 (one character per line)")
    g.add_argument("--rhyme", help="平声韵部, 如 东 (level rhyme group)")
    g.add_argument("--rhyme-book", default="pingshui", help="韵书 (pingshui, xinyun ...)")
    g.add_argument("--start", choices=("平起", "仄起"), help="起式：平起或仄起 (whether the first line starts level or oblique)")
    g.add_argument("-n", type=int, default=1, help="生成几首，1 到 20 (how many poems, 1 to 20)")
    g.add_argument("--seed", type=int, help="随机种子 (reproducible)")
    g.add_argument("--json", action="store_true", help="JSON 格式输出 (JSON output)")
    g.set_defaults(func=_gen)
    for a in ("--form", "--keywords", "--acrostic", "--rhyme", "--rhyme-book", "--start", "--seed"):
        act = next(x for x in g._actions if a in x.option_strings)
        pl.add_argument(a, default=act.default, help=act.help, choices=act.choices, type=act.type)
    pl.add_argument("topic", nargs="?", default=None, help="题目或主题 (topic; empty = free)")
    pl.add_argument("--topic", dest="topic_option", default=None, help=argparse.SUPPRESS)
    pl.set_defaults(func=_plan)
    c = sub.add_parser("continue", aliases=["cont"], help="续写 (continue a poem from its first lines)")
    examples(c, 'hanlin poem continue "白日依山尽，黄河入海流。"', 'hanlin poem continue "床前明月光" --form 五律 --seed 2')
    c.add_argument("opening", help="开头一句或几句 (opening lines)")
    c.add_argument("--form", help="体裁 (default: inferred)")
    c.add_argument("-n", type=int, default=1)
    c.add_argument("--seed", type=int)
    c.add_argument("--json", action="store_true", help="JSON 格式输出 (JSON output)")
    c.set_defaults(func=_continue)
    s = sub.add_parser("search", aliases=["find"], help="检索古诗词 (search the corpus by keyword or meaning)")
    examples(s, "hanlin poem search 明月", "hanlin poem search 明月 --author 李白 -k 5")
    s.add_argument("query", help="检索词 (keywords or a description)")
    s.add_argument("--author")
    s.add_argument("--dynasty")
    s.add_argument("--form")
    s.add_argument("-k", type=int, default=10)
    s.add_argument("--json", action="store_true", help="JSON 格式输出 (JSON output)")
    s.set_defaults(func=_search)


def _pipeline():
    from pipelines.poetry import PoetryPipeline

    return PoetryPipeline.from_settings()


def _summary(report) -> str:
    errs = report.errors
    kinds = "、".join(sorted(violation_label(k) for k in report.kinds()))
    verdict = "合律 ✓ (ok)" if report.ok else f"不合律 ✗: {kinds}"
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
            print(f"  ✗ 第{v.line + 1}句 {violation_label(v.kind)}: {v.message}")
        if p.copied_lines:
            print(f"  ! 与古诗重句 (verbatim corpus lines): {', '.join(p.copied_lines)}")
        for note in collapse_notes(p.notes):
            print(f"  · {note}")
        if p.inspirations:
            print("  参考 (inspirations): " + "; ".join(f"{x.title}（{x.author}）" for x in p.inspirations[:3]))
    return 0 if all(p.report.ok for p in poems) else 1


def collapse_notes(notes, keep: int = 3, show: int = 5) -> list[str]:
    """Merge notes that differ only in the quoted item (「词9」, 「词10」 …) into one line listing the items.

    Example:
        >>> collapse_notes([f"关键词「k{i}」放不下" for i in range(7)])
        ['关键词「k0」「k1」「k2」「k3」「k4」… (共 7 个 / 7 in all)放不下']
    """
    groups: dict[str, list[str]] = {}
    for n in notes:
        groups.setdefault(re.sub(r"「[^」]*」", "「…」", n), []).append(n)
    out = []
    for pattern, items in groups.items():
        if len(items) <= keep or "「…」" not in pattern:
            out += items
            continue
        names = [re.search(r"「([^」]*)」", n).group(1) for n in items]
        listed = "".join(f"「{x}」" for x in names[:show])
        out.append(pattern.replace("「…」", f"{listed}… (共 {len(items)} 个 / {len(items)} in all)", 1))
    return out


def _gen(args) -> int:
    topic = args.topic or args.topic_option or ""
    plan = None
    if args.plan:
        raw = sys.stdin.read() if args.plan == "-" else Path(args.plan).read_text(encoding="utf-8")
        try:
            plan = json.loads(raw)
        except ValueError as e:
            raise InvalidInputError(f"计划文件不是 JSON (plan file is not JSON): {e}") from e
    poems = _pipeline().generate(topic, form=args.form, keywords=args.keywords, acrostic=args.acrostic,
                                 rhyme_group=args.rhyme, n=args.n, seed=args.seed, rhyme_book=args.rhyme_book,
                                 start=args.start, plan=plan)
    return _print_poems(poems, args.json)


def _plan(args) -> int:
    plan = _pipeline().plan(args.topic or args.topic_option or "", form=args.form, keywords=args.keywords, acrostic=args.acrostic,
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
        from pipelines.poetry import PoetryPipeline

        known = PoetryPipeline.valid_forms() + ["other"]
        if args.form and args.form not in known:
            raise InvalidInputError(f"未知的体裁 {args.form!r} (unknown form); 可选 (valid): {', '.join(known[:12])} … "
                                    "或其他词牌名 (or a 词牌 name; `hanlin poem forms` lists them)")
        print("无结果 (no results)")
    return 0
