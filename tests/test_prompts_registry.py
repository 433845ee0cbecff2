"""PromptRegistry: rendering, sandbox, save validation, history, diff, reset, path safety."""

from pathlib import Path

import pytest

from toolkit.errors import InvalidInputError
from toolkit.prompts import PromptRegistry, check_template

REPO_PROMPTS = Path(__file__).resolve().parent.parent / "prompts"

GOOD = """---
name: greet
task: demo
description: 打招呼
input_variables: [who]
optional_variables: [mood]
version: 1
---
你好，{{ who }}！{% if mood %}今天{{ mood }}。{% endif %}
"""


@pytest.fixture
def reg(tmp_path):
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "greet.md").write_text(GOOD, encoding="utf-8")
    return PromptRegistry(builtin, tmp_path / "user")


def edited(body="您好，{{ who }}。{% if mood %}{{ mood }}{% endif %}", variables="[who]", version=2):
    return (
        f"---\nname: greet\ntask: demo\ndescription: 打招呼\ninput_variables: {variables}\n"
        f"optional_variables: [mood]\nversion: {version}\n---\n{body}\n"
    )


def test_shipped_templates_are_valid_and_cover_every_task():
    reg = PromptRegistry(REPO_PROMPTS, REPO_PROMPTS / "_no_user_")
    names = reg.names()
    for n in names:
        check_template(reg.get(n))
    for task in ("poetry", "legal", "drafting", "kb"):
        assert reg.names(task=task), task
    assert {"legal_answer", "legal_followup", "draft_polish_facts", "kb_answer", "kb_followup",
            "poem_generate", "poem_repair", "poem_continue"} <= set(names)


def test_render_and_missing_variable_named(reg):
    assert reg.render("greet", who="李白").startswith("你好，李白！")
    assert "今天晴。" in reg.render("greet", who="李白", mood="晴")
    with pytest.raises(InvalidInputError, match="who"):
        reg.render("greet", mood="晴")


def test_values_are_data_not_templates(reg):
    out = reg.render("greet", who="{{ 7*7 }}{% for x in y %}")
    assert "{{ 7*7 }}{% for x in y %}" in out and "49" not in out


@pytest.mark.parametrize("body", ["{{ ''.__class__ }}", "{{ who.__class__.__mro__ }}", "{{ who.__init__.__globals__ }}"])
def test_sandbox_blocks_attribute_access(reg, body):
    reg.save("greet", edited(body=body + "{{ who }}{{ mood }}"))
    with pytest.raises(InvalidInputError, match="unsafe|不安全"):
        reg.render("greet", who="x", mood="y")


def test_get_fields_and_source(reg):
    t = reg.get("greet")
    assert (t.name, t.task, t.input_variables, t.optional_variables, t.version, t.source) == (
        "greet", "demo", ("who",), ("mood",), "1", "builtin")
    reg.save("greet", edited())
    assert reg.get("greet").source == "user" and reg.get("greet").version == "2"


@pytest.mark.parametrize(
    "text, match",
    [
        (edited(body="{% if who %}没有结束"), "语法错误|syntax"),
        (edited(body="{{ who }} {{ place }}{{ mood }}"), "place"),
        (edited(body="只有{{ mood }}"), "declared but not used.*who"),
        ("没有头部 {{ who }}", "front matter"),
        ("---\nname: greet\ntask: demo\ninput_variables: [who]\nversion: 1\n---\n{{ who }}", "description"),
        ("---\nname: [bad\n---\n{{ who }}", "YAML"),
        (edited().replace("name: greet", "name: other"), "mismatch"),
        (edited(body="{{ who }}{{ mood }}{{ extra }}", variables="[who, extra]"), "does not supply.*extra"),
    ],
)
def test_bad_save_refused_and_previous_kept(reg, text, match):
    reg.save("greet", edited(version=7))
    with pytest.raises(InvalidInputError, match=match):
        reg.save("greet", text)
    assert reg.get("greet").version == "7"


def test_syntax_error_reports_line(reg):
    with pytest.raises(InvalidInputError, match=r"第 2 行"):
        reg.save("greet", edited(body="{{ who }}{{ mood }}\n{% for %}"))


def test_history_diff_reset(reg):
    assert reg.diff("greet") == "" and reg.history("greet") == []
    reg.save("greet", edited(version=2))
    reg.save("greet", edited(version=3))
    hist = reg.history("greet")
    assert len(hist) == 1 and "version: 2" in hist[0].text()
    d = reg.diff("greet")
    assert d.startswith("--- builtin/greet.md") and "-version: 1" in d and "+version: 3" in d
    assert reg.reset("greet") is True
    assert reg.get("greet").source == "builtin" and reg.diff("greet") == ""
    assert [h.text().count("version: 3") for h in reg.history("greet")] == [0, 1]
    assert reg.reset("greet") is False


@pytest.mark.parametrize("name", ["../evil", "/etc/passwd", "a/b", "..", "Greet", "", "x" * 65, "名字", "a.md"])
def test_path_traversal_refused(reg, tmp_path, name):
    with pytest.raises(InvalidInputError, match="invalid template name"):
        reg.save(name, edited())
    with pytest.raises(InvalidInputError):
        reg.get(name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["builtin", "user"] or not (tmp_path / "user").exists()


def test_user_only_template_and_names_filter(reg):
    text = GOOD.replace("name: greet", "name: my-own").replace("task: demo", "task: mine")
    reg.save("my-own", text)
    assert reg.names() == ["greet", "my-own"] and reg.names(task="mine") == ["my-own"]
    with pytest.raises(InvalidInputError, match="unknown template"):
        reg.get("nope")


def test_as_langchain_renders_through_sandbox(reg):
    p = reg.as_langchain("greet")
    assert p.input_variables == ["who"]
    assert p.invoke({"who": "{{ 1+1 }}"}).to_string().startswith("你好，{{ 1+1 }}！")
    assert p.batch([{"who": "甲"}, {"who": "乙"}])[1].to_string().startswith("你好，乙")


def test_hand_broken_user_file_falls_back_to_default(reg, tmp_path):
    reg.save("greet", edited(version=5))
    (tmp_path / "user" / "greet.md").write_text("---\nname: [broken\n---\n", encoding="utf-8")
    assert reg.get("greet").source == "builtin"
    assert reg.render("greet", who="甲").startswith("你好，甲")
