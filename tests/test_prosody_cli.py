"""``hanlin poem check`` end to end (in-process)."""

import json

import pytest

from pipelines.cli import main

pytestmark = pytest.mark.usefixtures("prosody_ready")
POEM = "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。"


def test_check_grid(capsys):
    assert main(["poem", "check", POEM]) == 0
    out = capsys.readouterr().out
    assert "五绝" in out and "仄仄平平仄" in out and "尤" in out


def test_check_json_and_failure_code(capsys):
    assert main(["poem", "check", POEM.replace("楼", "台"), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["form"] == "五绝" and data["ok"] is False
    assert any(v["kind"] == "rhyme" for v in data["violations"])


def test_check_from_file_and_form(tmp_path, capsys):
    f = tmp_path / "p.txt"
    f.write_text(POEM, encoding="utf-8")
    assert main(["poem", "check", f"@{f}", "--form", "五绝"]) == 0
    capsys.readouterr()
    # in 中华新韵 一 is 平 (yī), so 一层楼 is 三平尾
    assert main(["poem", "check", f"@{f}", "--rhyme-book", "xinyun"]) == 1
    assert "三平尾" in capsys.readouterr().out


def test_bad_input_is_a_clean_error(capsys):
    assert main(["poem", "check", "hello"]) == 2
    assert "没有汉字" in capsys.readouterr().err
    assert main(["poem", "check", POEM, "--form", "八绝"]) == 2
    assert main(["poem", "check", POEM, "--rhyme-book", "广韵"]) == 2
    assert "pingshui" in capsys.readouterr().err
    assert main(["poem", "check", POEM, "--rhyme-book", "平水韵"]) == 0


def test_forms_listing(capsys):
    assert main(["poem", "forms", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "水调歌头" in data["cipai"] and data["regulated"] == ["五绝", "七绝", "五律", "七律"]
