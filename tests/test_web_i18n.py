"""Walk every page in both languages with AppTest, doing each page's main action, and fail on any internal
code (snake_case names, key=value dumps, control tokens, exception names) or any line in the other language.

Statute, document and poem text is exempt: pages show it as block quotes or plain text, which this walk
does not read; names (forms, 词牌, rhyme groups) and quoted examples of input are exempt too (tests/ui_text.py).
"""

import re

import pytest

from tests.ui_text import problems
from toolkit.i18n import MESSAGES, VIOLATION_KINDS

pytestmark = pytest.mark.filterwarnings("ignore")

LABELLED = ("button", "download_button", "tab", "expander", "text_input", "text_area", "number_input", "selectbox",
            "radio", "checkbox", "slider", "chat_input", "segmented_control", "toggle", "file_uploader")
USER_NAMED = ("kb_name", "kb_doc")  # choices named by the user: knowledge bases, uploaded documents
VALUED = ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success")


def shown(at) -> list[str]:
    """Every string the page shows as UI: headings, messages, labels, placeholders, help, options, columns."""
    out = []
    own = {m.value.strip() for c in at.chat_message if c.name == "user" for m in c.markdown}  # the user's own words
    try:
        own.add(at.session_state["draft_doc"].markdown.strip())  # the drafted document (Chinese court text)
    except KeyError:
        pass
    for kind in VALUED:
        for e in at.get(kind):
            text = str(e.value)
            if not text.lstrip().startswith(">") and text.strip() not in own:  # block quotes hold statutes, documents
                out.append(text)
    for kind in LABELLED:
        for e in at.get(kind):
            if getattr(e, "key", None) == "lang":
                continue  # the language switch names both languages on purpose
            p = e.proto
            label = getattr(p, "label", "")
            if kind == "expander" and re.match(r"\[\d+\] ", label):
                label = ""  # a cited passage: its document's name and headings, as the user's files have them
            out += [x for x in (label, getattr(p, "placeholder", ""), getattr(p, "help", "")) if x]
            if getattr(e, "key", None) not in USER_NAMED:
                out += [str(o) for o in getattr(e, "options", None) or []]
    for df in at.dataframe:
        out += [str(c) for c in df.value.columns]
    return out


def check(at, lang: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    bad = problems(shown(at), lang)
    assert not bad, "\n".join(bad)


@pytest.fixture
def page(app_test):
    def open_(name: str, lang: str):
        from streamlit.testing.v1 import AppTest

        from tests.plugins.web import APP

        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state["lang"] = lang
        at.run()
        if name != "home":
            at.switch_page(f"views/{name}.py")
            at.run()
        return at
    return open_


def test_catalogue_is_complete():
    for key, pair in {**MESSAGES, **VIOLATION_KINDS}.items():
        assert len(pair) == 2 and all(x.strip() for x in pair), key


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_home_and_try_poetry(page, lang):
    at = page("home", lang)
    check(at, lang)
    assert len(at.button) == 6
    at.button(key="home_try_poetry").click().run()  # the example runs on the poetry page
    check(at, lang)
    poems = at.session_state["poems"]
    assert poems and poems[0].form == "七律"
    assert sum(s.value.startswith(("候选", "Candidate")) for s in at.subheader) == len(poems)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_poetry_check_and_search(page, lang):
    at = page("poetry", lang)
    check(at, lang)
    at.button(key="poem_check_go").click().run()  # nothing pasted: says so
    assert at.warning and not at.error
    check(at, lang)
    at.text_area(key="poem_check_text").input("床前明月光，疑是地上霜。举头望明月，低头思故乡。")
    at.button(key="poem_check_go").click().run()
    check(at, lang)
    assert not at.error  # a 古绝: 孤平 and 失粘 do not apply
    assert any("古绝" in i.value or "old-style quatrain" in i.value for i in at.info)
    assert sum(c.value.count("明") for c in at.caption) >= 1  # repeated characters folded into one line
    at.text_input(key="poem_q").input("明月")
    at.button(key="poem_q_go").click().run()
    check(at, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_law_chat_and_verifier(page, lang):
    at = page("law_qa", lang)
    check(at, lang)
    at.chat_input(key="law_q").set_value("被公司辞退没有补偿怎么办？").run()
    check(at, lang)
    at.chat_input(key="law_q").set_value("那加班费呢？").run()
    check(at, lang)
    assert len(at.session_state["law_chat"]) == 4
    at.text_area(key="law_verify_text").input("依据《民法典》第1165条、《民法典》第9999条")
    at.button(key="law_verify_btn").click().run()
    check(at, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_drafting(page, lang):
    at = page("drafting", lang)
    check(at, lang)
    at.button(key="draft_go").click().run()  # empty form: names the missing fields by their labels
    check(at, lang)
    assert at.error
    at.button(key="draft_example").click().run()
    at.text_input(key="draft_民事起诉状__plaintiff_phone").input("12345").run()  # inline validation
    check(at, lang)
    at.button(key="draft_example").click().run()
    at.button(key="draft_go").click().run()
    check(at, lang)
    assert at.session_state["draft_doc"] is not None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kb_sample_chat_docs_debug(page, lang):
    at = page("home", lang)
    at.button(key="home_try_kb").click().run()  # creates the sample knowledge base and asks its question
    check(at, lang)
    chat = at.session_state["kb_chat_示例知识库"]
    assert len(chat) == 2 and chat[1]["answer"].found
    at.chat_input(key="kb_q").set_value("房东不修空调怎么办？").run()
    check(at, lang)
    at.segmented_control(key="kb_view").set_value("docs").run()
    check(at, lang)
    at.segmented_control(key="kb_view").set_value("debug").run()
    at.text_input(key="kb_dq").input("押金")
    at.button(key="kb_dgo").click().run()
    check(at, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_prompts(page, lang):
    at = page("prompts", lang)
    check(at, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_model(page, lang):
    at = page("model", lang)
    check(at, lang)
    at.number_input(key="w_gen_max_new_tokens").set_value(24)
    at.button(key="llm_go").click().run()
    check(at, lang)
    out = at.session_state["model_test"]
    assert out and "<" not in out and "‹" not in out
    assert at.text_area(key="route_text").value == out  # routing defaults to the latest generation
    at.button(key="route_go").click().run()
    check(at, lang)
    assert any(x.value == out for x in at.text), "the test output stays after tracing"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unreachable_server_is_a_message(page, lang):
    at = page("model", lang)
    at.session_state["llm_spec"] = "openai:http://127.0.0.1:9/v1#none"  # nothing listens on port 9
    at.run()
    check(at, lang)
    if any(b.key == "llm_go" for b in at.button):  # a backend that connects lazily fails at the first generation
        at.button(key="llm_go").click().run()
    check(at, lang)  # no ConnectError / [Errno …] on screen: what happened and what to do, details folded
    assert at.error and any(e.label in ("详情", "Details") for e in at.expander)


@pytest.mark.parametrize("example,check_state", [
    ("prompts", lambda at: at.session_state["pt_name"] == "poem_generate"),
    ("model", lambda at: at.session_state["model_test"] and at.session_state["route_trace"] is not None),
])
def test_start_page_examples(page, example, check_state):
    at = page("home", "en")
    at.button(key=f"home_try_{example}").click().run()
    check(at, "en")
    assert check_state(at)
