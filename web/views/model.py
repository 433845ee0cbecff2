"""模型设置: backend choice, generation parameters (each explained), model facts in words, a test generation
that stays on the page, and the expert-routing heatmap of the latest generation."""

import re

import pandas as pd
import streamlit as st

from web.common import GEN_DEFAULTS, gen_params, get_llm, guard, labels, llm_spec, t

BACKENDS = ("embedded", "dir", "openai")
ENGINES = ("auto", "numpy", "transformers")
_CONTROL = re.compile(r"<[^<>\s]{1,8}>|‹[^‹>\s]{1,8}>")  # <bos> <七绝> <题> … as the tokenizer writes them


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


def plain(text: str) -> str:
    """Generated text without the model's control tokens."""
    return _CONTROL.sub("", text).strip()


def info_rows(info) -> list[dict]:
    """Model facts as (what, value, what it means) rows in the page's language."""
    def n(x):
        return None if not x else t("model.params_value", m=f"{x / 1e6:.2f}", n=f"{x:,}")

    attention = info.attention
    if attention and attention.startswith("MLA"):
        rank = re.search(r"kv_lora_rank=(\d+)", attention)
        attention = t("model.attn_mla", rank=rank.group(1) if rank else "?")
    elif attention:
        attention = t("model.attn_mha")
    backend = {"local (numpy)": t("model.backend_numpy"), "local (transformers)": t("model.backend_transformers")}.get(
        info.backend, t("model.backend_server"))
    values = {
        "name": info.name, "backend": backend, "architecture": info.architecture,
        "total_params": n(info.total_params), "active_params": n(info.active_params),
        "layers": info.layers, "moe_layers": info.moe_layers, "routed_experts": info.routed_experts,
        "experts_per_token": info.experts_per_token, "shared_experts": info.shared_experts, "attention": attention,
        "context_length": info.context_length, "vocab_size": info.vocab_size,
        "capable": t("model.capable_yes") if info.capable else t("model.capable_no"),
    }
    return [{t("model.col_field"): t(f"model.f.{k}"), t("model.col_value"): str(v), t("model.col_means"): t(f"model.h.{k}")}
            for k, v in values.items() if v is not None]


st.header(t("nav.model"))
st.subheader(t("model.backend"), anchor=False)
backend = st.radio(t("model.backend"), BACKENDS, key=persistent("llm_backend", "embedded"), horizontal=True,
                   format_func=labels(BACKENDS, lambda b: t(f"model.backend_{b}")), label_visibility="collapsed")
path = url = model = ""
if backend == "dir":
    path = st.text_input(t("model.dir"), key=persistent("llm_dir", ""))
elif backend == "openai":
    url = st.text_input(t("model.url"), key=persistent("llm_url", "http://127.0.0.1:8000/v1"))
    model = st.text_input(t("model.model_name"), key=persistent("llm_model", ""))
engine = "auto"
if backend != "openai":
    engine = st.radio(t("model.engine"), ENGINES, key=persistent("llm_engine", "auto"), horizontal=True,
                      format_func=labels(ENGINES, lambda e: t(f"model.engine_{e}")))
if st.button(t("model.apply"), key="llm_apply"):
    for k in ("llm_backend", "llm_dir", "llm_url", "llm_model", "llm_engine"):
        if f"w_{k}" in st.session_state:
            st.session_state[k] = st.session_state[f"w_{k}"]
    st.session_state["llm_spec"] = spec_for(backend, path, url, model, engine)
    st.session_state.pop("model_test", None)
st.caption(t("model.current", spec=f"`{llm_spec()}`" if llm_spec() else t("model.default")))

st.subheader(t("model.params"), anchor=False)
c1, c2, c3, c4 = st.columns(4)
values = {
    "temperature": c1.slider(t("model.temperature"), 0.0, 2.0, step=0.05, help=t("model.temperature_help"),
                             key=persistent("gen_temperature", GEN_DEFAULTS["temperature"])),
    "top_p": c2.slider(t("model.top_p"), 0.05, 1.0, step=0.05, help=t("model.top_p_help"),
                       key=persistent("gen_top_p", GEN_DEFAULTS["top_p"])),
    "max_new_tokens": c3.number_input(t("model.max_new_tokens"), 1, 8192, help=t("model.max_new_tokens_help"),
                                      key=persistent("gen_max_new_tokens", GEN_DEFAULTS["max_new_tokens"])),
    "seed": c4.number_input(t("model.seed"), 0, 2**31 - 1, help=t("model.seed_help"),
                            key=persistent("gen_seed", GEN_DEFAULTS["seed"])),
}
for k, v in values.items():
    st.session_state[f"gen_{k}"] = v
st.caption(t("model.params_where"))

llm = None
with guard(), st.spinner(t("model.loading")):
    llm = get_llm(llm_spec())
if llm is None:
    st.stop()

from toolkit.llm import model_info  # noqa: E402

with st.expander(t("model.info"), expanded=True), guard():
    rows = info_rows(model_info(llm))
    st.dataframe(rows, hide_index=True, use_container_width=True, height=35 * (len(rows) + 1) + 3)  # every row shown

st.subheader(t("model.try"), anchor=False)
st.caption(t("model.try_note"))
if llm.capable:
    prompt = st.text_area(t("model.prompt"), value=t("model.prompt_default"), key="llm_prompt")
else:  # the embedded poetry model continues a form and a title; its control tokens stay behind the scenes
    from toolkit.llm.embedded.format import KINDS, REGULATED_FORMS, build_prompt

    c1, c2 = st.columns(2)
    kind = c1.selectbox(t("model.kind"), list(REGULATED_FORMS), index=1, key="llm_kind")
    title = c2.text_input(t("model.title"), value="春夜", key="llm_title")
    prompt = build_prompt(kind if kind in KINDS else "七绝", title)
pending = st.session_state.pop("try", None)
trying = bool(pending and pending.get("page") == "model")  # the start page's example: generate, then trace
if st.button(t("model.generate"), key="llm_go", type="primary") or trying:
    with guard():
        out = st.write_stream(plain(piece) if not llm.capable else piece for piece in llm.stream(prompt, **gen_params()))
        text = plain(out if isinstance(out, str) else "".join(map(str, out)))
        st.session_state["model_test"] = text
        st.session_state["last_generation"] = text
        st.session_state["route_text"] = text  # the routing box below follows the latest generation
        st.session_state["route_now"] = trying
        st.rerun()
if st.session_state.get("model_test"):
    st.text(st.session_state["model_test"])

st.subheader(t("model.routing"), anchor=False)
st.caption(t("model.routing_help"))
if "route_text" not in st.session_state or st.session_state.get("route_seen") != st.session_state.get("last_generation"):
    # a poem made on the poetry page (or here) since the box was last filled
    st.session_state["route_text"] = st.session_state.get("last_generation") or t("model.route_sample")
    st.session_state["route_seen"] = st.session_state.get("last_generation")
text = st.text_area(t("model.route_text"), key="route_text")
if st.button(t("model.route_go"), key="route_go") or st.session_state.pop("route_now", False):
    if not text.strip():
        st.warning(t("model.route_empty"))
    else:
        from toolkit.llm.routing import routing

        with guard():
            st.session_state["route_trace"] = routing(llm, text)
tr = st.session_state.get("route_trace")
if tr is not None:
    shares = pd.DataFrame(tr.expert_shares(), index=[t("model.layer", n=li) for li in tr.layers],
                          columns=[t("model.expert", n=e) for e in range(tr.num_experts)])
    st.caption(t("model.shares", k=tr.top_k, n=len(tr.tokens)))
    st.dataframe(shares.style.background_gradient(cmap="Blues", axis=None).format("{:.2f}"))
    top1 = pd.DataFrame([[layer[0] for layer in tok] for tok in tr.expert_ids],
                        index=[f"{i}:{plain(tok) or '·'}" for i, tok in enumerate(tr.tokens)],
                        columns=[t("model.layer", n=li) for li in tr.layers])
    st.caption(t("model.top1"))
    st.dataframe(top1.style.background_gradient(cmap="tab20", axis=None, vmin=0, vmax=tr.num_experts - 1))
