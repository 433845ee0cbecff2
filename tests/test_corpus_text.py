"""Pure helpers of the corpus builders: clauses, forms, tunes, numerals, labels, aliases, terms."""

import pytest

from toolkit.corpus.aliases import derived_aliases, short_name
from toolkit.corpus.dicts import extract_terms
from toolkit.corpus.forms import detect_form, shape_form, tune_from_rhythmic
from toolkit.corpus.laws import parse_label
from toolkit.corpus.textnorm import cn_to_int, is_garbled, split_clauses, strip_notes, t2s


def test_split_clauses_drops_punctuation():
    assert split_clauses("白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼！") == [
        "白日依山尽", "黄河入海流", "欲穷千里目", "更上一层楼"]
    assert split_clauses("“何事？”曰：“无。”") == ["何事", "曰", "无"]
    assert split_clauses("") == []


@pytest.mark.parametrize("lines,form", [
    (["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"], "五绝"),
    (["月落乌啼霜满天", "江枫渔火对愁眠", "姑苏城外寒山寺", "夜半钟声到客船"], "七绝"),
    (["国破山河在"] * 8, "五律"),
    (["风急天高猿啸哀"] * 8, "七律"),
    (["床前明月光", "疑是地上霜", "举头望明月"], "other"),  # 3 lines
    (["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡啊"], "other"),  # uneven
    (["前不见古人", "后不见来者", "念天地之悠悠", "独怆然而涕下"], "other"),
    (["一二三四"] * 4, "other"),  # 4×4 is no regular shape
    ([], "other"),
])
def test_shape_form(lines, form):
    assert shape_form(lines) == form


def test_ci_form_is_the_tune_even_with_a_regular_shape():
    # 玉楼春 has 8 lines of 7 characters: a ci, not a 七律.
    assert detect_form(["风急天高猿啸哀"] * 8, tune="玉楼春") == "玉楼春"
    assert detect_form(["风急天高猿啸哀"] * 8) == "七律"


@pytest.mark.parametrize("raw,tune", [
    ("念奴娇·赤壁怀古", "念奴娇"), ("念奴娇・赤壁怀古", "念奴娇"), ("望江南・忆江南", "望江南"),
    ("菩萨蛮 其一", "菩萨蛮"), ("水调歌头", "水调歌头"), ("失调名", None), ("", None), (None, None),
    ("Hello", None),
])
def test_tune_from_rhythmic(raw, tune):
    assert tune_from_rhythmic(raw) == tune


@pytest.mark.parametrize("s,n", [("十七", 17), ("一百零四", 104), ("一千二百六十五", 1265), ("二十", 20),
                                 ("一千零七十九", 1079), ("三百", 300), ("一万零一", 10001), ("584", 584)])
def test_cn_to_int(s, n):
    assert cn_to_int(s) == n


def test_cn_to_int_rejects_words():
    with pytest.raises(ValueError, match="not a Chinese numeral"):
        cn_to_int("第十条")


@pytest.mark.parametrize("label,parsed", [
    ("第一百二十条之一", (120, 1)), ("第十七条", (17, 0)), ("第一千二百六十条", (1260, 0)),
    ("第三十七条之二", (37, 2)), ("条目三", (3, 0)), ("全文", (0, 0)), ("附则", None)])
def test_parse_label(label, parsed):
    assert parse_label(label) == parsed


def test_notes_and_garbled_text():
    assert strip_notes("明明如月，何时可掇？(明明 一作：佼佼)") == "明明如月，何时可掇？"
    assert strip_notes("欲穷千里目（一作：望）") == "欲穷千里目"
    for bad in ("白云□□□", "妖韶援绿{𥫗/戢}", "宿雨ff", "休<门系>"):
        assert is_garbled(bad)
    assert not is_garbled("明月几时有，把酒问青天。")


def test_t2s_is_opencc():
    assert t2s("舉頭望山月，低頭思故鄉") == "举头望山月，低头思故乡"


def test_law_names():
    assert short_name("中华人民共和国劳动合同法") == "劳动合同法"
    assert short_name("全国人民代表大会常务委员会关于修改某法的决定") == "全国人民代表大会常务委员会关于修改某法的决定"
    assert derived_aliases("中华人民共和国刑法修正案（十一）") == ["刑法修正案十一", "刑法修正案(十一)"]
    assert derived_aliases("中华人民共和国香港特别行政区基本法") == ["香港基本法"]
    assert derived_aliases("中华人民共和国民法典") == []


def test_extract_terms():
    text = "本法所称经营者，是指从事经营活动的主体。\n发明，是指对产品提出的新的技术方案。\n“不动产”是指土地。"
    assert extract_terms(text) == ["经营者", "不动产", "发明"]
    assert extract_terms("前款规定的，是指以下情形") == []
