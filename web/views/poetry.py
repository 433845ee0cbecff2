"""诗词创作: generate poems (平仄 grid with its legend, findings in words), check a pasted poem, search the corpus."""

import re
import time

import streamlit as st

from toolkit import prosody
from toolkit.i18n import violation_label
from web.common import (
    get_poetry, guard, labels, lang, llm_spec, local, mark, quote, scroll_to_latest, t, tone_grid_html,
    tone_legend_html, warm_poetry,
)

_QUOTED = re.compile(r"「([^」]+)」")
_REPEAT = re.compile(r"重字「(.)」出现 (\d+) 次")


def where(v) -> str:
    if v.line < 0:
        return t("poetry.where_poem")
    out = t("poetry.where_line", line=v.line + 1)
    return out + (t("poetry.where_char", pos=v.pos + 1) if v.pos >= 0 else "")


def finding(v) -> str:
    """One finding in words: where, what kind, and (中文) the checker's own explanation."""
    label = violation_label(v.kind, lang())
    if lang() == "zh":
        msg = local(v.message)
        return f"{where(v)} · {msg}" if label in msg else f"{where(v)} · {label}：{msg}"
    chars = _QUOTED.findall(v.message)
    return f"{where(v)} · {label}" + (f" 「{chars[0]}」" if chars else "")


def show_report(lines, report) -> None:
    """The coloured 平仄 grid (with its legend), what the poem is, then the findings."""
    violations = list(report.violations)
    bad = {(v.line, v.pos) for v in violations if v.severity == "error" and v.pos >= 0}
    st.html(tone_grid_html(list(lines), list(report.tones), bad))
    st.html(tone_legend_html())
    ancient = t(f"poetry.style.{report.ancient}") if report.ancient else None
    form = report.form or ancient
    summary = [t("poetry.form_is", form=form) if form else t("poetry.form_none")]
    if report.rhyme_group:
        summary.append(t("poetry.rhyme_is", group=report.rhyme_group))
    if report.template and report.form in prosody.REGULATED_FORMS:
        summary.append(template_words(report.template))
    st.caption(" · ".join(summary))
    if report.ancient:
        st.info(t("poetry.ancient", name=ancient))
    elif report.form is None and report.reason:
        st.warning(t("poetry.no_form"))
    repeats = [v for v in violations if v.kind == "repeat_char"]
    others = [v for v in violations if v.kind != "repeat_char"]
    errors = [v for v in others if v.severity == "error"]
    if not errors:
        st.success(t("poetry.ok_ancient") if report.ancient else t("poetry.ok"))
    for v in errors:
        st.error(finding(v))
    notes = [v for v in others if v.severity != "error"]
    if repeats:  # one line for all repeated characters, not a box each
        parts = [m.groups() for m in (_REPEAT.search(v.message) for v in repeats) if m]
        st.caption(t("poetry.repeats", chars="、".join(t("poetry.repeat_one", ch=c, n=n) for c, n in parts)))
    if notes:
        with st.expander(t("poetry.notes", n=len(notes))):
            for v in notes:
                st.caption(finding(v))


def show_record(rec) -> None:
    """A classical poem as a quotation: title, dynasty and author as the corpus gives them, then the text."""
    head = " · ".join(x for x in (rec.dynasty, rec.author) if x)
    quote(f"《{rec.title}》 {head}\n" + (getattr(rec, "text", None) or getattr(rec, "snippet", "")))


TEMPLATE_PARTS = (("首句不入韵", "poetry.tpl.first_free"), ("首句入韵", "poetry.tpl.first_rhymes"),
                  ("平起", "poetry.tpl.level_start"), ("仄起", "poetry.tpl.oblique_start"))


def template_words(name: str) -> str:
    """A 近体 template name (平起首句入韵) in the page's language."""
    if lang() == "zh":
        return name
    parts = [t(key) for part, key in TEMPLATE_PARTS if part in name and not (part == "首句入韵" and "不入韵" in name)]
    return ", ".join(parts) or name


def show_score(poem) -> None:
    """The rerank score, term by term, in words."""
    if poem.score_parts:
        st.markdown("  \n".join(f"`{p.points:+.2f}` {local(p.explanation)}" for p in poem.score_parts))


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
            st.caption(local(note))
        if st.button(t("不用计划", "Discard plan"), key="plan_discard"):
            st.session_state.pop("poem_plan", None)
            st.rerun()
    return {**plan, "season": season or None, "time_of_day": tod or None, "lines": lines}


def pipeline():
    """The shared poetry pipeline (its loading starts in the background at server start or first view)."""
    warm_poetry(llm_spec())
    return get_poetry(llm_spec())


def draft_view(slot, every: float = 0.05):
    """An ``on_draft`` callback that shows the batch's first draft in ``slot`` as it is decoded (at most one
    update per ``every`` seconds: each one is a message to the browser; the ranked poems replace it)."""
    last = [0.0]

    def show(drafts: list[str]) -> None:
        now = time.monotonic()
        if drafts and now - last[0] >= every:
            last[0] = now
            with slot.container():
                st.caption(t("poetry.draft", n=len(drafts)))
                st.text(drafts[0])
    return show


def generate(pipe, form, topic, kws, acrostic, rhyme, n, seed, plan=None) -> None:
    live = st.empty()
    ready = pipe is not None
    if ready and not warm_poetry(llm_spec()).done:
        ready = False
        with guard(), st.spinner(t("poetry.loading")):
            _ = pipe.llm  # waits for the background load (or raises its error); a bare expression would be shown
            ready = True
    if ready:
        with guard(), st.spinner(t("poetry.generating")):
            poems = pipe.generate(topic=topic or None, form=form, keywords=kws, acrostic=acrostic or None,
                                  rhyme_group=rhyme or None, n=int(n), seed=int(seed), on_draft=draft_view(live),
                                  plan=plan)
            st.session_state["poems"] = poems
            st.session_state["poems_scroll"] = True  # the results sit below the form: bring them into view
            st.session_state["poems_request"] = (form, topic)
            st.session_state.pop("poems_related", None)
            if poems:
                st.session_state["last_generation"] = poems[0].text
    live.empty()


def related(pipe, form: str, topic: str) -> list:
    """Classical poems of the requested form on the topic (searched once per request, shown once)."""
    if "poems_related" not in st.session_state:
        hits = []
        if pipe is not None and topic.strip():
            try:
                hits = pipe.search(topic, k=3, form=form)
            except Exception:  # noqa: BLE001 - a side panel; the poems above matter
                hits = []
        st.session_state["poems_related"] = hits
    return st.session_state["poems_related"]


st.header(t("nav.poetry"))
FORMS = list(prosody.REGULATED_FORMS) + prosody.cipai_names()
pending = st.session_state.pop("try", None)
if pending and pending.get("page") == "poetry":
    st.session_state["poem_topic"], st.session_state["poem_form"] = pending["topic"], pending["form"]
with guard():
    pipeline()
tab_gen, tab_check, tab_search = st.tabs([t("poetry.tab_compose"), t("poetry.tab_check"), t("poetry.tab_search")])

with tab_gen:
    c1, c2 = st.columns(2)
    form = c1.selectbox(t("poetry.form"), FORMS, index=1, key="poem_form")
    topic = c2.text_input(t("poetry.topic"), key="poem_topic", placeholder=t("poetry.topic_placeholder"))
    keywords = c1.text_input(t("poetry.keywords"), key="poem_kw", placeholder=t("poetry.keywords_placeholder"))
    acrostic = c2.text_input(t("poetry.acrostic"), key="poem_acrostic", help=t("poetry.acrostic_help"))
    rhyme = c1.selectbox(t("poetry.rhyme"), [""] + prosody.rhyme_groups(), key="poem_rhyme",
                         format_func=labels([""], lambda g: t("common.auto")))
    n = c2.number_input(t("poetry.n"), 1, 8, 2, key="poem_n")
    seed = c1.number_input(t("poetry.seed"), 0, 2**31 - 1, 42, key="poem_seed", help=t("poetry.seed_help"))
    kws = tuple(k for k in re.split(r"[,，、\s]+", keywords) if k)
    if form in prosody.REGULATED_FORMS and st.button(t("先看计划", "Plan first"), key="poem_plan_go"):
        with guard():
            st.session_state["poem_plan"] = pipeline().plan(topic or None, form=form, keywords=kws,
                                                            acrostic=acrostic or None, rhyme_group=rhyme or None,
                                                            seed=int(seed)).to_dict()
    edited_plan = plan_editor(st.session_state.get("poem_plan"), form)
    if st.button(t("poetry.generate"), type="primary", key="poem_go") or (pending and pending.get("page") == "poetry"):
        generate(pipeline(), form, topic, kws, acrostic, rhyme, n, seed, edited_plan)
    poems = st.session_state.get("poems", [])
    if poems:
        mark("poem_results")
        left, right = st.columns([3, 2])
        with left:
            for i, poem in enumerate(poems):
                st.subheader(t("poetry.candidate", i=i + 1, form=poem.form, score=f"{poem.score:.2f}"), anchor=False)
                st.text(poem.text)
                show_score(poem)
                show_report(poem.report.lines, poem.report)
                for note in poem.notes:
                    st.caption(local(note))
        with right:
            req_form, req_topic = st.session_state.get("poems_request", (form, topic))
            hits = related(pipeline(), req_form, req_topic or "")
            st.markdown(t("poetry.related", form=req_form))
            if not hits:
                st.caption(t("poetry.related_none"))
            for rec in hits:
                show_record(rec)
        if st.session_state.pop("poems_scroll", False):
            scroll_to_latest("poem_results")

with tab_check:
    text = st.text_area(t("poetry.check_label"), key="poem_check_text", height=160,
                        placeholder=t("poetry.check_placeholder"))
    check_form = st.selectbox(t("poetry.check_as"), [""] + FORMS, key="poem_check_form",
                              format_func=labels([""], lambda f: t("poetry.detect")))
    if st.button(t("poetry.check_go"), key="poem_check_go"):
        if not text.strip():
            st.warning(t("poetry.check_empty"))
        else:
            with guard():
                report = prosody.check(text, form=check_form or None)
                show_report(report.lines, report)

with tab_search:
    q = st.text_input(t("poetry.query"), key="poem_q", placeholder=t("poetry.query_placeholder"))
    c1, c2, c3, c4 = st.columns(4)
    author = c1.text_input(t("poetry.author"), key="poem_q_author")
    dynasty = c2.text_input(t("poetry.dynasty"), key="poem_q_dynasty")
    qform = c3.selectbox(t("poetry.form_filter"), [""] + FORMS, key="poem_q_form", format_func=labels([""], lambda f: t("common.any")))
    k = c4.number_input(t("poetry.k"), 1, 50, 10, key="poem_q_k")
    if st.button(t("poetry.search_go"), key="poem_q_go"):
        if not q.strip():
            st.warning(t("poetry.query_empty"))
        else:
            with guard():
                pipe = pipeline()
                if pipe is not None:
                    hits = pipe.search(q, k=int(k), author=author or None, dynasty=dynasty or None, form=qform or None)
                    if not hits:
                        st.info(t("poetry.no_results"))
                    for h in hits:
                        show_record(h)
