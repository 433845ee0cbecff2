"""``hanlin poem check``: a coloured 平仄 grid with violations marked (more actions join via poem_tasks).

Examples:
    hanlin poem check "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。"
    hanlin poem check "明月几时有……" --form 水调歌头 --json
    hanlin poem check @poem.txt --rhyme-book xinyun
    hanlin poem forms                      # the supported forms and 词牌
"""

from __future__ import annotations

import json

from pipelines.cli.law import read_text_arg

TONE_STYLE = {"平": "cyan", "仄": "magenta", "中": "yellow"}


def register(subparsers) -> None:
    p = subparsers.add_parser("poem", help="诗词 poetry: check 平仄/韵 (and generate, continue, search)")
    sub = p.add_subparsers(dest="poem_command", metavar="ACTION")
    chk = sub.add_parser("check", help="检查格律 (check tones and rhyme of a poem or ci)")
    chk.add_argument("text", help="诗词正文, 或 @文件 / @- (poem text, @file or @- for stdin)")
    chk.add_argument("--form", help="体裁: 五绝 七绝 五律 七律 或词牌名 (default: detect)")
    chk.add_argument("--rhyme-book", default="pingshui", metavar="BOOK",
                     help="韵书: pingshui 平水韵 (default), cilin 词林正韵, xinyun 中华新韵, tongyun 中华通韵 "
                          "(English id or Chinese name)")
    chk.add_argument("--json", action="store_true", help="JSON output")
    chk.set_defaults(func=_check)
    fm = sub.add_parser("forms", help="列出支持的体裁与词牌 (list supported forms and 词牌)")
    fm.add_argument("--json", action="store_true", help="JSON output")
    fm.set_defaults(func=_forms)
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])
    from pipelines.cli.poem_tasks import register_tasks

    register_tasks(sub)


def _check(args) -> int:
    from toolkit.prosody import check

    report = check(read_text_arg(args.text), form=args.form, rhyme_book=args.rhyme_book)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        render(report)
    return 0 if report.ok else 1


def render(report, console=None) -> None:
    """Print the 平仄 grid: each character over its tone, violations in red, then the findings."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    con = console or Console(highlight=False, soft_wrap=True)
    head = f"[bold]{escape(report.form or '未能识别体裁')}[/bold]"
    if report.template:
        head += f" · {escape(report.template)}"
    if report.rhyme_group:
        head += f" · 韵部 {escape(report.rhyme_group)}"
    verdict = "[green]合律 ✓[/green]" if report.ok else "[red]不合律 ✗[/red]"
    con.print(f"{head} · {verdict}  [dim]({report.rhyme_book})[/dim]")
    bad = {(v.line, v.pos) for v in report.errors}
    noted = {(v.line, v.pos) for v in report.notes}
    table = Table(show_header=True, box=None, pad_edge=False)
    table.add_column("#", style="dim", justify="right")
    table.add_column("诗句 (text)")
    table.add_column("平仄 (tones)")
    table.add_column("格律 (expected)", style="dim")
    for i, (line, tones) in enumerate(zip(report.lines, report.tones)):
        chars, marks = Text(), Text()
        for p, (ch, t) in enumerate(zip(line, tones)):
            style = "bold white on red" if (i, p) in bad else ("underline" if (i, p) in noted else "")
            chars.append(ch, style=style)
            marks.append(t, style=("bold white on red" if (i, p) in bad else TONE_STYLE.get(t, "")))
        expected = report.expected[i] if i < len(report.expected) else ""
        table.add_row(str(i + 1), chars, marks, expected)
    con.print(table)
    for v in report.violations:
        where = f"第{v.line + 1}句" if v.line >= 0 else "全篇"
        if v.pos >= 0:
            where += f"第{v.pos + 1}字"
        colour = "red" if v.severity == "error" else "yellow"
        con.print(f"[{colour}]{'✗' if v.severity == 'error' else '·'} {where} [{v.kind}][/{colour}] {escape(v.message)}")
    if not report.form and report.reason:
        con.print(f"[yellow]{escape(report.reason)}[/yellow]")


def _forms(args) -> int:
    from toolkit.prosody import REGULATED_FORMS, cipai, cipai_names

    data = {"regulated": list(REGULATED_FORMS),
            "cipai": {n: [t.name for t in cipai(n).variants] for n in cipai_names()}}
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    print("近体诗 (regulated): " + " ".join(REGULATED_FORMS))
    for n, vs in data["cipai"].items():
        aliases = cipai(n).aliases
        print(f"{n}{' (' + '、'.join(aliases) + ')' if aliases else ''}: {'; '.join(vs)}")
    return 0
