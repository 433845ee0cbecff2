"""Chinese numerals in article numbers."""

import pytest

from toolkit.legal.numerals import article_label, cn_to_int, int_to_cn


@pytest.mark.parametrize("text, value", [
    ("1254", 1254), ("１１６５", 1165), ("一千二百五十四", 1254), ("一千零七十九", 1079), ("一千零八十七", 1087),
    ("十七", 17), ("十", 10), ("二十", 20), ("一百二十", 120), ("一百零一", 101), ("两百", 200),
    ("三百八十四", 384), ("一万零一", 10001), ("零", 0), ("〇", 0),
])
def test_cn_to_int(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", ["", "第", "一二三", "十百", "12三", "abc", "百百"])
def test_cn_to_int_rejects_malformed(text):
    assert cn_to_int(text) is None


@pytest.mark.parametrize("n", [1, 10, 11, 17, 20, 100, 101, 110, 1000, 1001, 1079, 1165, 1260, 9999, 10001])
def test_round_trip(n):
    assert cn_to_int(int_to_cn(n)) == n


def test_labels():
    assert int_to_cn(17) == "十七" and int_to_cn(1079) == "一千零七十九"
    assert article_label(1165) == "第一千一百六十五条"
    assert article_label(133, 1) == "第一百三十三条之一"
    with pytest.raises(ValueError):
        int_to_cn(0)
