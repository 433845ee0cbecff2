"""Shared helpers for the Streamlit pages: language toggle, cached resources, error display, 平仄 grid.

Pages stay thin: they call ``pipelines`` and keep state in ``st.session_state``.
"""

from __future__ import annotations

import html
from contextlib import contextmanager

import streamlit as st

from toolkit.errors import HanlinError


def lang() -> str:
    return st.session_state.get("lang", "zh")


def t(zh: str, en: str) -> str:
    """Pick the UI string for the current language (Chinese by default)."""
    return en if lang() == "en" else zh


def language_toggle() -> None:
    st.sidebar.radio("语言 / Language", ["zh", "en"], key="lang", horizontal=True,
                     format_func=lambda v: "中文" if v == "zh" else "English")


@contextmanager
def guard():
    """Show Hanlin's own errors as a message on the page instead of a traceback."""
    try:
        yield
    except HanlinError as e:
        st.error(str(e))


def llm_spec() -> str | None:
    """The backend chosen on the model-settings page (None = the embedded default or HANLIN_LLM)."""
    return st.session_state.get("llm_spec") or None


def get_llm(spec: str | None):
    """The process-wide model for ``spec`` (one instance shared by every page and session)."""
    from pipelines.models import shared_llm

    return shared_llm(spec)


def get_poetry(spec: str | None):
    """The process-wide poetry pipeline for ``spec`` (its model, index and line set load lazily)."""
    from pipelines.poetry.shared import shared_pipeline

    return shared_pipeline(spec)


@st.cache_resource(show_spinner=False)
def get_statute_qa(spec: str | None):
    from pipelines.legal import StatuteQA

    return StatuteQA.from_settings(llm=get_llm(spec)) if spec else StatuteQA.from_settings()


@st.cache_resource(show_spinner=False)
def get_drafter(spec: str | None):
    from pipelines.legal import DocumentDrafter

    return DocumentDrafter.from_settings(llm=get_llm(spec)) if spec else DocumentDrafter.from_settings()


def get_registry():
    # Not cached: the registry reads the template files on each call, so edits show at once.
    from toolkit.prompts import PromptRegistry

    return PromptRegistry()


TONE_COLOURS = {"平": "#2e7d32", "仄": "#c62828", "中": "#f9a825"}


def tone_grid_html(lines: list[str], tones: list[list[str]], bad: set[tuple[int, int]] = frozenset()) -> str:
    """An HTML grid: one row per line, each character over its tone, violations outlined.

    Args:
        lines: the poem's lines (characters only).
        tones: per line per character 平/仄/中 (as in ``ProsodyReport.tones``).
        bad: (line, pos) pairs, 0-based, to outline in red.
    """
    rows = []
    for i, line in enumerate(lines):
        cells = []
        for j, ch in enumerate(line):
            tone = tones[i][j] if i < len(tones) and j < len(tones[i]) else "?"
            colour = TONE_COLOURS.get(tone, "#757575")
            border = "2px solid #d50000" if (i, j) in bad else "1px solid #ddd"
            cells.append(
                f'<td style="border:{border};padding:2px 6px;text-align:center">'
                f'<div style="font-size:1.4em">{html.escape(ch)}</div>'
                f'<div style="color:{colour};font-size:0.8em">{html.escape(tone)}</div></td>'
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table style="border-collapse:collapse;margin:4px 0">' + "".join(rows) + "</table>"


@st.cache_resource(show_spinner=False, max_entries=8)
def get_kb(root: str, name: str):
    """An open knowledge base (its index loaded once per server); ``get_kb.clear()`` after deleting one."""
    from pipelines.qa import KnowledgeBase

    return KnowledgeBase.open(name, root=root)


GEN_DEFAULTS = {"temperature": 0.8, "top_p": 0.95, "max_new_tokens": 128, "seed": 42}


def gen_params() -> dict:
    """The generation parameters set on the model-settings page (defaults until changed)."""
    return {k: st.session_state.get(f"gen_{k}", v) for k, v in GEN_DEFAULTS.items()}


def refuse_upload(name: str, size: int, max_mb: float) -> str | None:
    """Why an uploaded file is refused (path parts, unsupported type, too large), or None when it is fine."""
    if "/" in name or "\\" in name or name in ("", ".", "..") or any(ord(ch) < 32 for ch in name):
        return f"文件名含路径或非法字符 (unsafe file name, path parts refused): {name!r}"
    from pipelines.qa import DocumentError
    from pipelines.qa.loaders import kind_of

    try:
        kind_of(name)
    except DocumentError as e:
        return str(e)
    if size > max_mb * 1048576:
        return f"文件过大 (file too large): {name} {size / 1048576:.1f} MB > 上限 (limit) {max_mb:g} MB (max_upload_mb)"
    return None


def warm_poetry(spec: str | None):
    """Start (once per backend and process) loading the poetry model, index and line set in a background
    thread; ``hanlin web`` already starts it for the default backend at server start. Returns the
    :class:`~pipelines.poetry.shared.Warmup` (``.done``, ``.spent``, ``.error``)."""
    from pipelines.poetry.shared import start_warmup

    return start_warmup(spec)
