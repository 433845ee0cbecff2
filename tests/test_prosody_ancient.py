"""古体 detection: poems of 古绝/古风 shape that ignore the 近体 tone rules are named as such, with the
近体 findings kept as notes; an explicitly requested 近体 form is still checked strictly."""

import pytest

from tests.plugins.prosody import KNOWN_FAULTS, REGULATED
from toolkit.prosody import check
from toolkit.prosody.report import ANCIENT_WAIVED

pytestmark = pytest.mark.usefixtures("prosody_ready")

JINGYESI = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
JIANGXUE = "千山鸟飞绝，万径人踪灭。孤舟蓑笠翁，独钓寒江雪。"  # rhymes on oblique tones
WANGYUE = "岱宗夫如何？齐鲁青未了。造化钟神秀，阴阳割昏晓。荡胸生曾云，决眦入归鸟。会当凌绝顶，一览众山小。"


def test_jingyesi_is_a_gu_jue_and_says_which_rules_do_not_apply():
    r = check(JINGYESI)
    assert r.ancient == "五言古绝" and r.form is None
    assert r.ok and r.rhyme_ok and r.rhyme_group == "阳"
    waived = {v.kind for v in r.notes}
    assert {"gu_ping", "nian"} <= waived <= ANCIENT_WAIVED | {"unknown_char"}
    assert all("古体不拘" in v.message for v in r.notes if v.kind in ANCIENT_WAIVED)
    assert "不拘平仄" in r.reason


def test_oblique_rhyme_quatrain_is_a_gu_jue():
    r = check(JIANGXUE)
    assert r.ancient == "五言古绝" and r.ok and r.rhyme_group == "屑"


def test_eight_line_old_style_poem_is_a_gu_feng():
    r = check(WANGYUE)
    assert r.ancient == "五言古风" and r.ok and r.rhyme_ok


def test_six_equal_lines_are_a_gu_feng_not_unknown():
    r = check(JINGYESI + "床前明月光，疑是地上霜。")
    assert r.ancient == "五言古风" and r.form is None and r.ok


def test_unrhymed_quatrain_is_old_style_but_not_ok():
    r = check("床前明月光，疑是地上雪。举头望明月，低头思故人。")
    assert r.ancient == "五言古绝" and not r.ok and r.rhyme_ok is False
    assert [v.kind for v in r.errors] == ["rhyme"]


def test_requested_regulated_form_is_checked_strictly():
    r = check(JINGYESI, form="五绝")
    assert r.ancient is None and r.form == "五绝" and not r.ok and "gu_ping" in r.kinds()


@pytest.mark.parametrize("title,text,kind", KNOWN_FAULTS)
def test_a_single_slip_stays_regulated(title, text, kind):
    r = check(text)
    assert r.ancient is None and r.form is not None


def test_regulated_poems_are_never_called_ancient():
    assert all(check(text).ancient is None for _, _, text, _, _ in REGULATED)


def test_irregular_lines_are_neither():
    r = check("前不见古人，后不见来者。念天地之悠悠，独怆然而涕下。")
    assert r.ancient is None and r.form is None and not r.ok
