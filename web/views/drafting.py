"""文书起草: a form generated from the document schema, inline validation, preview, .docx / .md download."""

import tempfile
from pathlib import Path

import streamlit as st

from pipelines.legal.schemas.base import convert
from toolkit.i18n import draft_field_label, draft_kind_label
from web.common import get_drafter, guard, labels, lang, llm_spec, local, mark, quote, scroll_to_latest, t

st.header(t("nav.draft"))
drafter = get_drafter(llm_spec())
choices = [(s.name, None) for s in drafter.kinds()] + [(s.name, s.variant) for s in drafter.variants()]
pending = st.session_state.pop("try", None)
if pending and pending.get("page") == "draft":
    st.session_state["draft_kind"] = (pending["kind"], None)
kind, variant = st.selectbox(t("draft.kind"), choices, key="draft_kind",
                             format_func=labels(choices, lambda c: draft_kind_label(c[0], c[1], lang())))
schema = drafter.schema(kind, variant)
st.caption(schema.description if lang() == "zh" else t("draft.kind_help"))
prefix = f"draft_{kind}_{variant or ''}_"


def as_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(str(x) for x in value)
    return "" if value is None else str(value)


def label_of(f) -> str:
    return f.label if lang() == "zh" else draft_field_label(f.name, f.label)


if st.button(t("draft.example"), key="draft_example") or (pending and pending.get("page") == "draft"):
    example = drafter.example_fields(kind, variant)
    for f in schema.fields:
        st.session_state[prefix + f.name] = as_text(example.get(f.name))

fields: dict = {}
errors = 0
cols = st.columns(2)
for i, f in enumerate(schema.fields):
    label = label_of(f) + (" *" if f.required else "")
    long = f.type in ("text", "list")
    box = st if long else cols[i % 2]
    widget = box.text_area if long else box.text_input
    help_ = (f.help if lang() == "zh" else "") + (t("draft.one_per_line") if f.type == "list" else "")
    raw = widget(label, key=prefix + f.name, help=help_ or None)
    if raw.strip():
        fields[f.name] = raw
        try:
            convert(f, raw)
        except ValueError as e:  # inline validation: the message sits under the field
            box.error(f"{label_of(f)}: {local(str(e))}")
            errors += 1

if errors:
    st.warning(t("draft.invalid", n=errors))
st.caption(t("draft.required_hint"))
if st.button(t("draft.go"), type="primary", key="draft_go"):
    missing = [label_of(f) for f in schema.fields if f.required and not fields.get(f.name, "").strip()]
    if missing:  # named by their labels, as the form shows them
        st.error(t("draft.missing", fields="、".join(missing) if lang() == "zh" else ", ".join(missing)))
    else:
        with guard(), st.spinner(t("draft.working")):
            st.session_state["draft_doc"] = drafter.draft(kind, fields, variant)
            st.session_state["draft_scroll"] = True

doc = st.session_state.get("draft_doc")
if doc is not None and doc.kind == kind and doc.variant == variant:
    mark("draft_result")
    st.subheader(t("draft.result"), anchor=False)
    for w in doc.warnings:
        st.warning(local(w))
    name = doc.kind + (f"_{doc.variant}" if doc.variant else "")
    with tempfile.TemporaryDirectory() as tmp:
        docx_bytes = doc.save(Path(tmp) / "doc.docx").read_bytes()
    c1, c2 = st.columns(2)
    c1.download_button(t("draft.download_docx"), docx_bytes, file_name=f"{name}.docx", key="draft_dl_docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    c2.download_button(t("draft.download_md"), doc.markdown.encode("utf-8"), file_name=f"{name}.md",
                       mime="text/markdown", key="draft_dl_md")
    tab_prev, tab_src = st.tabs([t("draft.preview"), t("draft.source")])
    tab_prev.markdown(doc.markdown)
    tab_src.code(doc.markdown, language="markdown")
    if doc.citations:
        st.markdown(t("draft.cited"))
        for s in doc.citations:
            label = f"《{s.law_name}》{s.article_label}" if lang() == "zh" else t("law.cite", law=s.law_name, no=s.article_no)
            with st.expander(label):
                quote(s.text)
    if st.session_state.pop("draft_scroll", False):
        scroll_to_latest("draft_result")
