"""法律问答: a chat over statutes (input pinned at the bottom, newest turn in view). Each answer shows
结论 / 怎么办 / 注意 once, then every cited article once, folded, with its check status and the operative
sentence highlighted; a citation checker for any pasted text sits in the sidebar."""

import streamlit as st

from web.common import get_statute_qa, guard, lang, llm_spec, local, mark, quote, scroll_to_latest, t

STATUS_ICON = {"ok": ":green[:material/check_circle:]", "no_such_article": ":red[:material/cancel:]",
               "unknown_law": ":orange[:material/help:]", "not_current": ":orange[:material/warning:]"}


def status_label(status: str) -> str:
    key = f"law.status.{status}" if status in STATUS_ICON else "law.status.unknown"
    return f"{STATUS_ICON.get(status, '•')} {t(key)}"


def cite(s) -> str:
    """《法名》第N条 / 《law》 Article N."""
    return f"《{s.law_name}》{s.article_label}" if lang() == "zh" else t("law.cite", law=s.law_name, no=s.article_no)


def show_citations(answer) -> None:
    """Each cited article once, folded: its name, whether it checked out, and its text inside (the sentence the
    answer rests on highlighted)."""
    checks = {(c.law_name, c.article_no): c for c in answer.checks}
    parts = answer.structured
    highlights = {(b.statute.law_name, b.statute.article_no): b.marked() for b in parts.basis} if parts else {}
    seen = set()
    for s in answer.citations:
        if (s.law_name, s.article_no) in seen:
            continue
        seen.add((s.law_name, s.article_no))
        c = checks.get((s.law_name, s.article_no))
        with st.expander(f"{cite(s)} · {status_label(c.status if c else 'ok')}"):
            body = highlights.get((s.law_name, s.article_no), s.text)  # the operative sentence in **bold**
            lines = ([s.chapter] if s.chapter else []) + body.splitlines()
            st.markdown("\n".join("> " + line.replace("#", "\\#") for line in lines))  # statute text, as written
    for c in answer.checks:
        if c.status != "ok" and (c.law_name, c.article_no) not in seen:
            st.warning(f"{status_label(c.status)}: 「{c.raw}」")


def show_turn(turn) -> None:
    with st.chat_message(turn["role"]):
        answer = turn.get("answer")
        if turn["role"] != "assistant":
            st.markdown(turn["content"])
        elif answer is not None and answer.structured is not None and lang() == "zh":
            st.markdown(answer.summary or answer.text)  # laid out by the legal_answer_layout template
        elif answer is not None and answer.structured is not None:
            # Headings and notices follow the page's language; the clauses and steps quote Chinese statutes
            # and procedure, so the answer is shown as written, marked as a quotation.
            st.caption(t("law.answer_in_chinese"))
            st.markdown("\n".join("> " + line for line in (answer.summary or answer.text).splitlines()))
        else:
            st.markdown(local(turn["content"]))
        if answer is not None:
            show_citations(answer)


def ask(question: str) -> None:
    chat = st.session_state["law_chat"]
    history = [{"role": x["role"], "content": x["content"]} for x in chat]
    chat.append({"role": "user", "content": question})
    with guard(), st.spinner(t("law.thinking")):
        answer = get_statute_qa(llm_spec()).ask(question, history=history, lang=lang())
        chat.append({"role": "assistant", "content": answer.text, "answer": answer})
        return
    chat.pop()  # the question failed: it stays in the box's history, not in the chat


st.header(t("nav.law"))
st.session_state.setdefault("law_chat", [])
pending = st.session_state.pop("try", None)

with st.sidebar:
    if st.button(t("chat.new"), key="law_new", icon=":material/add_comment:"):
        st.session_state["law_chat"] = []
    with st.expander(t("law.verify_title")):
        text = st.text_area(t("law.verify_label"), key="law_verify_text", placeholder=t("law.verify_placeholder"))
        go = st.button(t("law.verify_go"), key="law_verify_btn")
if go and not text.strip():
    st.warning(t("law.verify_empty"))
elif go:
    from toolkit.legal import verify_citations

    with guard():
        checks = verify_citations(text)
        st.subheader(t("law.verify_result"), anchor=False)
        if not checks:
            st.info(t("law.verify_none"))
        for c in checks:
            with st.expander(f"{status_label(c.status)} · 「{c.raw}」", expanded=c.status != "ok"):
                if c.law_name:
                    st.markdown(t("law.cite", law=c.law_name, no=c.article_no))
                if c.article_text:
                    quote(c.article_text)

if not st.session_state["law_chat"]:
    st.caption(t("law.intro"))
question = st.chat_input(t("law.placeholder"), key="law_q")
if pending and pending.get("page") == "law":
    question = pending["question"]
for turn in st.session_state["law_chat"]:
    show_turn(turn)
if question:
    mark("latest")  # the new question's top: the answer below it starts in view
    show_turn({"role": "user", "content": question})
    before = len(st.session_state["law_chat"])
    ask(question)
    for turn in st.session_state["law_chat"][before + 1:]:
        show_turn(turn)
    scroll_to_latest("latest")
