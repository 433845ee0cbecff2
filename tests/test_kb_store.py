"""KnowledgeBase: lifecycle, adding every file type, dedup, remove, incremental search, safety checks."""

import pytest

from pipelines.qa import DocumentError, KnowledgeBase
from toolkit.config import with_overrides
from toolkit.errors import InvalidInputError
from tests.plugins.kb import LAW_TEXT, make_docx, make_pdf


def test_create_open_list_delete(kb_factory, kb_settings):
    kb_factory("甲库")
    kb_factory("b-2")
    root = kb_factory.root
    assert KnowledgeBase.list(root) == ["b-2", "甲库"]
    with pytest.raises(InvalidInputError, match="exists"):
        KnowledgeBase.create("甲库", root=root, settings=kb_settings)
    assert KnowledgeBase.open("甲库", root=root, settings=kb_settings).name == "甲库"
    KnowledgeBase.delete("甲库", root=root)
    assert KnowledgeBase.list(root) == ["b-2"]
    with pytest.raises(InvalidInputError, match="b-2"):  # the error lists what exists
        KnowledgeBase.open("甲库", root=root, settings=kb_settings)


@pytest.mark.parametrize("bad", ["../x", "a/b", "..", ".hidden", "", "a\\b", "x" * 65])
def test_kb_names_validated(kb_settings, tmp_path, bad):
    with pytest.raises(InvalidInputError, match="invalid knowledge-base name"):
        KnowledgeBase.create(bad, root=tmp_path, settings=kb_settings)
    assert not any(tmp_path.parent.glob("x"))


def test_default_root_is_settings_kb_root(kb_settings):
    kb = KnowledgeBase.create("dflt", settings=kb_settings)
    assert kb.folder == kb_settings.kb_root / "dflt"


def test_add_every_type_and_search_metadata(kb_factory, tmp_path):
    kb = kb_factory()
    (tmp_path / "law.txt").write_bytes(LAW_TEXT.encode("gbk"))
    page1 = "第一章 总则\n第一条 员工每年享有带薪年休假。\n" + "\n".join(f"第一条之{i} 年休假天数按工龄确定，不得折算为现金。" for i in range(1, 9))
    pdf = make_pdf(tmp_path / "rules.pdf", [page1, "第二条 加班工资按小时工资的百分之一百五十支付。"])
    docx = make_docx(tmp_path / "lease.docx", "押金条款", ["押金在租期届满后七日内退还。"], [["项目", "金额"], ["押金", "三千元"]])
    (tmp_path / "page.html").write_text("<h1>报销</h1><script>x()</script><p>差旅费报销须在三十日内提交发票。</p>", encoding="utf-8")
    ids = [kb.add_file(tmp_path / n) for n in ("law.txt", "rules.pdf", "lease.docx", "page.html")]
    assert len(set(ids)) == 4 and len(kb.documents()) == 4
    hit = kb.search("小时工资的百分之一百五十", k=1)[0]
    assert (hit.source, hit.page, hit.heading_path) == ("rules.pdf", 2, ("第一章 总则",))
    hit = kb.search("押金多久退还", k=1)[0]
    assert hit.source == "lease.docx" and hit.heading_path == ("押金条款",)
    assert kb.search("差旅费报销期限", k=1)[0].source == "page.html"
    hit = kb.search("试用期最长", k=1)[0]
    assert hit.source == "law.txt" and "试用期不得超过一个月" in hit.text
    assert hit.bm25_score > 0 and hit.chunk_id.startswith(hit.doc_id)
    assert kb.search("试用期最长", k=1, mode="dense")[0].dense_score > 0
    assert [c.ord for c in kb.chunks(ids[0])] == list(range(len(kb.chunks(ids[0]))))


def test_duplicate_upload_returns_existing_id(kb_factory, tmp_path):
    kb = kb_factory()
    a = tmp_path / "a.txt"
    b = tmp_path / "copy of a.txt"
    a.write_text(LAW_TEXT, encoding="utf-8")
    b.write_text(LAW_TEXT, encoding="utf-8")
    first = kb.ingest(a)
    again = kb.ingest(b)
    assert again.duplicate and again.doc_id == first.doc_id and "duplicate" in again.notes[0]
    assert len(kb.documents()) == 1 and len(list(kb.files_dir.iterdir())) == 1


def test_remove_and_incremental_add(kb_factory):
    kb = kb_factory()
    a, b = kb.add_texts(["第一条 押金在七日内退还。", "第一条 试用期不得超过六个月。"], [{"source": "a.txt"}, {"source": "b.txt"}])
    c = kb.add_texts(["第一条 经济补偿按工作年限计算。"], [{"source": "c.txt"}])[0]
    # the earlier documents stay searchable after an incremental add
    assert kb.search("押金退还", k=1)[0].doc_id == a
    assert kb.search("经济补偿", k=1)[0].doc_id == c
    kb.remove(b)
    assert all(h.doc_id != b for h in kb.search("试用期", k=5))
    assert {d.doc_id for d in kb.documents()} == {a, c}
    assert len(kb.store.index()) == sum(d.n_chunks for d in kb.documents())
    with pytest.raises(InvalidInputError, match="no such document"):
        kb.remove(b)
    # a second process opening the base sees the same state
    kb2 = KnowledgeBase.open(kb.name, root=kb.folder.parent, settings=kb.settings)
    assert kb2.repairs == [] and kb2.search("押金退还", k=1)[0].doc_id == a


def test_path_traversal_name_sanitised(kb_factory, tmp_path):
    kb = kb_factory()
    doc_id = kb.add_texts(["第一条 内容。"], [{"source": "../../../evil.txt"}])[0]
    info = kb.documents()[0]
    assert info.name == "evil.txt" and info.doc_id == doc_id
    stored = kb.files_dir / info.stored
    assert stored.is_file() and stored.resolve().parent == kb.files_dir.resolve()
    assert not (tmp_path / "evil.txt").exists() and not (kb.folder.parent / "evil.txt").exists()


def test_size_limit_from_settings(kb_factory, kb_settings, tmp_path):
    kb = kb_factory("lim", settings=with_overrides(kb_settings, max_upload_mb=1))
    p = tmp_path / "big.txt"
    p.write_bytes(("第一条 内容。\n" * 120_000).encode("utf-8"))
    with pytest.raises(DocumentError, match="limit"):
        kb.add_file(p)
    assert kb.documents() == []


def test_add_files_reports_bad_inputs_and_keeps_good(kb_factory, tmp_path):
    kb = kb_factory()
    good = tmp_path / "good.md"
    good.write_text("# 规则\n第一条 准时上班。", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    res = kb.add_files([good, empty, binary, tmp_path / "missing.pdf", tmp_path / "x.exe"])
    assert res[0].n_chunks == 1
    assert [getattr(r, "code", None) for r in res[1:]] == ["empty", "binary", "not_found", "unsupported"]
    assert [d.name for d in kb.documents()] == ["good.md"]


def test_parent_expansion(kb_factory):
    kb = kb_factory()
    long_section = "# 合同\n## 违约\n" + "".join(f"第{i}款 违约方应当承担违约责任并赔偿损失{i}。" * 3 + "\n" for i in range(1, 13))
    kb.add_texts([long_section], [{"source": "c.md"}])
    rows = kb.chunks(kb.documents()[0].doc_id)
    assert len(rows) > 2
    hit = kb.search("第5款 违约责任", k=1)[0]
    assert hit.expansion in {"section", "neighbors"} and hit.text in hit.context and len(hit.context) > len(hit.text)
    small = kb.search("第5款", k=1, expand=False)[0]
    assert small.expansion == "none" and small.context == small.text


def test_reranker_hook(small_kb):
    calls = []

    def reverse(query, chunks):
        calls.append(len(chunks))
        return [float(i) for i in range(len(chunks))]  # prefers the last candidate

    plain = small_kb.search("合同的期限", k=3)
    small_kb.reranker = reverse
    reranked = small_kb.search("合同的期限", k=3)
    assert calls and calls[0] >= 3
    assert reranked[0].score >= reranked[-1].score and reranked[0].chunk_id != plain[0].chunk_id


def test_search_filters_by_document(small_kb):
    law = next(d.doc_id for d in small_kb.documents() if d.name == "劳动合同法.txt")
    hits = small_kb.search("合同", k=5, doc_ids=[law])
    assert hits and all(h.doc_id == law for h in hits)


def test_empty_query_rejected(small_kb):
    with pytest.raises(InvalidInputError):
        small_kb.search("  ")


def test_query_expander_hook(small_kb):
    seen = []

    def expand(q):
        seen.append(q)
        return q + " 押金 退还"

    small_kb.expander = expand
    assert small_kb.search("钱什么时候给回来", k=1)[0].source == "租赁合同.md"
    assert seen == ["钱什么时候给回来"]
    small_kb.expander = None
    assert small_kb.search("押金", k=1)[0].source == "租赁合同.md"
