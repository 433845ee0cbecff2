"""Chinese numerals ↔ integers, as used in article numbers (第一千零七十九条, 第十七条之一, 第两百条).

Example:
    >>> cn_to_int("一千零七十九"), cn_to_int("十七"), cn_to_int("1254"), int_to_cn(1165)
    (1079, 17, 1254, '一千一百六十五')
"""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
# Full-width digits appear in pasted documents (第１１６５条).
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

# One regex fragment for "a number as written in a citation".
NUMBER = r"[0-9０-９零〇一二两三四五六七八九十百千万]+"
_NUMBER_RE = re.compile(rf"^{NUMBER}$")


def cn_to_int(s: str) -> int | None:
    """Parse an Arabic or Chinese numeral (up to 万, with 零, leading 十, 两).

    Args:
        s: e.g. "1254", "一千二百五十四", "十七", "两百", "一万零一".

    Returns:
        The integer, or None when ``s`` is not a well-formed numeral.
    """
    s = (s or "").strip().translate(_FULLWIDTH)
    if not s or not _NUMBER_RE.match(s):
        return None
    if s.isdigit():
        return int(s)
    if any(c.isdigit() for c in s):
        return None
    if "万" in s:
        high, _, low = s.partition("万")
        h = cn_to_int(high) if high else 1
        lo = cn_to_int(low) if low else 0
        if h is None or lo is None:
            return None
        return h * 10000 + lo
    total, num, seen_digit = 0, 0, False
    last_unit = 10**9
    for ch in s:
        if ch in DIGITS:
            num = DIGITS[ch]
            seen_digit = True
        else:
            unit = UNITS[ch]
            if unit >= last_unit:  # 十百 / 百百: malformed
                return None
            total += (num if seen_digit else 1) * unit
            last_unit, num, seen_digit = unit, 0, False
    total += num
    # Bare digit strings such as "一二三" are not numerals in this sense.
    if sum(ch in DIGITS and ch not in "零〇" for ch in s) > len([c for c in s if c in UNITS]) + 1:
        return None
    return total


def int_to_cn(n: int) -> str:
    """Write ``n`` (0 < n < 100000) the way statutes number their articles: 1079 → 一千零七十九, 17 → 十七."""
    if n <= 0 or n >= 100000:
        raise ValueError(f"条号超出范围 (article number out of range): {n}")
    digits = "零一二三四五六七八九"
    units = [(10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")]
    out, zero = [], False
    started = False
    for value, name in units:
        d = (n // value) % 10
        if d == 0:
            if started:
                zero = True
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(digits[d] + name)
        started = True
    s = "".join(out)
    return s[1:] if s.startswith("一十") else s


SUB_NAMES = "一二三四五六七八九十"


def article_label(article_no: int, sub: int = 0) -> str:
    """The label a statute uses: (17, 1) → 第十七条之一."""
    label = f"第{int_to_cn(article_no)}条"
    if sub:
        label += f"之{int_to_cn(sub)}"
    return label
