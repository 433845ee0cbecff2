"""The message catalogue and the helpers that keep one language out of a bilingual message."""

import pytest

from toolkit import i18n


def test_msg_picks_the_language_and_formats(monkeypatch):
    assert i18n.msg("poetry.where_line", "zh", line=3) == "第 3 句"
    assert i18n.msg("poetry.where_line", "en", line=3) == "Line 3"
    monkeypatch.setenv("HANLIN_LANG", "en_US.UTF-8")
    assert i18n.msg("nav.law") == "Statute Q&A"
    monkeypatch.setenv("HANLIN_LANG", "zh")
    assert i18n.msg("nav.law") == "法律问答"
    with pytest.raises(KeyError):
        i18n.msg("no.such.key")


def test_every_entry_has_both_languages_and_the_same_fields():
    import string

    for key, (zh, en) in i18n.MESSAGES.items():
        fields = [{f for _, f, _, _ in string.Formatter().parse(x) if f} for x in (zh, en)]
        assert zh.strip() and en.strip() and fields[0] == fields[1], key
        assert not i18n.looks_chinese(en.replace("翰林", "")) or "(" in en or "「" in en or "e.g." in en \
            or "For example" in en or any(f in en for f in ("五绝", "七律", "秋日登高", "押金", "床前")), key


@pytest.mark.parametrize("text,zh,en", [
    ("找不到文件 (file not found): a.txt", "找不到文件: a.txt", "file not found: a.txt"),
    ("已创建知识库 (created): 合同库", "已创建知识库: 合同库", None),  # a Chinese name stays: no English version
    ("── 1 ── (score -2.403)", "── 1 ── (score -2.403)", "── 1 ── (score -2.403)"),  # data, not a gloss
])
def test_localise(text, zh, en):
    assert i18n.localise(text, "zh") == zh
    assert i18n.localise(text, "en") == en


def test_localise_keeps_names_when_asked():
    assert i18n.localise("已创建知识库 (created): 合同库", "en", strict=False) == "created: 合同库"
    assert i18n.localise("没有括号的中文", "en", strict=False) is None


def test_violation_kinds_and_draft_labels():
    assert i18n.violation_label("gu_ping", "zh") == "犯孤平"
    assert i18n.violation_label("gu_ping", "en") == "a lone level tone"
    assert i18n.violation_label("made_up", "en") == "form problem"
    assert i18n.draft_field_label("plaintiff_id_number", "原告公民身份号码") == "Plaintiff: ID card number"
    assert i18n.draft_field_label("court", "受诉人民法院") == "Court"
    assert i18n.draft_field_label("unknown_field", "标签") == "标签"
    assert i18n.draft_kind_label("民事起诉状", "要素式", "en") == "Civil complaint (element form)"
    assert i18n.draft_kind_label("民事起诉状", "要素式", "zh") == "民事起诉状（要素式）"
