"""文书起草: a form generated from the document schema, inline validation, preview, .docx / .md download."""

import tempfile
from pathlib import Path

import streamlit as st

from pipelines.legal.schemas.base import convert
from web.common import get_drafter, guard, llm_spec, t

st.header(t("文书起草", "Legal drafting"))
drafter = get_drafter(llm_spec())
choices = [(s.name, None) for s in drafter.kinds()] + [(s.name, s.variant) for s in drafter.variants()]
kind, variant = st.selectbox(t("文书类型", "Document kind"), choices, key="draft_kind",
                             format_func=lambda c: f"{c[0]}（{c[1]}）" if c[1] else c[0])
schema = drafter.schema(kind, variant)
st.caption(schema.description)
prefix = f"draft_{kind}_{variant or ''}_"


def as_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(str(x) for x in value)
    return "" if value is None else str(value)


if st.button(t("填入示例", "Fill in the example"), key="draft_example"):
    example = drafter.example_fields(kind, variant)
    for f in schema.fields:
        st.session_state[prefix + f.name] = as_text(example.get(f.name))

fields: dict = {}
errors = 0
cols = st.columns(2)
for i, f in enumerate(schema.fields):
    label = f.label + (" *" if f.required else "")
    long = f.type in ("text", "list")
    box = st if long else cols[i % 2]
    widget = box.text_area if long else box.text_input
    help_ = f.help + (t("（每行一项）", " (one item per line)") if f.type == "list" else "")
    raw = widget(label, key=prefix + f.name, help=help_ or None)
    if raw.strip():
        fields[f.name] = raw
        try:
            convert(f, raw)
        except ValueError as e:  # inline validation: the message sits under the field
            box.error(f"{f.label}: {e}")
            errors += 1

if errors:
    st.warning(t(f"有 {errors} 个字段无效，请先修改", f"{errors} field(s) are invalid"))
if st.button(t("生成文书", "Draft"), type="primary", key="draft_go"):
    with guard(), st.spinner(t("检索法条并起草…", "Finding statutes and drafting…")):
        st.session_state["draft_doc"] = drafter.draft(kind, fields, variant)

doc = st.session_state.get("draft_doc")
if doc is not None and doc.kind == kind and doc.variant == variant:
    for w in doc.warnings:
        st.warning(w)
    tab_prev, tab_src = st.tabs([t("预览", "Preview"), "Markdown"])
    tab_prev.markdown(doc.markdown)
    tab_src.code(doc.markdown, language="markdown")
    name = doc.kind + (f"_{doc.variant}" if doc.variant else "")
    with tempfile.TemporaryDirectory() as tmp:
        docx_bytes = doc.save(Path(tmp) / "doc.docx").read_bytes()
    c1, c2 = st.columns(2)
    c1.download_button(t("下载 .docx", "Download .docx"), docx_bytes, file_name=f"{name}.docx", key="draft_dl_docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    c2.download_button(t("下载 .md", "Download .md"), doc.markdown.encode("utf-8"), file_name=f"{name}.md",
                       mime="text/markdown", key="draft_dl_md")
    if doc.citations:
        st.markdown(t("**引用法条**", "**Cited statutes**"))
        for s in doc.citations:
            with st.expander(f"《{s.law_name}》{s.article_label}"):
                st.write(s.text)
