"""词牌 templates and the ci checker on famous ci."""

import pytest

from tests.plugins.prosody import CI
from toolkit.errors import InvalidInputError
from toolkit.prosody import check, cipai, cipai_names, templates

pytestmark = pytest.mark.usefixtures("prosody_ready")

REQUIRED = "浣溪沙 菩萨蛮 西江月 如梦令 忆江南 长相思 卜算子 蝶恋花 鹧鸪天 临江仙 清平乐 渔家傲 江城子 水调歌头 念奴娇 满江红 沁园春 虞美人 浪淘沙 采桑子 点绛唇 声声慢".split()


def test_the_most_written_tunes_are_there():
    assert set(REQUIRED) <= set(cipai_names()) and len(cipai_names()) >= 20
    for name in cipai_names():
        for tpl in cipai(name).variants:
            assert tpl.form == name and tpl.total == sum(tpl.shape)
            assert any(lt.rhyme for lt in tpl.lines)
            assert all(set(lt.pattern) <= set("平仄中") for lt in tpl.lines)


def test_known_lengths_and_rhyme_changes():
    assert cipai("水调歌头").variants[0].total == 95
    assert cipai("念奴娇").variants[0].total == 100
    assert cipai("满江红").variants[0].total == 93
    assert {t.total for t in cipai("临江仙").variants} == {58, 60}
    pusa = cipai("菩萨蛮").variants[0]
    assert [lt.rhyme_tone for lt in pusa.lines] == ["仄", "仄", "平", "平", "仄", "仄", "平", "平"]
    assert len({lt.rhyme_set for lt in pusa.lines}) == 4
    assert cipai("望江南").name == "忆江南" and cipai("百字令").name == "念奴娇"
    assert templates("西江月") == list(cipai("西江月").variants)


@pytest.mark.parametrize("tune,text,max_errors", CI, ids=[c[0] for c in CI])
def test_famous_ci_fit_their_tune(tune, text, max_errors):
    detected = check(text)
    assert detected.form == tune
    r = check(text, form=tune)
    assert len(r.errors) <= max_errors, [v.message for v in r.errors]
    assert r.rhyme_group and r.rhyme_book == "cilin"


def test_ci_punctuation_differences_do_not_matter():
    text = dict((t, x) for t, x, _ in CI)["念奴娇"]
    assert len(check(text.replace("浪淘尽，", "浪淘尽")).errors) == len(check(text).errors)


def test_broken_ci():
    text = dict((t, x) for t, x, _ in CI)["如梦令"]
    r = check(text.replace("绿肥红瘦", "绿肥红花"), form="如梦令")
    assert not r.ok and r.kinds() & {"rhyme_tone", "rhyme"}
    r = check(text + "春", form="如梦令")
    assert "length" in r.kinds()


def test_unknown_tune_lists_valid_ones():
    with pytest.raises(InvalidInputError, match="水调歌头"):
        check("明月几时有", form="不存在的词牌")
