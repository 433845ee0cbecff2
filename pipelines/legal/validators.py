"""Field validators for legal documents: ID numbers, phones, dates, money (with 大写 amounts).

Each validator is a small pure function that returns the normalised value or raises
``ValueError`` with a Chinese message naming the bad value; the drafter collects those messages
for every field at once.

Example:
    >>> rmb_upper(10005), rmb_upper("1234.56")
    ('人民币壹万零伍元整', '人民币壹仟贰佰叁拾肆元伍角陆分')
    >>> check_id_number("11010519491231002X")
    '11010519491231002X'
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ((1000, "仟"), (100, "佰"), (10, "拾"), (1, ""))
_BIG_UNITS = ("", "万", "亿", "万亿")
MAX_AMOUNT = Decimal("9999999999999999.99")

# GB 11643-1999: weights of the first 17 digits and the check character for sum % 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


# ---- identity numbers --------------------------------------------------------------------------
def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def check_id_number(value) -> str:
    """Validate an 18-digit 居民身份证号码 (format, birth date, GB 11643 checksum); return it upper-cased."""
    s = str(value or "").strip().upper().replace(" ", "")
    if not re.fullmatch(r"\d{17}[\dX]", s):
        raise ValueError(f"身份证号码须为 18 位（前 17 位数字，末位数字或 X）(ID number must have 18 characters): {value!r}")
    try:
        birth = dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise ValueError(f"身份证号码中的出生日期无效 (invalid birth date in ID number): {s[6:14]}") from None
    if birth > dt.date.today() or birth.year < 1900:
        raise ValueError(f"身份证号码中的出生日期不合理 (implausible birth date in ID number): {s[6:14]}")
    expected = id_check_char(s[:17])
    if s[17] != expected:
        raise ValueError(f"身份证号码校验位错误 (ID checksum mismatch): {s}，末位应为 {expected}")
    return s


def id_birth_gender(id_number: str) -> tuple[dt.date, str]:
    """Birth date and 男/女 encoded in a valid ID number (17th digit odd = 男)."""
    s = check_id_number(id_number)
    return dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14])), ("男" if int(s[16]) % 2 else "女")


def make_id_number(region: str, birth: str, seq: int, male: bool) -> str:
    """Build a checksum-valid ID number (for fictional examples): region 6 digits, birth YYYYMMDD."""
    order = f"{seq:02d}{(1 if male else 2) + (seq % 4) * 2}"  # 3 digits; odd = male
    first17 = f"{region}{birth}{order}"
    return first17 + id_check_char(first17)


# ---- phones ------------------------------------------------------------------------------------
def check_phone(value) -> str:
    """Validate a mainland mobile (1[3-9]xxxxxxxxx, optional +86) or landline (0xx-xxxxxxxx[-ext])."""
    raw = str(value or "").strip()
    s = re.sub(r"[\s()（）]", "", raw)
    s = re.sub(r"^(\+?86)(?=1\d{10}$)", "", s)
    if re.fullmatch(r"1[3-9]\d{9}", s):
        return s
    if re.fullmatch(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?", s):
        return s if "-" in s else (s[:3] + "-" + s[3:] if s[1] in "12" else s[:4] + "-" + s[4:])
    if re.fullmatch(r"[48]00-?\d{3}-?\d{4}", s):
        return s
    raise ValueError(f"电话号码格式无效 (invalid phone number): {raw!r}；手机如 13812345678，座机如 010-12345678")


# ---- dates -------------------------------------------------------------------------------------
_CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "O": "0"}


def _cn_date_part(s: str) -> str:
    if s.isdigit():
        return s
    if all(c in _CN_DIGIT for c in s):  # 二〇二四
        return "".join(_CN_DIGIT[c] for c in s)
    m = re.fullmatch(r"([一二三]?)十([一二三四五六七八九]?)", s)  # 十二, 二十一, 三十
    if m:
        tens = int(_CN_DIGIT[m.group(1)]) if m.group(1) else 1
        return str(tens * 10 + (int(_CN_DIGIT[m.group(2)]) if m.group(2) else 0))
    raise ValueError(s)


def parse_date(value) -> dt.date:
    """Parse YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, 2024年3月1日 or 二〇二四年三月一日 into a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value or "").strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", raw) or re.fullmatch(
        r"(\S{4})年(\S{1,3})月(\S{1,3})日", raw
    )
    try:
        if not m:
            raise ValueError(raw)
        y, mo, d = (int(_cn_date_part(p)) for p in m.groups())
        return dt.date(y, mo, d)
    except ValueError:
        raise ValueError(
            f"日期无效 (invalid date): {raw!r}；格式 (format) YYYY-MM-DD 或 2024年3月1日"
        ) from None


def format_date(d: dt.date) -> str:
    """2024年3月1日"""
    return f"{d.year}年{d.month}月{d.day}日"


# ---- money -------------------------------------------------------------------------------------
def parse_amount(value) -> Decimal:
    """Parse an amount (10000, "10,000.00", "¥1.5万", "8000元") into a positive Decimal with ≤ 2 decimals."""
    if isinstance(value, bool):
        raise ValueError(f"金额无效 (invalid amount): {value!r}")
    raw = str(value).strip() if value is not None else ""
    s = re.sub(r"^(人民币|RMB|CNY|¥|￥)", "", raw.replace(",", "").replace("，", "").replace(" ", ""), flags=re.I)
    mult = 1
    if s.endswith("元"):
        s = s[:-1]
    if s.endswith("万"):
        s, mult = s[:-1], 10000
    try:
        amount = Decimal(s) * mult
    except InvalidOperation:
        raise ValueError(f"金额无效 (invalid amount): {raw!r}；请填写数字，如 10000 或 1234.56") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"金额必须大于 0 (amount must be > 0): {raw!r}")
    if amount > MAX_AMOUNT:
        raise ValueError(f"金额过大 (amount too large): {raw!r}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"金额最多保留两位小数 (at most 2 decimals, to the 分): {raw!r}")
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _group_words(g: int) -> str:
    out, zero = "", False
    for pos, unit in _SMALL_UNITS:
        d = g // pos % 10
        if d == 0:
            zero = bool(out)
        else:
            out += ("零" if zero else "") + _DIGITS[d] + unit
            zero = False
    return out


def _integer_words(n: int) -> str:
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out, zero = "", False
    for i in reversed(range(len(groups))):
        g = groups[i]
        if g == 0:
            zero = bool(out)
            continue
        if out and (zero or g < 1000):
            out += "零"
        out += _group_words(g) + _BIG_UNITS[i]
        zero = False
    return out


def rmb_upper(value, prefix: str = "人民币") -> str:
    """The uppercase (大写) RMB form used in contracts and pleadings.

    Args:
        value: a positive amount (int, str, Decimal).
        prefix: put before the words (default 人民币).

    Returns:
        e.g. 10000 → 人民币壹万元整, 1234.56 → 人民币壹仟贰佰叁拾肆元伍角陆分, 10.05 → 人民币壹拾元零伍分.
    """
    amount = parse_amount(value)
    cents = int(amount * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    out = _integer_words(yuan) + "元" if yuan else ""
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif fen and yuan:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    else:
        out += "整"
    return prefix + out


def format_money(value) -> str:
    """人民币壹万元整（¥10,000.00）"""
    amount = parse_amount(value)
    return f"{rmb_upper(amount)}（¥{amount:,.2f}）"


# ---- plausibility warnings (the document is still drafted; the user is told what to check) ------
# Dates this far from today are almost always typos (2099 for 2029); long leases and loans stay inside.
FUTURE_YEARS = 50
EARLIEST = dt.date(1949, 10, 1)
# 民间借贷: interest above four times the one-year LPR at contract time is not protected (最高人民法院
# 关于审理民间借贷案件适用法律若干问题的规定 第二十五条). The LPR changes monthly; this is the 1-year LPR
# published from 2025-05-20, so the threshold is a prompt to check, not a ruling.
LPR_1Y = Decimal("3.0")
RATE_CAP = 4 * LPR_1Y
_RATE_RE = re.compile(r"(年|月|日)?(?:利率|息|利息)?\s*(?:为|是)?\s*(\d+(?:\.\d+)?)\s*[%％]")
_PERIODS = {"年": 1, "月": 12, "日": 365, None: 1}


def date_warning(d: dt.date, label: str, today: dt.date | None = None) -> str | None:
    """A note when ``d`` is implausibly far in the future or before 1949-10-01, else None."""
    today = today or dt.date.today()
    if d.year > today.year + FUTURE_YEARS:
        return (f"{label} {format_date(d)} 在 {d.year - today.year} 年之后, 请核对是否笔误 "
                f"(date is {d.year - today.year} years ahead: check for a typo)")
    if d < EARLIEST:
        return f"{label} {format_date(d)} 早于 1949年10月1日, 请核对 (date before 1949-10-01: check it)"
    return None


def annual_rate(text: str) -> Decimal | None:
    """The highest annual percentage stated in ``text`` (月利率 × 12, 日利率 × 365), or None if none is stated.

    Example:
        >>> annual_rate("月利率2%，按月计息"), annual_rate("本借款不计利息")
        (Decimal('24'), None)
    """
    best = None
    for period, num in _RATE_RE.findall(str(text or "")):
        rate = Decimal(num) * _PERIODS[period or None]
        best = rate if best is None or rate > best else best
    return best


def interest_warning(text: str, label: str = "借款利率") -> str | None:
    """A note when the stated interest is above four times the one-year LPR (see :data:`RATE_CAP`)."""
    rate = annual_rate(text)
    if rate is None or rate <= RATE_CAP:
        return None
    return (f"{label}折合年利率 {rate.normalize():f}% 超过一年期 LPR ({LPR_1Y}%) 的四倍 ({RATE_CAP}%), 超出部分不受法律保护 "
            f"(annual rate {rate.normalize():f}% is above 4 × the 1-year LPR: the excess is not enforceable; "
            "民间借贷司法解释第二十五条)")


def value_warnings(values: dict, labels: dict[str, str], today: dt.date | None = None) -> list[str]:
    """Plausibility notes for validated field values: far-off dates, interest above the legal cap.

    Args:
        values: normalised values (dates as ``datetime.date``).
        labels: field name → Chinese label, for the messages.
    """
    out = []
    for key, val in values.items():
        label = labels.get(key, key)
        note = None
        if isinstance(val, dt.date):
            note = date_warning(val, label, today)
        elif isinstance(val, str) and ("rate" in key or "interest" in key or "利率" in label):
            note = interest_warning(val, label)
        if note:
            out.append(note)
    return out
