"""Start page: what Hanlin is, what each tool does, and one click-to-try example each.

A "try" button leaves the example in ``st.session_state["try"]`` and switches page; the target page
fills its inputs from it (before it creates its widgets) and runs the example at once.
"""

import streamlit as st

from web.common import t

# (page script, catalogue prefix, icon, example payload)
TOOLS = (
    ("views/poetry.py", "home.poetry", ":material/edit_note:", {"page": "poetry", "topic": "秋日登高", "form": "七律"}),
    ("views/law_qa.py", "home.law", ":material/gavel:", {"page": "law", "question": "被公司辞退没有补偿怎么办？"}),
    ("views/drafting.py", "home.draft", ":material/description:", {"page": "draft", "kind": "民事起诉状"}),
    ("views/kb.py", "home.kb", ":material/library_books:", {"page": "kb", "question": "押金什么时候退？"}),
    ("views/prompts.py", "home.prompts", ":material/text_snippet:", {"page": "prompts"}),
    ("views/model.py", "home.model", ":material/memory:", {"page": "model"}),
)

st.title(t("home.title"))
st.markdown(t("home.intro"))
cols = st.columns(2)
for i, (script, key, icon, example) in enumerate(TOOLS):
    with cols[i % 2].container(border=True):
        st.subheader(t(f"{key}.name"), anchor=False)
        st.markdown(t(f"{key}.what"))
        st.caption(t("home.example") + " " + t(f"{key}.example"))
        if st.button(t("home.try"), key=f"home_try_{example['page']}", icon=icon):
            st.session_state["try"] = example
            st.switch_page(script)
st.caption(t("home.footer"))
