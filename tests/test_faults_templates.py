"""Templates that used to validate and then crash or hang: refused at save time, bounded at render time."""

import time

import pytest

from toolkit.errors import InvalidInputError
from toolkit.prompts import PromptRegistry, parse_template, render_template
from toolkit.prompts.render import RenderLimits, TemplateLimitError

pytestmark = pytest.mark.faults

HEAD = "---\nname: kb_followup\ntask: kb\ndescription: d\ninput_variables: [question]\noptional_variables: [history]\nversion: 1\n---\n"


def _t(body: str):
    return parse_template(HEAD + body, "user")


@pytest.fixture
def reg(tmp_path):
    from toolkit.config import get_settings

    return PromptRegistry(get_settings().prompts_dir, tmp_path / "user")


# (body, words the message must contain): each case of the probe
CASES = {
    "huge_range": ("{% for i in range(10**9) %}{{ i }}{% endfor %}{{ question }}{{ history }}", ["range", "10000"]),
    "nested_loops": ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}{{ question }}{{ history }}",
                     ["超时", "render took longer"]),
    "self_calling_macro": ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}{{ question }}{{ history }}",
                           ["宏调用嵌套过深", "nested deeper"]),
    "huge_string": ("{{ 'x' * 10**8 }}{{ question }}{{ history }}", ["too large"]),
    "huge_power": ("{{ 10 ** 1000000 }}{{ question }}{{ history }}", ["number too large"]),
    "huge_center": ("{{ question | center(10**9) }}{{ history }}", ["width too large"]),
    "huge_format": ("{{ '%099999999d' % 1 }}{{ question }}{{ history }}", ["format width"]),
    "doubling": ("{% set ns = namespace(s='xx') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"
                 "{{ ns.s }}{{ question }}{{ history }}", ["too large"]),
    "doubling_tilde": ("{% set ns = namespace(s='xx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
                       "{{ ns.s }}{{ question }}{{ history }}", ["too large"]),
    "long_output": ("{% for i in range(10000) %}{{ 'y' * 500 }}{% endfor %}{{ question }}{{ history }}", ["output longer"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_limit_breakers_are_refused_at_save_and_never_hang(reg, case):
    body, words = CASES[case]
    t0 = time.monotonic()
    with pytest.raises(TemplateLimitError) as e:
        reg.save("kb_followup", HEAD + body)
    assert time.monotonic() - t0 < 30  # bounded (the limit is 2 s; generous for a loaded machine)
    msg = str(e.value)
    assert "kb_followup" in msg and all(w in msg for w in words), msg
    assert reg.get("kb_followup").source == "builtin"  # nothing was saved
    with pytest.raises(TemplateLimitError):  # and rendering it directly is just as bounded
        render_template(_t(body), {"question": "q", "history": []})


def test_unknown_filter_is_a_clear_error_with_the_line(reg):
    with pytest.raises(InvalidInputError) as e:
        reg.validate("kb_followup", HEAD + "{{ question }}\n{{ history | nosuchfilter }}")
    msg = str(e.value)
    assert "未知的过滤器 'nosuchfilter'" in msg and "unknown filter" in msg and "第 2 行" in msg and "upper" in msg


def test_template_cannot_change_the_callers_history(reg):
    body = "{% set _ = history.append({'role': 'user', 'content': 'x'}) %}{{ question }}"
    history = [{"role": "user", "content": "你好"}]
    with pytest.raises(InvalidInputError) as e:
        render_template(_t(body), {"question": "q", "history": history})
    assert "caller's data" in str(e.value) or "unsafe" in str(e.value)
    assert history == [{"role": "user", "content": "你好"}]
    body2 = "{% set _ = history[0].update(content='改') %}{{ question }}"
    with pytest.raises(InvalidInputError):
        render_template(_t(body2), {"question": "q", "history": history})
    assert history[0]["content"] == "你好"


def test_values_are_copied_not_shared():
    class Box:
        def __init__(self):
            self.items = ["a"]

    box = Box()
    out = render_template(_t("{{ question.items | join(',') }}{{ history }}"), {"question": box, "history": None})
    assert out.startswith("a")
    assert box.items == ["a"]


@pytest.mark.parametrize("body,word", [
    ("{{ question + 1 }}{{ history }}", "TypeError"),
    ("{{ 1 / 0 }}{{ question }}{{ history }}", "ZeroDivisionError"),
    ("{{ question.__class__.__mro__ }}{{ history }}", "unsafe"),
])
def test_runtime_errors_become_messages_with_the_line(body, word):
    with pytest.raises(InvalidInputError) as e:
        render_template(_t("\n" + body), {"question": "q", "history": None})
    assert word in str(e.value) and "kb_followup" in str(e.value)


def test_ordinary_templates_are_unaffected(reg):
    text = reg.render("kb_followup", question="那第二条呢？", history=[{"role": "user", "content": "第一条是什么"}])
    assert "第二条" in text
    small = "{% for i in range(3) %}{{ i }}{% endfor %}{{ question * 2 }}{{ history }}"
    assert render_template(_t(small), {"question": "问", "history": None}).startswith("012问问")


def test_a_range_over_a_variable_still_saves(reg):
    """The save-time trial render passes sample strings: range(question) fails there by type, not by limit."""
    text = HEAD + "{% for i in range(history | length) %}{{ i }}{% endfor %}{% for j in range(question) %}{% endfor %}"
    assert reg.save("kb_followup", text).source == "user"
    with pytest.raises(InvalidInputError, match="integers"):
        reg.render("kb_followup", question="x", history=[])


def test_a_slow_render_is_stopped_by_the_wall_clock():
    limits = RenderLimits(max_seconds=0.3)
    t0 = time.monotonic()
    with pytest.raises(TemplateLimitError, match="render took longer than 0.3 s"):
        render_template(_t("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}{{ question }}{{ history }}"),
                        {"question": "q", "history": None}, limits)
    assert time.monotonic() - t0 < 20


@pytest.mark.parametrize("body", [CASES["huge_range"][0], CASES["self_calling_macro"][0], "{{ history | nosuchfilter }}{{ question }}"])
def test_prompt_editor_page_shows_the_message_not_a_traceback(app_test, body):
    at = app_test("prompts")
    at.selectbox(key="pt_task").set_value("kb").run()
    at.selectbox(key="pt_name").set_value("kb_followup").run()
    at.text_area(key="pt_text_kb_followup").input(HEAD + body).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(("saving is refused" in e or "保存将被拒绝" in e) and ("过大" in e or "嵌套过深" in e or "未知的过滤器" in e or "渲染超时" in e)
               for e in errors), errors


def test_a_hookless_loop_over_caller_data_is_stopped_and_its_thread_ends():
    import threading

    body = ("{% for a in history %}{% for b in history %}{% for c in history %}{% endfor %}{% endfor %}{% endfor %}"
            "{{ question }}")
    t = parse_template(HEAD + body, "user")
    with pytest.raises(TemplateLimitError, match="render took longer"):
        render_template(t, {"question": "q", "history": list(range(2000))}, RenderLimits(max_seconds=0.3))
    deadline = time.monotonic() + 10
    while any(th.name == "render-kb_followup" for th in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(th.name == "render-kb_followup" for th in threading.enumerate())  # not left spinning
