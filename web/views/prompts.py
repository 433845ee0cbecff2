"""提示词模板: list by task, who uses each template, edit with live validation, preview the change on a
sample, save (with history), diff, reset."""

import json

import streamlit as st

from pipelines.prompt_uses import MODES, SAMPLES, USES
from toolkit.errors import HanlinError
from toolkit import i18n
from toolkit.prompts import render_template
from web.common import get_registry, guard, labels, local, t


def task_label(task: str) -> str:
    """The task a template serves, in words (the registry's task ids are internal)."""
    return t(f"prompts.task.{task}") if i18n.has(f"prompts.task.{task}") else task


def template_label(name: str) -> str:
    return t(f"prompts.name.{name}") if i18n.has(f"prompts.name.{name}") else name

st.header(t("nav.prompts"))
reg = get_registry()
tasks = sorted({reg.get(n).task for n in reg.names()})
pending = st.session_state.pop("try", None)
if pending and pending.get("page") == "prompts" and "poem_generate" in reg.names():  # the start page's example
    st.session_state["pt_task"], st.session_state["pt_name"] = reg.get("poem_generate").task, "poem_generate"
task = st.selectbox(t("任务", "Task"), tasks, key="pt_task", format_func=labels(tasks, task_label))
names = reg.names(task=task)
name = st.selectbox(t("模板", "Template"), names, key="pt_name", format_func=labels(names, template_label))
tpl = reg.get(name)
about = t(f"prompts.desc.{name}") if i18n.has(f"prompts.desc.{name}") else tpl.description
source = t("prompts.builtin") if tpl.source == "builtin" else t("prompts.edited")
st.caption(f"{about} · {t('版本', 'version')} {tpl.version} · {source}")

uses = USES.get(name, ())
for u in uses:
    role = (t("其输出即用户看到的文本", "its output is the text the user sees") if u.role == "shows"
            else t("它是发给模型的提示", "it is the prompt sent to the model"))
    st.markdown(f"**{t('使用者', 'Used by')}**: {task_label(u.pipeline)} · {t('模式', 'mode')}: {t(*MODES[u.mode])} · {role} — "
                f"{t(*u.what)}")
if not uses:
    st.warning(t("目前没有流水线使用这个模板，修改不会改变任何输出。",
                 "No pipeline renders this template: editing it changes no output."))
elif all(u.mode == "capable" for u in uses):
    st.info(t("只有配置了可执行指令的模型（模型设置页）时才会用到；内置诗词模型下修改它不会改变回答。",
              "Used only with an instruction-following model (model settings page); with the embedded "
              "poetry model an edit does not change the answers."))

# The editor's text is keyed by template so switching templates never loses an unsaved edit.
key = f"pt_text_{name}"
if key not in st.session_state:
    st.session_state[key] = tpl.text
text = st.text_area(t("模板内容（YAML 头部 + Jinja2）", "Template (YAML front matter + Jinja2)"), key=key, height=360)

valid = None
try:
    valid = reg.validate(name, text)
    st.success(t("模板有效", "Template is valid") + f" · {t('变量', 'variables')}: {', '.join(f'`{v}`' for v in valid.variables) or '-'}")
except HanlinError as e:
    st.error(t("模板无效，保存将被拒绝：", "Invalid template, saving is refused: ") + local(str(e)))

with st.expander(t("预览：示例输入下修改前后的输出", "Preview: the output on a sample, before and after the edit"),
                 expanded=text != tpl.text):
    sample_key = f"pt_sample_{name}"
    if sample_key not in st.session_state:
        default = SAMPLES.get(name) or {v: f"<{v}>" for v in tpl.input_variables}
        st.session_state[sample_key] = json.dumps(default, ensure_ascii=False, indent=1)
    sample = st.text_area(t("示例变量（JSON）", "Sample variables (JSON)"), key=sample_key, height=120)
    try:
        variables = json.loads(sample or "{}")
        before, after = st.columns(2)
        before.caption(t("当前保存的版本", "Saved version"))
        before.code(render_template(tpl, variables), language="markdown")
        after.caption(t("编辑后", "After the edit"))
        if valid is not None:
            after.code(render_template(valid, variables), language="markdown")
    except json.JSONDecodeError as e:
        st.warning(t("示例变量不是合法 JSON：", "Sample variables are not valid JSON: ") + str(e))
    except HanlinError as e:
        st.warning(str(e))

c1, c2, c3 = st.columns(3)
if c1.button(t("保存", "Save"), key="pt_save", disabled=valid is None):
    with guard():
        reg.save(name, text)
        st.success(t("已保存（旧版本已存入历史）", "Saved (the previous version is kept in history)"))
if c2.button(t("重置为默认", "Reset to default"), key="pt_reset"):
    with guard():
        if reg.reset(name):
            st.session_state.pop(key, None)
            st.rerun()
        else:
            st.info(t("当前已是默认版本", "Already the default"))
show_diff = c3.toggle(t("与默认版本对比", "Diff against default"), key="pt_diff")
if show_diff:
    d = reg.diff(name)
    st.code(d or t("（与默认版本相同）", "(same as the default)"), language="diff")

hist = reg.history(name)
if hist:
    with st.expander(t(f"历史版本（{len(hist)}）", f"History ({len(hist)})")):
        for h in reversed(hist):
            st.markdown(f"**{h.timestamp}**")
            st.code(h.text(), language="markdown")
