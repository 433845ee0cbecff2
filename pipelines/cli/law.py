"""``hanlin law search|get|verify``: statute search, article lookup and citation checks.

Examples:
    hanlin law search "被公司辞退没有补偿" --law 劳动合同法 -k 5
    hanlin law get 民法典 1165 --json
    hanlin law verify "根据合同法第52条……" ; hanlin law verify @answer.txt
"""

from __future__ import annotations

from pipelines.cli.conventions import examples

import json
import sys
from pathlib import Path

from toolkit.errors import InvalidInputError
from toolkit.i18n import has, msg

STATUS_STYLE = {"ok": "green", "no_such_article": "red", "unknown_law": "red", "not_current": "yellow"}


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _dump(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1))


def read_text_arg(value: str) -> str:
    """``@path`` reads a UTF-8 file (``@-`` reads stdin); anything else is the text itself."""
    if value == "@-":
        return sys.stdin.read()
    if value.startswith("@"):
        path = Path(value[1:])
        if not path.is_file():
            raise InvalidInputError(f"找不到文件 (file not found): {path}")
        data = path.read_bytes()
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInputError(
                f"文件不是 UTF-8 编码 (file is not UTF-8): {path}；请先转换编码 (convert it, e.g. iconv -f GBK -t UTF-8)"
            ) from None
    return value


def _search(args) -> int:
    from toolkit.legal import search_statutes, statutory_terms

    from rich.markup import escape

    query = read_text_arg(args.query)
    hits = search_statutes(query, k=args.k, law=args.law)
    for note in getattr(hits, "warnings", ()):
        print(f"注意 (note): {note}", file=sys.stderr)
    if args.json:
        _dump([h.to_dict() for h in hits])
        return 0
    con = _console()
    if not hits:
        con.print("没有找到相关法条 (no matching articles)")
        return 1
    bridges = statutory_terms(query)
    if bridges:
        con.print("[dim]用语对应 (everyday words → statutory terms): "
                  + escape("；".join(f"{w} → {'、'.join(t[:4])}" for w, t in bridges[:6])) + "[/]\n")
    for i, h in enumerate(hits, 1):
        con.print(f"[bold cyan]{i}. 《{h.law_name}》{h.article_label}[/]  [dim]{escape(h.chapter)}  score {h.score:.3f}[/]")
        con.print(h.text if args.full else (h.text[:160] + ("…" if len(h.text) > 160 else "")), markup=False)
        con.print()
    return 0


def _get(args) -> int:
    from toolkit.legal import get_article

    art = get_article(args.law, args.article)
    if art is None:
        from toolkit.legal.store import LawStore

        info = LawStore.open().resolve(args.law)
        why = "该法已不再有效 (law not in force)" if info and not info.current else "没有这一条 (no such article)"
        if args.json:
            _dump(None)
        else:
            _console().print(f"[red]《{info.law_name if info else args.law}》{args.article}: {why}[/]")
        return 1
    if args.json:
        _dump(art.to_dict())
        return 0
    con = _console()
    con.print(f"[bold cyan]《{art.law_name}》{art.article_label}[/]  [dim]{art.chapter} {art.section}[/]")
    con.print(art.text, markup=False)
    return 0


def _verify(args) -> int:
    from toolkit.legal import verify_citations

    text = read_text_arg(args.text)
    checks = verify_citations(text)
    if args.json:
        _dump([c.to_dict() for c in checks])
        return 0 if all(c.ok for c in checks) else 1
    from rich.markup import escape

    con = _console()
    if not checks:
        con.print("未发现法条引用 (no citations found)")
        return 0
    for c in checks:
        mark = "✓" if c.ok else "✗"
        style = "red" if c.quote_ok is False else STATUS_STYLE.get(c.status, "")
        target = f"《{c.law_name}》{c.article_label or ''}" if c.law_name else "—"
        status = msg(f"law.status.{c.status}") if has(f"law.status.{c.status}") else msg("law.status.unknown")
        con.print(f"[{style}]{mark} {escape(status)}[/]  [bold]{escape(c.raw)}[/] → {escape(target)}")
        con.print(f"    {c.message}", markup=False)
        if c.quote_ok is False and c.article_text:
            con.print(f"    条文 (article): {c.article_text}", markup=False)
    bad = sum(not c.ok for c in checks)
    con.print(f"{len(checks)} 处引用，{bad} 处有问题 ({len(checks)} citations, {bad} with problems)")
    return 0 if bad == 0 else 1


def register(subparsers) -> None:
    """Add the ``law`` group to the ``hanlin`` parser."""
    law = subparsers.add_parser("law", help="法条检索、查询与引用核验 (statute search, lookup, citation check)")
    examples(law, 'hanlin law ask "被公司辞退没有补偿怎么办？"', 'hanlin law search "押金不退" -k 5')
    law_subparsers = law.add_subparsers(dest="law_command", metavar="SUBCOMMAND")
    law.set_defaults(func=lambda a: (law.print_help(), 1)[1])

    p = law_subparsers.add_parser("search", aliases=["find"], help="按问题检索法条 (search articles by question)")
    examples(p, 'hanlin law search "被公司辞退没有补偿" -k 5', 'hanlin law search 押金 --law 民法典 --full')
    p.add_argument("query", help="问题或关键词，口语亦可；@文件 读取文件 (question, colloquial is fine; @file reads a file)")
    p.add_argument("--law", default=None, help="只在这部法律中检索，可用简称 (restrict to a law; short names ok)")
    p.add_argument("-k", type=int, default=5, help="返回条数 (number of results, default 5)")
    p.add_argument("--full", action="store_true", help="显示全文 (show full article text)")
    p.add_argument("--json", action="store_true", help="JSON 输出 (machine-readable output)")
    p.set_defaults(func=_search)

    p = law_subparsers.add_parser("get", aliases=["show"], help="按法律和条号取条文 (get one article)")
    examples(p, "hanlin law get 民法典 1165", "hanlin law get 劳动合同法 第四十七条 --json")
    p.add_argument("law", help="法律名称或简称 (law name, short name or alias)")
    p.add_argument("article", help="条号：1165 / 第一千一百六十五条 / 第十七条之一 (article number)")
    p.add_argument("--json", action="store_true", help="JSON 输出 (machine-readable output)")
    p.set_defaults(func=_get)

    p = law_subparsers.add_parser("verify", aliases=["check"], help="核验文本中的法条引用 (verify citations in a text)")
    examples(p, 'hanlin law verify "根据合同法第52条……"', "hanlin law verify @answer.txt")
    p.add_argument("text", help="文本，或 @文件路径 / @- 读标准输入 (text, @file or @- for stdin)")
    p.add_argument("--json", action="store_true", help="JSON 输出 (machine-readable output)")
    p.set_defaults(func=_verify)

    from pipelines.cli.law_tasks import register_tasks

    register_tasks(law_subparsers)
