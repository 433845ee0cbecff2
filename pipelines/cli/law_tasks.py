"""``hanlin law ask`` and ``hanlin law draft``: statute Q&A and legal document drafting.

Examples:
    hanlin law ask "公司辞退我没有给补偿怎么办？" [--json] [--history turns.json]
    hanlin law draft --list
    hanlin law draft 借款合同 --example --out 借款合同.docx
    hanlin law draft 民事起诉状 --variant 要素式 --fields fields.json --out 起诉状.docx
"""

from __future__ import annotations

from pipelines.cli.conventions import examples

import json
import sys
from pathlib import Path

from toolkit.errors import InvalidInputError


def _dump(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1, default=str))


def _read_json(path: str):
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"找不到文件 (file not found): {p}")
    try:
        return json.loads(p.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidInputError(f"文件不是 UTF-8 编码 (file is not UTF-8): {p}") from None
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"JSON 无法解析 (invalid JSON) {p}: 第 {e.lineno} 行: {e.msg}") from None


def _ask(args) -> int:
    from pipelines.legal import StatuteQA

    qa = StatuteQA.from_settings()
    history = _read_json(args.history) if args.history else None
    if args.json:
        _dump(qa.ask(args.question, history=history).to_dict())
        return 0
    for piece in qa.stream(args.question, history=history):
        sys.stdout.write(piece)
        sys.stdout.flush()
    print()
    return 0


def _draft(args) -> int:
    from pipelines.legal import DocumentDrafter

    drafter = DocumentDrafter.from_settings()
    if args.list or not args.kind:
        schemas = drafter.kinds() + drafter.variants()
        if args.json:
            _dump([s.to_dict() for s in schemas])
            return 0
        for s in schemas:
            req = [f.name for f in s.fields if f.required]
            print(f"{s.full_name}: {s.description}\n  必填 (required): {', '.join(req)}")
        return 0 if args.list else 1
    if args.example:
        fields = drafter.example_fields(args.kind, args.variant)
        if not args.out:
            _dump(fields)
            return 0
    elif args.fields:
        fields = _read_json(args.fields)
    else:
        raise InvalidInputError("请提供 --fields FILE.json 或 --example (need --fields or --example)")
    if args.out and not Path(args.out).expanduser().parent.is_dir():
        raise InvalidInputError(f"输出文件夹不存在 (output folder does not exist): {Path(args.out).expanduser().parent}; "
                                "请先创建 (create it first)")
    doc = drafter.draft(args.kind, fields, variant=args.variant)
    for w in doc.warnings:
        print(f"注意 (warning): {w}", file=sys.stderr)
    if args.out:
        path = doc.save(args.out)
        print(f"已保存 (saved): {path}  引用 (citations): {', '.join(s.citation for s in doc.citations) or '-'}")
    elif args.json:
        _dump({"kind": doc.kind, "variant": doc.variant, "markdown": doc.markdown,
               "citations": [s.to_dict() for s in doc.citations], "warnings": list(doc.warnings)})
    else:
        print(doc.markdown)
    return 0


def register_tasks(law_subparsers) -> None:
    """Add ``ask`` and ``draft`` to the ``hanlin law`` group."""
    p = law_subparsers.add_parser("ask", aliases=["question"], help="法律咨询：检索法条并作答，引用均经核验 (statute Q&A with verified citations)")
    examples(p, 'hanlin law ask "公司辞退我没有给补偿怎么办？"', 'hanlin law ask "那加班费呢？" --history turns.json')
    p.add_argument("question", help="用日常语言描述的问题 (the question, in everyday words)")
    p.add_argument("--history", help="对话记录 JSON 文件 (list of {role, content})")
    p.add_argument("--json", action="store_true", help="JSON 格式输出 (JSON output: answer, citations, checks)")
    p.set_defaults(func=_ask)

    p = law_subparsers.add_parser("draft", aliases=["write"], help="起草法律文书 (draft a legal document to .docx / .md)")
    examples(p, "hanlin law draft --list", "hanlin law draft 借款合同 --example --out 借款合同.docx")
    p.add_argument("kind", nargs="?", help="文书类型 (kind): 民事起诉状 民事答辩状 民事上诉状 律师函 借款合同 房屋租赁合同 劳动合同")
    p.add_argument("--variant", help="变体 (variant)，如 要素式（民间借贷起诉状）")
    p.add_argument("--fields", help="字段 JSON 文件 (fields file)")
    p.add_argument("--example", action="store_true", help="使用内置示例字段 (use the built-in example)")
    p.add_argument("--out", help="输出文件，可为 .docx 或 .md 文件 (output file: .docx or .md)")
    p.add_argument("--list", action="store_true", help="列出文书类型及字段 (list kinds and fields)")
    p.add_argument("--json", action="store_true", help="JSON 格式输出 (JSON output)")
    p.set_defaults(func=_draft)
