"""Shared helpers for the Streamlit pages: language, cached resources, error display, 平仄 grid, chat scroll.

Pages stay thin: they call ``pipelines`` and keep state in ``st.session_state``. Every string a page shows
comes from the message catalogue (:mod:`toolkit.i18n`) through :func:`t`.
"""

from __future__ import annotations

import html
import logging
import re
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import RerunException, StopException

from toolkit import i18n
from toolkit.errors import BackendError, DataMissingError, HanlinError, InvalidInputError

log = logging.getLogger(__name__)


def lang() -> str:
    return st.session_state.get("lang") or i18n.env_lang()


def t(key: str, en: str | None = None, **fmt) -> str:
    """The catalogue text for ``key`` in the sidebar's language.

    ``t(zh, en)`` with two literal strings is still accepted for pages written before the catalogue.
    """
    if en is not None:
        return en if lang() == "en" else key
    return i18n.msg(key, lang(), **fmt)


def language_toggle() -> None:
    # The default follows HANLIN_LANG, like the CLI; the label is the one line shown in both languages,
    # because it is how a user who cannot read the current one finds the other.
    st.session_state.setdefault("lang", i18n.env_lang())
    st.sidebar.radio("语言 · Language", list(i18n.LANGS), key="lang", horizontal=True,
                     format_func=lambda v: "中文" if v == "zh" else "English")


def local(text: str) -> str:
    """A pipeline's bilingual message (``中文 (English)``) in the page's language only; English mode falls
    back to the message's first English gloss when some of its Chinese words have none."""
    said = i18n.localise(text, lang())
    if said:
        return said
    found = i18n.glosses(text)  # English mode, Chinese words left over: the message's own English key terms
    return found[0][:1].upper() + found[0][1:] if found else text


_INTERNAL = re.compile(r"\b[A-Z]\w*(?:Error|Exception)\b|\[Errno|Traceback")
ERROR_KEYS = ((InvalidInputError, "error.invalid"), (DataMissingError, "error.data_missing"),
              (BackendError, "error.backend"), (HanlinError, "error.generic"))


def show_error(e: BaseException) -> None:
    """What went wrong and what to do, in the page's language; the raw message sits in a details expander."""
    raw = str(e)
    if isinstance(e, HanlinError):
        key = next(k for cls, k in ERROR_KEYS if isinstance(e, cls))
        said = i18n.localise(raw, lang())
        if said and lang() == "zh" and not i18n.looks_chinese(said):
            said = None
        inner = _INTERNAL.search(said or "")
        if inner:  # a library's words inside our message (ConnectError: [Errno 111] …): keep what we said
            said = said[: inner.start()].rstrip(" :：,，;；") + ("。" if lang() == "zh" else ". ") + t(key)
        st.error(said or t(key))
        if said != raw.strip():
            with st.expander(t("common.details")):
                st.text(raw)
    else:  # a library's own failure (a refused connection, a broken file): never its class name on screen
        log.exception("unexpected error in the web UI")
        st.error(t("error.unexpected"))
        with st.expander(t("common.details")):
            st.text(raw or t("error.no_details"))


@contextmanager
def guard():
    """Show errors as a message on the page (with details folded away) instead of a traceback."""
    try:
        yield
    except (RerunException, StopException):  # st.rerun()/st.stop() inside a guarded block
        raise
    except Exception as e:  # noqa: BLE001 - the page must stay usable whatever a backend raises
        show_error(e)


def scroll_to_latest(anchor: str = "latest") -> None:
    """Bring the element marked ``anchor`` (see :func:`mark`) into view after this run has rendered.

    Streamlit keeps the scroll position across reruns, so a new chat turn or a drafted document would
    otherwise appear below the fold. The script runs in a zero-height component frame of the same origin.
    """
    import streamlit.components.v1 as components

    n = st.session_state.get("_scroll_n", 0) + 1
    st.session_state["_scroll_n"] = n  # a new frame each time, so the browser runs the script again
    components.html(
        f"""<script>/* {n} */
        const doc = window.parent.document;
        // Streamlit keeps a chat stuck to the bottom while the answer's parts render; scroll a few more times
        // so the new turn's start wins, then leave the reader alone.
        for (const ms of [50, 250, 600, 1200, 2000, 3000]) {{
          setTimeout(() => {{
            const el = doc.getElementById({anchor!r});
            if (el) el.scrollIntoView({{block: "start", behavior: "instant"}});
          }}, ms);
        }}
        </script>""",
        height=0,
    )


def quote(text: str) -> None:
    """Source text (a statute, a document passage) as a block quote: shown as written, in any UI language."""
    st.markdown("\n".join("> " + line.replace("*", "\\*").replace("#", "\\#") for line in text.splitlines() or [""]))


def mark(anchor: str = "latest") -> None:
    """An invisible anchor for :func:`scroll_to_latest`."""
    st.html(f'<div id="{html.escape(anchor)}"></div>')


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
        return t("kb.unsafe_name", name=name)
    from pipelines.qa import DocumentError
    from pipelines.qa.loaders import kind_of

    try:
        kind_of(name)
    except DocumentError:
        return t("kb.unsupported", name=name)
    if size > max_mb * 1048576:
        return t("kb.too_large", name=name, size=f"{size / 1048576:.1f}", limit=f"{max_mb:g}")
    return None


def warm_poetry(spec: str | None):
    """Start (once per backend and process) loading the poetry model, index and line set in a background
    thread; ``hanlin web`` already starts it for the default backend at server start. Returns the
    :class:`~pipelines.poetry.shared.Warmup` (``.done``, ``.spent``, ``.error``)."""
    from pipelines.poetry.shared import start_warmup

    return start_warmup(spec)


def tone_legend_html() -> str:
    """The key to :func:`tone_grid_html`: what each colour and the red outline mean."""
    items = [(TONE_COLOURS[k], k, t(f"poetry.legend_{name}")) for k, name in (("平", "ping"), ("仄", "ze"), ("中", "zhong"))]
    parts = [f'<span style="margin-right:1.2em"><b style="color:{c}">{html.escape(k)}</b> {html.escape(label)}</span>'
             for c, k, label in items]
    parts.append(f'<span><span style="display:inline-block;width:1em;height:1em;border:2px solid #d50000;'
                 f'vertical-align:middle"></span> {html.escape(t("poetry.legend_bad"))}</span>')
    return f'<div style="font-size:0.85em;margin:2px 0 8px">{"".join(parts)}</div>'


def labels(options, fn):
    """A ``format_func`` with each option's label worked out now, in this run's language (Streamlit may call
    a format function later, outside the run that chose the language)."""
    table = {o: fn(o) for o in options}
    return lambda o: table.get(o, str(o))
