"""法律问答: a conversation over statutes; each answer shows 结论 / 怎么办 / 注意 once, then every cited
article once, collapsed, with its check status."""

import streamlit as st

from web.common import get_statute_qa, guard, lang, llm_spec, t

STATUS = {
    "ok": (":green[:material/check_circle:]", "已核验：现行有效", "verified, in force"),
    "no_such_article": (":red[:material/cancel:]", "该法没有这一条", "no such article"),
    "unknown_law": (":orange[:material/help:]", "未知的法律", "unknown law"),
    "not_current": (":orange[:material/warning:]", "已失效", "no longer in force"),
}


def status_label(status: str) -> str:
    icon, zh, en = STATUS.get(status, ("•", status, status))
    return f"{icon} {t(zh, en)}"


def show_answer(answer) -> None:
    """The answer once: 结论 / 怎么办 / 注意 as text, then each cited article once, collapsed, with its check."""
    st.markdown(answer.summary or answer.text)
    parts = answer.structured
    if parts is None:
        return
    checks = {(c.law_name, c.article_no): c for c in answer.checks or []}
    highlights = {(b.statute.law_name, b.statute.article_no): b.marked() for b in parts.basis}
    if answer.citations:
        st.markdown(f"**{t('依据', 'Basis')}**")
    for s in answer.citations:
        c = checks.get((s.law_name, s.article_no))
        label = status_label(c.status) if c else status_label("ok")
        with st.expander(f"《{s.law_name}》{s.article_label} · {label}"):
            st.markdown(highlights.get((s.law_name, s.article_no), s.text).replace("\n", "  \n"))
            if s.chapter:
                st.caption(s.chapter)
    for c in (c for c in answer.checks or [] if not c.ok):
        st.warning(f"{status_label(c.status)}: {c.raw}")


st.header(t("法律问答", "Statute Q&A"))
tab_chat, tab_verify = st.tabs([t("咨询", "Ask"), t("引用核验", "Check citations")])

with tab_chat:
    st.session_state.setdefault("law_chat", [])
    if st.button(t("新对话", "New conversation"), key="law_new"):
        st.session_state["law_chat"] = []
    for turn in st.session_state["law_chat"]:
        with st.chat_message(turn["role"]):
            if turn.get("answer") is not None:
                show_answer(turn["answer"])
            else:
                st.markdown(turn["content"])
    question = st.chat_input(t("请描述你的法律问题，例如：被公司辞退没有补偿怎么办？", "Describe your legal question"), key="law_q")
    if question:
        history = [{"role": x["role"], "content": x["content"]} for x in st.session_state["law_chat"]]
        with st.chat_message("user"):
            st.markdown(question)
        with guard(), st.spinner(t("检索法条并核验引用…", "Retrieving and verifying…")):
            answer = get_statute_qa(llm_spec()).ask(question, history=history, lang=lang())
            st.session_state["law_chat"].append({"role": "user", "content": question})
            st.session_state["law_chat"].append({"role": "assistant", "content": answer.text, "answer": answer})
            with st.chat_message("assistant"):
                show_answer(answer)

with tab_verify:
    text = st.text_area(t("粘贴含法条引用的文字", "Paste text that cites statutes"), key="law_verify_text",
                        placeholder="依据《民法典》第1165条、合同法第52条……")
    if st.button(t("核验", "Verify"), key="law_verify_btn") and text.strip():
        from toolkit.legal import verify_citations

        with guard():
            checks = verify_citations(text)
            if not checks:
                st.info(t("没有找到法条引用", "No statute citations found"))
            for c in checks:
                title = f"{status_label(c.status)} · {c.raw}"
                with st.expander(title, expanded=c.status != "ok"):
                    if c.law_name:
                        st.markdown(f"**{c.law_name}** {t('第', 'art. ')}{c.article_no}{t('条', '')}")
                    msg = getattr(c, "message", "")
                    if msg:
                        st.caption(msg)
                    if c.article_text:
                        st.write(c.article_text)
