"""Weak spots the probe found in the CLI and the drafter: each now says what is wrong instead of guessing."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from pipelines.cli import main

pytestmark = pytest.mark.faults


@pytest.fixture
def poem_cli(pipe, monkeypatch, capsys):  # noqa: F811
    from pipelines.cli import poem_tasks

    monkeypatch.setattr(poem_tasks, "_pipeline", lambda: pipe)

    def run(*argv):
        rc = main(list(argv))
        out, err = capsys.readouterr()
        return rc, out, err

    return run


# ---------------------------------------------------------------- law search / draft
def test_english_question_to_law_search_is_flagged(cli):
    rc, out, err = cli("law", "search", "can my employer fire me without compensation")
    assert err.count("请用中文提问") == 1
    rc, out, err = cli("law", "search", "公司辞退我没有补偿")
    assert "请用中文提问" not in err


def test_draft_out_into_a_missing_folder_is_refused(cli, tmp_path):
    target = tmp_path / "no" / "such" / "借款合同.md"
    rc, out, err = cli("law", "draft", "借款合同", "--example", "--out", str(target))
    assert rc == 2 and "输出文件夹不存在" in err and str(target.parent) in err
    assert not (tmp_path / "no").exists()
    rc, out, err = cli("law", "draft", "借款合同", "--example", "--out", str(tmp_path / "借款合同.md"))
    assert rc == 0 and (tmp_path / "借款合同.md").is_file()


def test_far_future_dates_and_usurious_interest_are_warned(fake_legal):
    from pipelines.legal import DocumentDrafter

    drafter = DocumentDrafter(fake_legal.backend())
    fields = drafter.example_fields("借款合同")
    assert not drafter.draft("借款合同", fields).warnings
    fields.update(end_date="2099-12-31", interest_rate="年利率99%，按月计息")
    warnings = drafter.draft("借款合同", fields).warnings
    assert any("2099年12月31日" in w and "years ahead" in w for w in warnings)
    assert any("99%" in w and "LPR" in w and "not enforceable" in w for w in warnings)
    fields.update(end_date="2030-12-31", interest_rate="月利率2%")  # 24 % a year: still above 4 × LPR
    warnings = drafter.draft("借款合同", fields).warnings
    assert len(warnings) == 1 and "24%" in warnings[0]


def test_validators_warnings_are_pure_functions():
    from pipelines.legal.validators import annual_rate, date_warning, interest_warning

    today = dt.date(2026, 1, 1)
    assert date_warning(dt.date(2099, 1, 1), "签订日期", today) and date_warning(dt.date(1900, 1, 1), "x", today)
    assert date_warning(dt.date(2055, 1, 1), "借款期限到期日", today) is None  # a 30-year loan is fine
    assert annual_rate("日利率0.1%") == Decimal("36.5") and annual_rate("年利率3.65%") == Decimal("3.65")
    assert interest_warning("年利率3.65%") is None and interest_warning("本借款不计利息") is None


# ---------------------------------------------------------------- poem gen / search
def test_latin_acrostic_is_refused_and_english_topic_noted(poem_cli):
    rc, out, err = poem_cli("poem", "gen", "--form", "五绝", "--acrostic", "ABCD")
    assert rc == 2 and "藏头只能是汉字" in err
    rc, out, err = poem_cli("poem", "gen", "--form", "五绝", "--topic", "spring night", "--seed", "1")
    assert rc in (0, 1) and "没有汉字" in out + err and "spring night" in out + err


def test_many_keywords_give_one_collapsed_note(poem_cli):
    words = ",".join(f"词{i}" for i in range(500))
    rc, out, err = poem_cli("poem", "gen", "--form", "五绝", "--keywords", words, "--seed", "1")
    notes = [ln for ln in out.splitlines() if "关键词" in ln]
    assert len(notes) <= 3, notes[:5]
    assert any("in all" in n for n in notes)


def test_poem_search_names_an_unknown_form(poem_cli):
    rc, out, err = poem_cli("poem", "search", "明月", "--form", "不存在")
    assert rc == 2 and "未知的体裁" in err and "不存在" in err and "七绝" in err
    rc, out, err = poem_cli("poem", "search", "明月", "--form", "五绝", "--json")
    assert rc == 0 and all(r["form"] == "五绝" for r in json.loads(out))


# ---------------------------------------------------------------- training log
def test_training_log_append_survives_a_torn_line(tmp_path):
    from toolkit.llm.embedded.train import append_log

    log = tmp_path / "train_log.jsonl"
    lines = [json.dumps({"step": s, "loss": 1.0}) for s in (10, 20, 30)]
    log.write_text("\n".join(lines) + '\n{"step": 40, "lo', encoding="utf-8")  # killed mid-append
    append_log(log, {"step": 40, "loss": 0.9})
    rows = log.read_text(encoding="utf-8").splitlines()
    assert rows[:3] == lines and rows[3] == '{"step": 40, "lo'  # nothing logged before is rewritten
    assert json.loads(rows[4]) == {"step": 40, "loss": 0.9}
