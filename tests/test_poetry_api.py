"""Poetry pipeline: continue, search, stream, Runnable, capable backend (fake) and the CLI."""

from __future__ import annotations

import json

import pytest

from toolkit.errors import InvalidInputError
from toolkit.prosody import check

from tests.test_poetry_generate import pipe, poem_index, poem_rows  # noqa: F401  (module fixtures)


def test_continue_keeps_opening_and_rhyme(pipe):
    poems = pipe.continue_poem("白日依山尽，黄河入海流。", n=2, seed=1)
    for p in poems:
        lines = p.report.lines
        assert lines[:2] == ["白日依山尽", "黄河入海流"] and len(lines) == 4
        assert p.form == "五绝" and p.rhyme_group == "尤"
        assert check(p.text, "五绝").ok
        assert lines[3][-1] != "流"
    lv = pipe.continue_poem("床前明月光", form="五律", seed=2)[0]
    assert len(lv.report.lines) == 8 and lv.report.lines[0] == "床前明月光"
    with pytest.raises(InvalidInputError):
        pipe.continue_poem("床前明月光，疑是地上霜啊。")
    with pytest.raises(InvalidInputError):
        pipe.continue_poem("")


def test_search_with_filters(pipe):
    res = pipe.search("明月", k=5)
    assert res and all(r.text and r.title for r in res)
    li = pipe.search("月", k=5, author="李白")
    assert li and all(r.author == "李白" for r in li)
    with pytest.raises(InvalidInputError):
        pipe.search("  ")


def test_stream_and_runnable(pipe):
    pieces = list(pipe.stream("春夜", form="五绝", seed=4))
    assert len(pieces) == 2 and check("".join(pieces), "五绝").ok
    r = pipe.as_runnable()
    text = r.invoke({"topic": "春夜", "form": "五绝", "seed": 4})
    assert text == "".join(pieces)
    assert r.invoke("秋风") and check(r.invoke({"topic": "秋风", "seed": 1}), "七绝").ok
    assert len(r.batch([{"form": "五绝", "seed": 1}, {"form": "五绝", "seed": 2}])) == 2
    assert list(r.stream({"form": "五绝", "seed": 4, "topic": "春夜"})) == pieces
    with pytest.raises(InvalidInputError):
        r.invoke({"topic": "春", "colour": "red"})


class FakeChat:
    """A capable backend that answers with a flawed poem, then with a correct one when asked to repair."""

    capable = True

    def __init__(self):
        self.prompts = []

    def generate(self, prompt, **gen):
        self.prompts.append(prompt)
        if "问题清单" in prompt:
            return "好的：\n白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"
        return "白日依山尽，黄河入海流。\n欲穷千里目，更上一层天。"


def test_capable_backend_checks_and_repairs(poem_index):
    from pipelines.poetry import PoetryPipeline
    from pipelines.poetry.linehash import LineSet

    fake = FakeChat()
    pp = PoetryPipeline(llm=fake, index=poem_index, line_set=LineSet.from_lines(["白日依山尽"]))
    p = pp.generate("登楼", form="五绝", seed=1)[0]
    assert p.report.ok and p.text.endswith("更上一层楼。")
    assert "五绝" in fake.prompts[0] and "登楼" in fake.prompts[0] and len(fake.prompts) == 2
    assert p.copied_lines == ("白日依山尽",)


def test_cli_gen_and_search(pipe, monkeypatch, capsys):
    from pipelines.cli import poem_tasks

    from pipelines.cli import build_parser

    monkeypatch.setattr(poem_tasks, "_pipeline", lambda: pipe)
    args = build_parser().parse_args(["poem", "gen", "--form", "五绝", "--topic", "春夜", "--acrostic", "春夏秋冬",
                                      "-n", "2", "--seed", "1", "--json"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 2 and all(check(x["text"], "五绝").ok for x in out)
    args = build_parser().parse_args(["poem", "gen", "--form", "七绝", "--keywords", "明月", "--seed", "2"])
    assert args.func(args) == 0
    text = capsys.readouterr().out
    assert "合律" in text and "明月" in text
    args = build_parser().parse_args(["poem", "search", "明月", "-k", "3", "--json"])
    assert args.func(args) == 0 and len(json.loads(capsys.readouterr().out)) == 3
    args = build_parser().parse_args(["poem", "continue", "白日依山尽，黄河入海流。", "--seed", "1"])
    assert args.func(args) == 0 and "白日依山尽" in capsys.readouterr().out


@pytest.mark.parametrize("tune", ["如梦令", "菩萨蛮"])
def test_ci_best_effort_passes_check(pipe, tune):
    p = pipe.generate("春夜", form=tune, seed=1)[0]
    rep = check(p.text, tune, "cilin")
    assert rep.ok, (p.text, [v.message for v in rep.errors])
    assert p.form == tune and p.report.ok
    with pytest.raises(InvalidInputError, match="藏头"):
        pipe.generate("春", form=tune, acrostic="春")
