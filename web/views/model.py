"""模型设置: backend choice, generation parameters, model info, a test generation and its expert-routing heatmap."""

import pandas as pd
import streamlit as st

from web.common import GEN_DEFAULTS, gen_params, get_llm, guard, llm_spec, t

BACKENDS = {"embedded": ("内置模型 hanlin-moe-mini", "Embedded hanlin-moe-mini"),
            "dir": ("本地检查点目录", "Local checkpoint directory"),
            "openai": ("OpenAI 兼容服务 URL", "OpenAI-compatible URL")}


ENGINES = {"auto": ("自动（能用 NumPy 则用）", "Auto (NumPy when it can)"),
           "numpy": ("NumPy（免 torch，启动快）", "NumPy (no torch, fast start)"),
           "transformers": ("transformers + torch", "transformers + torch")}


def spec_for(backend: str, path: str, url: str, model: str, engine: str = "auto") -> str | None:
    """The ``load_llm`` spec for the chosen backend (None = the embedded default with the default engine)."""
    prefix = "" if engine == "auto" else f"{engine}:"
    if backend == "dir":
        return (prefix + path.strip()) if path.strip() else None
    if backend == "embedded":
        return prefix or None
    if backend == "openai":
        return f"openai:{url.strip()}" + (f"#{model.strip()}" if model.strip() else "") if url.strip() else None
    return None


def persistent(key: str, default):
    """Seed a widget key from a value that survives page switches (Streamlit drops unrendered widget state)."""
    if f"w_{key}" not in st.session_state:
        st.session_state[f"w_{key}"] = st.session_state.get(key, default)
    return f"w_{key}"


st.header(t("模型设置", "Model settings"))
st.subheader(t("后端", "Backend"))
backend = st.radio(t("后端", "Backend"), list(BACKENDS), key=persistent("llm_backend", "embedded"), horizontal=True,
                   format_func=lambda b: t(*BACKENDS[b]), label_visibility="collapsed")
path = url = model = ""
if backend == "dir":
    path = st.text_input(t("检查点目录", "Checkpoint directory"), key=persistent("llm_dir", ""))
elif backend == "openai":
    url = st.text_input("Base URL", key=persistent("llm_url", "http://127.0.0.1:8000/v1"))
    model = st.text_input(t("模型名", "Model name"), key=persistent("llm_model", ""))
engine = "auto"
if backend != "openai":
    engine = st.radio(t("推理引擎", "Engine"), list(ENGINES), key=persistent("llm_engine", "auto"), horizontal=True,
                      format_func=lambda e: t(*ENGINES[e]))
if st.button(t("应用", "Apply"), key="llm_apply"):
    for k in ("llm_backend", "llm_dir", "llm_url", "llm_model", "llm_engine"):
        if f"w_{k}" in st.session_state:
            st.session_state[k] = st.session_state[f"w_{k}"]
    st.session_state["llm_spec"] = spec_for(backend, path, url, model, engine)
st.caption(f"{t('当前', 'Current')}: `{llm_spec() or t('内置默认模型', 'embedded default')}`")

st.subheader(t("生成参数", "Generation parameters"))
c1, c2, c3, c4 = st.columns(4)
values = {
    "temperature": c1.slider("temperature", 0.0, 2.0, step=0.05, key=persistent("gen_temperature", GEN_DEFAULTS["temperature"])),
    "top_p": c2.slider("top_p", 0.05, 1.0, step=0.05, key=persistent("gen_top_p", GEN_DEFAULTS["top_p"])),
    "max_new_tokens": c3.number_input("max_new_tokens", 1, 8192, key=persistent("gen_max_new_tokens", GEN_DEFAULTS["max_new_tokens"])),
    "seed": c4.number_input("seed", 0, 2**31 - 1, key=persistent("gen_seed", GEN_DEFAULTS["seed"])),
}
for k, v in values.items():
    st.session_state[f"gen_{k}"] = v

llm = None
with guard(), st.spinner(t("加载模型…", "Loading the model…")):
    llm = get_llm(llm_spec())
if llm is None:
    st.stop()

from toolkit.llm import model_info  # noqa: E402

with st.expander(t("模型信息", "Model info"), expanded=True), guard():
    st.text("\n".join(model_info(llm).lines()))

st.subheader(t("试生成", "Try a generation"))
if llm.capable:
    default_prompt = "请写一首关于春天的七言绝句。"
else:
    from toolkit.llm.embedded.format import build_prompt

    default_prompt = build_prompt("七绝", "春夜")
prompt = st.text_area(t("提示", "Prompt"), value=default_prompt, key="llm_prompt")
if st.button(t("生成", "Generate"), key="llm_go", type="primary"):
    with guard():
        st.session_state["last_generation"] = prompt + st.write_stream(llm.stream(prompt, **gen_params()))

st.subheader(t("专家路由热图", "Expert-routing heatmap"))
text = st.text_area(t("文本（默认为最近一次生成）", "Text (default: the last generation)"),
                    value=st.session_state.get("last_generation", "床前明月光，疑是地上霜。"), key="route_text")
if st.button(t("分析路由", "Trace routing"), key="route_go") and text.strip():
    from toolkit.llm.routing import routing

    with guard():
        tr = routing(llm, text)
        shares = pd.DataFrame(tr.expert_shares(), index=[f"L{li}" for li in tr.layers],
                              columns=[f"E{e}" for e in range(tr.num_experts)])
        st.caption(t(f"每层各专家所占份额（top-{tr.top_k}，{len(tr.tokens)} 个 token）",
                     f"Share of routed assignments per layer (top-{tr.top_k}, {len(tr.tokens)} tokens)"))
        st.dataframe(shares.style.background_gradient(cmap="Blues", axis=None).format("{:.2f}"))
        top1 = pd.DataFrame([[layer[0] for layer in tok] for tok in tr.expert_ids],
                            index=[f"{i}:{tok}" for i, tok in enumerate(tr.tokens)],
                            columns=[f"L{li}" for li in tr.layers])
        st.caption(t("每个 token 的首选专家", "Top-1 expert per token"))
        st.dataframe(top1.style.background_gradient(cmap="tab20", axis=None, vmin=0, vmax=tr.num_experts - 1))
