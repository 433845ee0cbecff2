"""诗词创作: generate poems (平仄 grid, violations, inspiring poems), check a pasted poem, search the corpus."""

import re
import time

import streamlit as st

from toolkit import prosody
from web.common import get_poetry, guard, llm_spec, t, tone_grid_html, warm_poetry

MISSING = "诗词生成模块尚未安装 (pipelines.poetry is not available): "


def show_report(lines, report) -> None:
    """The coloured 平仄 grid with violations outlined, then the violation list."""
    violations = list(getattr(report, "violations", []) or [])
    bad = {(v.line, v.pos) for v in violations if getattr(v, "severity", "error") == "error" and v.pos >= 0}
    st.html(tone_grid_html(list(lines), list(report.tones), bad))
    summary = [f"{t('体裁', 'form')}: {report.form or '—'}"]
    if getattr(report, "rhyme_group", None):
        summary.append(f"{t('韵部', 'rhyme group')}: {report.rhyme_group}")
    if getattr(report, "template", None):
        summary.append(str(report.template))
    st.caption(" · ".join(summary))
    if not violations:
        st.success(t("合律，无违例", "No violations"))
    for v in violations:
        where = f"{t('第', 'line ')}{v.line + 1}{t('句', '')}" + (f" {t('第', 'pos ')}{v.pos + 1}{t('字', '')}" if v.pos >= 0 else "")
        (st.error if getattr(v, "severity", "error") == "error" else st.info)(f"{where} · {v.kind}: {v.message}")


def show_record(rec) -> None:
    head = " · ".join(str(x) for x in (getattr(rec, "dynasty", None), getattr(rec, "author", None)) if x)
    st.markdown(f"**{getattr(rec, 'title', '')}**  {head}")
    st.text(getattr(rec, "text", None) or getattr(rec, "snippet", ""))


def show_score(poem) -> None:
    """The rerank score, term by term, in words."""
    parts = getattr(poem, "score_parts", ()) or ()
    if parts:
        st.markdown("  \n".join(f"`{p.points:+.2f}` {p.explanation}" for p in parts))


def plan_editor(plan: dict | None, form: str) -> dict | None:
    """The plan of the last "plan first" as editable fields; returns the edited plan (None: no plan, or it
    was made for another form)."""
    if not plan or plan.get("form") != form:
        return None
    from pipelines.poetry.plan import ARC, SEASONS, TIMES

    aims = {r: f"{a} ({e})" for r, a, e in ARC}
    with st.container(border=True):
        st.markdown(t("**计划**（可改：每句关键词、季节、时辰；清空关键词则该句不限）",
                      "**Plan** (editable: keyword per line, season, time of day; clear a keyword to free its line)"))
        c1, c2 = st.columns(2)
        season = c1.selectbox(t("季节", "Season"), [""] + list(SEASONS), key="plan_season",
                              index=([""] + list(SEASONS)).index(plan.get("season") or ""),
                              format_func=lambda x: x or t("不限", "open"))
        tod = c2.selectbox(t("时辰", "Time of day"), [""] + list(TIMES), key="plan_time",
                           index=([""] + list(TIMES)).index(plan.get("time_of_day") or ""),
                           format_func=lambda x: x or t("不限", "open"))
        lines = []
        for i, lp in enumerate(plan["lines"]):
            kw = st.text_input(f"{t('第', 'Line ')}{i + 1}{t('句', '')} · {lp['role']} · {aims.get(lp['role'], '')}",
                               value=lp.get("keyword") or "", key=f"plan_kw_{i}", help=lp.get("why") or None)
            lines.append({**lp, "keyword": kw.strip() or None,
                          "slot": lp.get("slot") if kw.strip() == (lp.get("keyword") or "") else None})
        st.caption(f"{t('模板', 'template')}: {plan['template']} · {t('韵部', 'rhyme')}: {plan['rhyme_group']}")
        for note in plan.get("notes", ()):
            st.caption(note)
        if st.button(t("不用计划", "Discard plan"), key="plan_discard"):
            st.session_state.pop("poem_plan", None)
            st.rerun()
    return {**plan, "season": season or None, "time_of_day": tod or None, "lines": lines}


def pipeline():
    """The shared poetry pipeline (its loading starts in the background at server start or first view)."""
    try:
        warm_poetry(llm_spec())
        return get_poetry(llm_spec())
    except ImportError as e:
        st.error(MISSING + str(e))
        return None


def draft_view(slot, every: float = 0.05):
    """An ``on_draft`` callback that shows the batch's first draft in ``slot`` as it is decoded (at most one
    update per ``every`` seconds: each one is a message to the browser; the ranked poems replace it)."""
    last = [0.0]

    def show(drafts: list[str]) -> None:
        now = time.monotonic()
        if drafts and now - last[0] >= every:
            last[0] = now
            with slot.container():
                st.caption(t(f"草稿（共 {len(drafts)} 份同时生成，完成后按格律与得分排序）",
                             f"Draft (one of {len(drafts)} written at once; ranked by form and score when done)"))
                st.text(drafts[0])
    return show


st.header(t("诗词创作", "Poetry"))
with guard():
    pipeline()
FORMS = list(prosody.REGULATED_FORMS) + prosody.cipai_names()
tab_gen, tab_check, tab_search = st.tabs([t("创作", "Compose"), t("格律检查", "Check"), t("诗库检索", "Search")])

with tab_gen:
    c1, c2 = st.columns(2)
    form = c1.selectbox(t("体裁 / 词牌", "Form / tune"), FORMS, index=1, key="poem_form")
    topic = c2.text_input(t("题目", "Topic"), key="poem_topic", placeholder="春夜")
    keywords = c1.text_input(t("关键词（逗号分隔）", "Keywords (comma separated)"), key="poem_kw", placeholder="月, 花")
    acrostic = c2.text_input(t("藏头", "Acrostic"), key="poem_acrostic")
    rhyme = c1.selectbox(t("韵部（平水韵）", "Rhyme group"), [""] + prosody.rhyme_groups(), key="poem_rhyme",
                         format_func=lambda g: g or t("自动", "auto"))
    n = c2.number_input(t("候选数", "Candidates"), 1, 8, 2, key="poem_n")
    seed = c1.number_input(t("随机种子", "Seed"), 0, 2**31 - 1, 42, key="poem_seed")
    kws = tuple(k for k in re.split(r"[,，、\s]+", keywords) if k)
    if form in prosody.REGULATED_FORMS and st.button(t("先看计划", "Plan first"), key="poem_plan_go"):
        with guard():
            pipe = pipeline()
            if pipe is not None:
                st.session_state["poem_plan"] = pipe.plan(topic or None, form=form, keywords=kws,
                                                          acrostic=acrostic or None, rhyme_group=rhyme or None,
                                                          seed=int(seed)).to_dict()
    edited_plan = plan_editor(st.session_state.get("poem_plan"), form)
    if st.button(t("生成", "Generate"), type="primary", key="poem_go"):
        live = st.empty()
        pipe = pipeline()
        ready = pipe is not None
        if ready and not warm_poetry(llm_spec()).done:
            ready = False
            with guard(), st.spinner(t("模型加载中（首次使用）…", "Loading the model (first use)…")):
                pipe.llm  # noqa: B018 - waits for the background load (or raises its error)
                ready = True
        if ready:
            with guard(), st.spinner(t("生成中…", "Generating…")):
                poems = pipe.generate(topic=topic or None, form=form, keywords=kws, acrostic=acrostic or None,
                                      rhyme_group=rhyme or None, n=int(n), seed=int(seed), on_draft=draft_view(live),
                                      plan=edited_plan)
                st.session_state["poems"] = poems
                if poems:
                    st.session_state["last_generation"] = poems[0].text
        live.empty()
    for i, poem in enumerate(st.session_state.get("poems", [])):
        st.subheader(f"{t('候选', 'Candidate')} {i + 1} · {poem.form} · {t('得分', 'score')} {poem.score:.2f}")
        left, right = st.columns([3, 2])
        with left:
            st.text(poem.text)
            show_score(poem)
            show_report(poem.report.lines, poem.report)
            for note in getattr(poem, "notes", ()) or ():
                st.caption(note)
        with right:
            inspirations = getattr(poem, "inspirations", ()) or ()
            if inspirations:
                st.markdown(t("**启发的古诗**", "**Inspiring poems**"))
            for rec in inspirations:
                show_record(rec)

with tab_check:
    text = st.text_area(t("粘贴一首诗或词", "Paste a poem"), key="poem_check_text", height=160,
                        placeholder="床前明月光，疑是地上霜。举头望明月，低头思故乡。")
    check_form = st.selectbox(t("按体裁检查", "Check as"), [""] + FORMS, key="poem_check_form",
                              format_func=lambda f: f or t("自动识别", "detect"))
    if st.button(t("检查格律", "Check"), key="poem_check_go") and text.strip():
        with guard():
            report = prosody.check(text, form=check_form or None)
            if report.form is None and getattr(report, "reason", None):
                st.warning(report.reason)
            show_report(report.lines, report)

with tab_search:
    q = st.text_input(t("检索词", "Query"), key="poem_q", placeholder="明月 故乡")
    c1, c2, c3, c4 = st.columns(4)
    author = c1.text_input(t("作者", "Author"), key="poem_q_author")
    dynasty = c2.text_input(t("朝代", "Dynasty"), key="poem_q_dynasty")
    qform = c3.selectbox(t("体裁", "Form"), [""] + FORMS, key="poem_q_form", format_func=lambda f: f or t("不限", "any"))
    k = c4.number_input("k", 1, 50, 10, key="poem_q_k")
    if st.button(t("检索", "Search"), key="poem_q_go") and q.strip():
        with guard():
            pipe = pipeline()
            if pipe is not None:
                hits = pipe.search(q, k=int(k), author=author or None, dynasty=dynasty or None, form=qform or None)
                if not hits:
                    st.info(t("没有找到", "No results"))
                for h in hits:
                    show_record(h)
