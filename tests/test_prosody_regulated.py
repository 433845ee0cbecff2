"""The 近体 checker on famous poems (expected form and 平水韵 group) and on broken variants."""

import pytest

from tests.plugins.prosody import KNOWN_FAULTS, NEIGHBOUR, NOT_REGULATED, REGULATED
from toolkit.prosody import check, is_gu_ping, is_san_ping_wei, templates

pytestmark = pytest.mark.usefixtures("prosody_ready")

DENGGUAN = "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。"
CHUNWANG = "国破山河在，城春草木深。感时花溅泪，恨别鸟惊心。烽火连三月，家书抵万金。白头搔更短，浑欲不胜簪。"


def test_at_least_thirty_famous_poems():
    assert len(REGULATED) >= 30 and len({t for t, *_ in REGULATED}) == len(REGULATED)


@pytest.mark.parametrize("title,author,text,form,group", REGULATED, ids=[r[0] for r in REGULATED])
def test_famous_regulated_poems(title, author, text, form, group):
    r = check(text)
    assert (r.form, r.rhyme_group) == (form, group)
    assert r.ok, [v.message for v in r.errors]
    assert r.rhyme_ok is True
    assert r.template and r.template.endswith(("入韵", "不入韵"))
    assert [len(p) for p in r.expected] == [len(l) for l in r.lines]


@pytest.mark.parametrize("title,author,text", NOT_REGULATED, ids=[r[0] for r in NOT_REGULATED])
def test_unregulated_poems_are_not_called_regulated(title, author, text):
    r = check(text)
    assert not (r.ok and r.form), (r.form, r.ok)  # either 古体 (form None) or a 近体 form that does not fit


@pytest.mark.parametrize("title,text,kind", KNOWN_FAULTS)
def test_known_faults_are_found_once(title, text, kind):
    r = check(text)
    assert [v.kind for v in r.errors] == [kind]


@pytest.mark.parametrize("title,text,group,char", NEIGHBOUR)
def test_first_line_may_borrow_a_neighbouring_group(title, text, group, char):
    r = check(text)
    assert r.ok and r.rhyme_group == group
    notes = [v for v in r.notes if v.kind == "neighbor_rhyme"]
    assert len(notes) == 1 and notes[0].line == 0 and char in notes[0].message


def test_traditional_and_unpunctuated_text():
    trad = "國破山河在，城春草木深。感時花濺淚，恨別鳥驚心。烽火連三月，家書抵萬金。白頭搔更短，渾欲不勝簪。"
    assert check(trad).rhyme_group == "侵" and check(trad).ok
    bare = DENGGUAN.replace("，", "").replace("。", "")
    r = check(bare)
    assert r.form == "五绝" and r.ok and len(r.lines) == 4
    assert check("白日依山尽 黄河入海流\n欲穷千里目 更上一层楼").ok


def test_tones_grid_shape_and_values():
    r = check(CHUNWANG)
    assert len(r.tones) == 8 and all(len(row) == 5 for row in r.tones)
    assert r.tones[6][0] == "仄"  # 白
    assert {t for row in r.tones for t in row} <= {"平", "仄", "中"}


# --- broken variants: each must fail with the right kind ----------------------------------
def test_wrong_length_with_form():
    r = check("白日依山尽，黄河入海。欲穷千里目，更上一层楼。", form="五绝")
    assert not r.ok and "length" in r.kinds() and r.form == "五绝"


def test_wrong_length_without_form_says_why():
    r = check("白日依山尽，黄河入海。欲穷千里目，更上一层楼。")
    assert r.form is None and not r.ok and "form" in r.kinds() and "5、4、5、5" in r.reason


def test_form_mismatch():
    r = check(DENGGUAN, form="七律")
    assert not r.ok and "length" in r.kinds()


def test_broken_rhyme():
    r = check(DENGGUAN.replace("一层楼", "一层台"))
    assert not r.ok and r.rhyme_ok is False
    assert any(v.kind == "rhyme" and v.line == 3 and "台" in v.message for v in r.errors)


def test_oblique_rhyme():
    r = check(DENGGUAN.replace("一层楼", "一层阁"))
    assert "rhyme_tone" in r.kinds()


def test_repeated_rhyme_character():
    r = check("白日依山尽，黄河入海流。欲穷千里目，更上一江流。")
    assert "repeat_rhyme" in r.kinds()


def test_gu_ping_and_its_rescue():
    broken = CHUNWANG.replace("家书抵万金", "客书抵万金")  # 仄平仄仄平
    r = check(broken)
    assert any(v.kind == "gu_ping" and v.line == 5 for v in r.errors)
    rescued = CHUNWANG.replace("家书抵万金", "客书犹万金")  # 仄平平仄平: 自救
    assert "gu_ping" not in check(rescued).kinds()
    assert check(rescued).ok


def test_san_ping_wei():
    r = check(CHUNWANG.replace("恨别鸟惊心", "恨别怜惊心"))  # 仄仄平平平
    assert any(v.kind == "san_ping_wei" and v.line == 3 for v in r.errors)


def test_fixed_position_tone():
    r = check(DENGGUAN.replace("欲穷千里目", "欲穷千山目"))
    assert any(v.kind == "tone" and (v.line, v.pos) == (2, 3) for v in r.errors)


def test_shi_dui():
    # 对句 second character made 仄 like its 出句: 失对
    r = check(DENGGUAN.replace("黄河入海流", "落日入海流"))
    assert "dui" in r.kinds()


def test_te_ao_is_noted_not_failed():
    r = check("水光潋滟晴方好，山色空蒙雨亦奇。欲把西湖比西子，淡妆浓抹总相宜。")
    assert r.ok and any(v.kind == "ao_jiu" for v in r.notes)


def test_repeated_characters_are_notes():
    r = check("君问归期未有期，巴山夜雨涨秋池。何当共剪西窗烛，却话巴山夜雨时。")
    assert r.ok and {"期", "巴", "山", "夜", "雨"} <= {v.message[3] for v in r.notes if v.kind == "repeat_char"}


def test_modern_rhyme_book():
    r = check(DENGGUAN, rhyme_book="xinyun")
    assert r.rhyme_group == "尤" and r.rhyme_book == "xinyun"


# --- templates for generation -----------------------------------------------------------
@pytest.mark.parametrize("form,n,length", [("五绝", 4, 5), ("七绝", 4, 7), ("五律", 8, 5), ("七律", 8, 7)])
def test_templates_shape_and_rules(form, n, length):
    tpls = templates(form)
    assert [t.name for t in tpls] == ["平起首句入韵", "平起首句不入韵", "仄起首句入韵", "仄起首句不入韵"]
    for t in tpls:
        assert t.shape == (length,) * n
        assert [lt.rhyme for lt in t.lines][1::2] == [True] * (n // 2)
        assert t.lines[0].rhyme == (t.lines[0].base[-1] == "平")
        for i, lt in enumerate(t.lines):
            assert not is_gu_ping(lt.base) and not is_san_ping_wei(lt.base)
            if i % 2 == 1:  # 对: second characters opposed
                assert lt.base[1] != t.lines[i - 1].base[1]
            elif i > 0:  # 粘
                assert lt.base[1] == t.lines[i - 1].base[1]


def test_rule_helpers():
    assert is_gu_ping("仄平仄仄平") and is_gu_ping("仄仄仄平仄仄平")
    assert not is_gu_ping("仄平平仄平") and not is_gu_ping("仄仄仄平平") and not is_gu_ping("平平仄仄仄")
    assert not is_gu_ping("中平仄仄平") and is_gu_ping("中平仄仄平", either_as="仄")
    assert is_san_ping_wei("仄仄平平平") and not is_san_ping_wei("仄仄中平平")


def test_line_fits_for_generation():
    from toolkit.prosody import line_fits

    b = templates("五绝")[0].lines[0]  # 平起首句入韵: 中平中仄平
    assert line_fits(list("平平仄仄平"), b.pattern, "平")
    assert line_fits(list("仄平平仄平"), b.pattern, "平")  # rescued
    assert not line_fits(list("仄平仄仄平"), b.pattern, "平")  # 孤平
    assert not line_fits(list("平平仄仄仄"), b.pattern, "平")  # rhyme on 仄
    d = templates("五绝")[0].lines[1]  # 中仄仄平平
    assert not line_fits(list("仄仄平平平"), d.pattern)  # fixed position / 三平尾
    assert not line_fits(list("平平"), d.pattern)
