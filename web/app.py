"""翰林 Hanlin web UI. Run with ``hanlin web`` (or ``streamlit run web/app.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run web/app.py` puts web/ on sys.path, not the checkout: make the packages importable.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from web.common import language_toggle, llm_spec, t, warm_poetry  # noqa: E402

st.set_page_config(page_title="翰林 Hanlin", page_icon="📜", layout="wide")
language_toggle()

# Page scripts live in web/views/, not web/pages/: a pages/ folder beside the entry script makes Streamlit
# run its first session in the legacy pages-folder mode, where direct page URLs show "Page not found".
VIEWS = Path(__file__).resolve().parent / "views"
# (file stem, url path, catalogue key of the title, icon); the first is the start page, served at /.
# Material icons ship with Streamlit's frontend, so they render without an emoji font on the user's machine.
PAGES = (
    ("home", "home", "nav.home", ":material/home:"),
    ("poetry", "poetry", "nav.poetry", ":material/edit_note:"),
    ("law_qa", "law", "nav.law", ":material/gavel:"),
    ("drafting", "draft", "nav.draft", ":material/description:"),
    ("kb", "kb", "nav.kb", ":material/library_books:"),
    ("prompts", "prompts", "nav.prompts", ":material/text_snippet:"),
    ("model", "model", "nav.model", ":material/memory:"),
)


def pages() -> list:
    """The navigation pages, plus hidden aliases so that direct URLs work by file name too (/law_qa as well
    as /law) and for the start page (/home as well as /)."""
    out, aliases = [], []
    for i, (stem, url, key, icon) in enumerate(PAGES):
        script, title = VIEWS / f"{stem}.py", t(key)
        # The default page is served at /; its own url_path only names it, so /home needs a hidden alias.
        out.append(st.Page(script, title=title, icon=icon, url_path="start" if i == 0 else url, default=i == 0))
        for alias in dict.fromkeys(a for a in (url, stem) if i == 0 or a != url):
            aliases.append(st.Page(script, title=title, icon=icon, url_path=alias, visibility="hidden"))
    return out + aliases


nav = st.navigation(pages())
st.sidebar.caption(t("app.tagline"))
nav.run()
# After the page has rendered: start loading the poetry model in the background (once per process;
# `hanlin web` already started it at server start), so the first poem does not wait for it.
warm_poetry(llm_spec())
