"""Bad input never escapes as anything but InvalidInputError, and odd text gets a report."""

import random

import pytest

from toolkit.errors import InvalidInputError
from toolkit.prosody import check

pytestmark = pytest.mark.usefixtures("prosody_ready")


@pytest.mark.parametrize("bad", ["", "   \n ", "hello world", "🌙🌙🌙", "12345，67890", "x" * 3000, "月" * 1_000_000])
def test_rejected_with_a_clear_error(bad):
    with pytest.raises(InvalidInputError):
        check(bad)


def test_not_a_string():
    with pytest.raises(InvalidInputError):
        check(None)  # type: ignore[arg-type]


def test_emoji_and_latin_inside_a_poem_are_reported():
    r = check("白日依山尽🌞，黄河入海流。欲穷千里目，更上一层楼 ok。")
    assert r.form == "五绝" and not r.ok
    stray = [v for v in r.errors if v.kind == "unknown_char"]
    assert len(stray) == 3 and "'🌞'" in stray[0].message


def test_unbalanced_lines_say_why():
    r = check("床前明月光，疑是地上霜。举头望明月。")
    assert r.form is None and not r.ok and r.rhyme_ok is None
    assert "3 句" in r.reason and r.tones and r.violations[0].kind == "form"


def test_unknown_rhyme_book():
    with pytest.raises(InvalidInputError):
        check("白日依山尽，黄河入海流。欲穷千里目，更上一层楼。", rhyme_book="nope")


def test_random_text_never_crashes():
    rng = random.Random(7)
    pool = "白日依山尽黄河入海流欲穷千里目更上一层楼𠀀丶亅，。！？ \nabc🌙"
    for _ in range(300):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 130)))
        try:
            r = check(text, form=rng.choice([None, None, "五绝", "七律", "菩萨蛮"]))
        except InvalidInputError:
            continue
        assert len(r.tones) == len(r.lines)
        assert all(len(t) == len(l) for t, l in zip(r.tones, r.lines))
