"""Validators: GB 11643 ID checksum, phones, dates, amounts in words (大写)."""

import datetime as dt
from decimal import Decimal

import pytest

from pipelines.legal.validators import (check_id_number, check_phone, format_money, id_birth_gender, id_check_char,
                                        make_id_number, parse_amount, parse_date, rmb_upper)


@pytest.mark.parametrize(
    "amount, words",
    [
        (10000, "人民币壹万元整"),
        ("1234.56", "人民币壹仟贰佰叁拾肆元伍角陆分"),
        (10005, "人民币壹万零伍元整"),
        (100000, "人民币壹拾万元整"),
        (1, "人民币壹元整"),
        (10, "人民币壹拾元整"),
        (15, "人民币壹拾伍元整"),
        (101, "人民币壹佰零壹元整"),
        (110, "人民币壹佰壹拾元整"),
        (1010, "人民币壹仟零壹拾元整"),
        (1001, "人民币壹仟零壹元整"),
        (20500, "人民币贰万零伍佰元整"),
        (110000, "人民币壹拾壹万元整"),
        (1000100, "人民币壹佰万零壹佰元整"),
        (10010000, "人民币壹仟零壹万元整"),
        (100010000, "人民币壹亿零壹万元整"),
        (300000000, "人民币叁亿元整"),
        ("0.05", "人民币伍分"),
        ("0.5", "人民币伍角整"),
        ("10.05", "人民币壹拾元零伍分"),
        ("1000.50", "人民币壹仟元伍角整"),
        ("20000000.07", "人民币贰仟万元零柒分"),
        ("¥1,234.00", "人民币壹仟贰佰叁拾肆元整"),
        ("1.5万", "人民币壹万伍仟元整"),
        ("8000元", "人民币捌仟元整"),
    ],
)
def test_rmb_upper(amount, words):
    assert rmb_upper(amount) == words


@pytest.mark.parametrize("bad", [-5, "0", "-100", "abc", "1.234", "", None, True, "1e30"])
def test_bad_amounts(bad):
    with pytest.raises(ValueError):
        parse_amount(bad)


def test_amount_and_money_format():
    assert parse_amount(" 50,000 ") == Decimal("50000.00")
    assert format_money(50000) == "人民币伍万元整（¥50,000.00）"


def test_id_checksum_known_and_generated():
    assert check_id_number("11010519491231002x") == "11010519491231002X"  # the GB 11643 sample number
    assert id_check_char("11010519491231002") == "X"
    for seq in range(10):
        idn = make_id_number("440106", "19780520", seq, seq % 2 == 0)
        assert check_id_number(idn) == idn
        assert id_birth_gender(idn) == (dt.date(1978, 5, 20), "男" if seq % 2 == 0 else "女")


@pytest.mark.parametrize(
    "bad, match",
    [
        ("110105194912310021", "校验位"),  # wrong check digit
        ("11010519491331002X", "出生日期"),  # month 13
        ("1101051949123100", "18 位"),
        ("11010519491231002Y", "18 位"),
        ("", "18 位"),
    ],
)
def test_bad_id_numbers(bad, match):
    with pytest.raises(ValueError, match=match):
        check_id_number(bad)


@pytest.mark.parametrize("good, norm", [("13812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"),
                                        ("010-12345678", "010-12345678"), ("02083331234", "020-83331234"),
                                        ("0755-1234567", "0755-1234567"), ("400-810-8888", "400-810-8888")])
def test_phones(good, norm):
    assert check_phone(good) == norm


@pytest.mark.parametrize("bad", ["12345678901", "1381234567", "abc", "", "010-123"])
def test_bad_phones(bad):
    with pytest.raises(ValueError, match="电话"):
        check_phone(bad)


@pytest.mark.parametrize("text", ["2024-03-01", "2024/3/1", "2024.03.01", "2024年3月1日", "2024年03月01日", "二〇二四年三月一日"])
def test_dates(text):
    assert parse_date(text) == dt.date(2024, 3, 1)


def test_date_with_chinese_tens():
    assert parse_date("二〇二四年十二月三十一日") == dt.date(2024, 12, 31)


@pytest.mark.parametrize("bad", ["2024-02-30", "2024-13-01", "明天", "", "2024年3月"])
def test_bad_dates(bad):
    with pytest.raises(ValueError, match="日期"):
        parse_date(bad)
