"""翰林 Hanlin web UI. Run with ``hanlin web`` (or ``streamlit run web/app.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run web/app.py` puts web/ on sys.path, not the checkout: make the packages importable.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from web.common import language_toggle, t  # noqa: E402

st.set_page_config(page_title="翰林 Hanlin", page_icon="📜", layout="wide")
language_toggle()

PAGES = Path(__file__).parent / "pages"
nav = st.navigation(
    [
        st.Page(PAGES / "poetry.py", title=t("诗词创作", "Poetry"), icon="🖋️", url_path="poetry", default=True),
        st.Page(PAGES / "law_qa.py", title=t("法律问答", "Statute Q&A"), icon="⚖️", url_path="law"),
        st.Page(PAGES / "drafting.py", title=t("文书起草", "Legal drafting"), icon="📄", url_path="draft"),
        st.Page(PAGES / "kb.py", title=t("知识库", "Knowledge bases"), icon="📚", url_path="kb"),
        st.Page(PAGES / "prompts.py", title=t("提示词模板", "Prompt templates"), icon="📝", url_path="prompts"),
        st.Page(PAGES / "model.py", title=t("模型设置", "Model settings"), icon="🧠", url_path="model"),
    ]
)
st.sidebar.caption(t("翰林：诗词 · 法律 · 知识库问答，本地 MoE 模型", "Hanlin: poetry · law · document QA on a local MoE model"))
nav.run()
