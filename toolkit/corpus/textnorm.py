"""Small pure text helpers shared by the corpus builders: clause splitting, numerals, OpenCC."""

from __future__ import annotations

import re
from functools import lru_cache

# Clause separators: Chinese and ASCII punctuation plus whitespace.
_CLAUSE_SPLIT = re.compile(r"[，。！？；：、,.!?;:\s　·•…—\-「」『』“”‘’\"'《》〈〉]+")
# Editorial notes inside poems: （一作…）, (明明 一作：佼佼), [注] ...
_NOTE = re.compile(r"[（(][^（）()]*[）)]|〔[^〔〕]*〕|\[[^\[\]]*\]")
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
# Marks of a damaged source text: missing characters (□, ○ in text, U+FFFD) or unresolved {glyph} codes.
_GARBLED = re.compile(r"[□■○◇�\ufffd]|\{[^}]*\}|<[^>]*>|[A-Za-z0-9]")


def strip_notes(text: str) -> str:
    """Remove bracketed editorial notes (``（一作…）``) from a poem line."""
    prev = None
    while prev != text:  # nested brackets
        prev, text = text, _NOTE.sub("", text)
    return text


def split_clauses(text: str) -> list[str]:
    """Split simplified poem text into clauses (句) without punctuation.

    Example:
        >>> split_clauses("床前明月光，疑是地上霜。\\n举头望明月，低头思故乡。")
        ['床前明月光', '疑是地上霜', '举头望明月', '低头思故乡']
    """
    return [c for c in _CLAUSE_SPLIT.split(text) if c]


def han_count(text: str) -> int:
    """Number of CJK ideographs in ``text``."""
    return len(_HAN.findall(text))


def is_garbled(text: str) -> bool:
    """True if the text shows missing-character marks, unresolved glyph codes or Latin letters/digits."""
    return bool(_GARBLED.search(text))


@lru_cache(maxsize=4)
def _converter(config: str):
    from opencc import OpenCC  # opencc-python-reimplemented

    return OpenCC(config)


def t2s(text: str) -> str:
    """Traditional → simplified (OpenCC ``t2s``)."""
    return _converter("t2s").convert(text) if text else text


def s2t(text: str) -> str:
    """Simplified → traditional (OpenCC ``s2t``)."""
    return _converter("s2t").convert(text) if text else text


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def cn_to_int(s: str) -> int:
    """Parse a Chinese numeral (一千二百六十五, 十七, 一百零四) or ASCII digits.

    Raises:
        ValueError: the string is not a numeral; the message names it.
    """
    s = s.strip()
    if s.isdigit():
        return int(s)
    if not s or any(ch not in _DIGITS and ch not in _UNITS for ch in s):
        raise ValueError(f"不是中文数字 (not a Chinese numeral): {s!r}")
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "万":
            section = (section + (digit or 0)) * 10000
            total, section, digit = total + section, 0, None
        else:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + section + (digit or 0)


_LABEL = re.compile(r"^第([零〇一二两三四五六七八九十百千万\d]+)条(?:之([零〇一二两三四五六七八九十\d]+))?$")


def parse_article_label(label: str) -> tuple[int, int] | None:
    """``第一百二十条之一`` → ``(120, 1)``; ``第十七条`` → ``(17, 0)``; anything else → None."""
    m = _LABEL.match(label.strip())
    if not m:
        return None
    return cn_to_int(m.group(1)), (cn_to_int(m.group(2)) if m.group(2) else 0)
