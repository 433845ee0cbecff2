"""tone() and the rhyme-book lookups: 入声 as 仄, 中 for double readings, traditional input, modern books."""

import pytest

from toolkit.errors import InvalidInputError
from toolkit.prosody import chars_with_tone, group_chars, groups_of, rhyme_groups, tone, tone_info

pytestmark = pytest.mark.usefixtures("prosody_ready")


@pytest.mark.parametrize("ch", list("白国学发石竹"))
def test_rusheng_is_ze_in_pingshui(ch):
    assert tone(ch) == "仄"
    assert tone(ch, "cilin") == "仄"


@pytest.mark.parametrize("ch", list("看思过听胜教"))
def test_double_readings_are_either(ch):
    assert tone(ch) == "中"


@pytest.mark.parametrize("ch,expected", [("白", "平"), ("国", "平"), ("竹", "平"), ("一", "平"), ("不", "仄"), ("看", "中"), ("发", "中"), ("好", "仄")])
def test_modern_books_follow_mandarin(ch, expected):
    assert tone(ch, "xinyun") == expected
    assert tone(ch, "中华通韵") == expected


def test_traditional_input_keeps_its_own_readings():
    assert tone("髮") == "仄" and tone("發") == "仄"
    assert tone("後") == "仄"
    assert tone("聽") == "中"  # 青 + 径
    assert set(groups_of("乾")) == {"寒", "先"}  # both level: 平, not 中
    assert tone("乾") == "平"


def test_simplified_form_unions_all_traditional_sources():
    # 干 = 干 (寒) + 乾 (寒, 先) + 幹 (翰): level and oblique readings → 中
    assert {"寒", "先", "翰"} <= set(groups_of("干"))
    assert tone("干") == "中"
    # 听 = 听 (文, 吻) + 聽 (青, 径)
    assert {"青", "径"} <= set(groups_of("听"))


def test_character_in_several_groups():
    assert {"支", "灰"} <= set(groups_of("衰"))
    assert "麻" in groups_of("斜")
    assert groups_of("衰", level_only=True) == groups_of("衰")  # both level


def test_group_title_and_variants_are_members():
    assert "先" in groups_of("先")  # the package omits the title character of 下平一先
    assert groups_of("溪") == ("齐",)  # supplement
    assert "虞" in groups_of("炉")  # variant 爐/鑪 → simplified too


def test_unknown_character_gets_an_estimate_not_a_crash():
    info = tone_info("這")  # not in the 平水韵 table
    assert info.source in {"mandarin", "unknown"} and info.tone in {"平", "仄", "中"}


@pytest.mark.parametrize("bad", ["", "ab", "白日", "a", "1", None])
def test_tone_rejects_non_characters(bad):
    with pytest.raises(InvalidInputError):
        tone(bad)


def test_unknown_rhyme_book_lists_valid_ones():
    with pytest.raises(InvalidInputError, match="pingshui"):
        tone("白", "广韵")


def test_group_counts_per_book():
    assert len(rhyme_groups("pingshui")) == 30
    assert len(rhyme_groups("pingshui", tone=None)) == 106
    assert [len(rhyme_groups("pingshui", tone=t)) for t in "上去入"] == [29, 30, 17]
    assert len(rhyme_groups("cilin", tone=None)) == 19
    assert len(rhyme_groups("cilin", tone="入")) == 5
    assert len(rhyme_groups("xinyun", tone=None)) == 14
    assert len(rhyme_groups("tongyun", tone=None)) == 16


def test_group_chars_are_level_members():
    you = group_chars("尤")
    assert {"楼", "流", "留", "秋"} <= set(you)
    assert all(tone(c) in {"平", "中"} for c in you)
    assert "东" in group_chars("第一部", "cilin") and "董" not in group_chars("第一部", "cilin")
    assert "董" in group_chars("第一部", "cilin", tone="上")
    with pytest.raises(InvalidInputError):
        group_chars("不存在", "pingshui")


def test_chars_with_tone():
    ping = chars_with_tone("平")
    assert "东" in ping and "白" not in ping and "看" not in ping
    assert "看" in chars_with_tone("中")
    with pytest.raises(InvalidInputError):
        chars_with_tone("上")
