"""平/仄/中 of one character in a rhyme book, with a Mandarin-based estimate for characters the
book does not list.

Example:
    >>> from toolkit.prosody.tones import tone
    >>> tone("白"), tone("看"), tone("白", "xinyun")     # doctest: +SKIP
    ('仄', '中', '平')
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInputError
from .books import CLASSICAL, EITHER, LEVEL, OBLIQUE, book_id, get_book

# Unaspirated stops/affricates: in Mandarin 阳平 with a non-nasal final they almost always continue an
# old 入声 (白 国 德 独 竹 学 ...), so a classical book should read them 仄.
_RUSHENG_INITIALS = {"b", "d", "g", "j", "zh", "z"}


@dataclass(frozen=True)
class ToneInfo:
    """``tone`` in {平, 仄, 中}; ``source``: "table" (the rhyme book lists it), "mandarin" (estimated
    from pypinyin), or "unknown" (no data: 中)."""

    char: str
    tone: str
    source: str


def is_han(ch: str) -> bool:
    """True for a CJK ideograph (unified, extensions A–G, compatibility)."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x323AF
        or 0xF900 <= o <= 0xFAFF or o == 0x3007
    )


def mandarin_tone(char: str, classical: bool) -> str | None:
    """Estimate from pypinyin readings: 1/2 → 平, 3/4 → 仄, both → 中. For classical books a level
    reading that could hide an old 入声 (non-nasal final) is 中, or 仄 by the initial rule above."""
    from pypinyin.constants import PINYIN_DICT
    from pypinyin.style._utils import get_initials

    from .build import pinyin_final, strip_tone, tone_number

    readings = PINYIN_DICT.get(ord(char))
    if not readings:
        return None
    out = set()
    for r in readings.split(","):
        num, syl = tone_number(r), strip_tone(r)
        if num in (3, 4):
            out.add(OBLIQUE)
        elif num in (1, 2):
            fin = pinyin_final(syl)
            if not classical or fin.endswith(("n", "ng")) or fin == "er":
                out.add(LEVEL)
            elif num == 2 and get_initials(syl, strict=True) in _RUSHENG_INITIALS:
                out.add(OBLIQUE)
            else:
                out.add(EITHER)
    if not out:
        return None
    return out.pop() if len(out) == 1 else EITHER


def tone_info(char: str, rhyme_book: str = "pingshui") -> ToneInfo:
    """Tone of ``char`` with where it came from (see :class:`ToneInfo`)."""
    if not isinstance(char, str) or len(char) != 1:
        raise InvalidInputError(f"tone() 需要单个汉字 (expects one character), got {char!r}")
    book = get_book(rhyme_book)
    t = book.tone(char)
    if t is not None:
        return ToneInfo(char, t, "table")
    if not is_han(char):
        raise InvalidInputError(f"{char!r} 不是汉字 (not a Chinese character)")
    est = mandarin_tone(char, classical=book.id in CLASSICAL)
    if est is None:
        return ToneInfo(char, EITHER, "unknown")
    return ToneInfo(char, est, "mandarin")


def tone(char: str, rhyme_book: str = "pingshui") -> str:
    """平, 仄 or 中 (either: the character has readings of both kinds) for one character.

    Classical books (pingshui 平水韵, cilin 词林正韵): from the rhyme table, so 入声 characters are 仄
    (白 国 学 发 石 竹) and characters in both level and oblique groups are 中 (看 思 过 听 胜 教).
    Modern books (xinyun 中华新韵, tongyun 中华通韵): Mandarin tones 1/2 平, 3/4 仄.
    Traditional input works (髮 → 仄). Characters no table lists get a Mandarin-based estimate.

    Args:
        char: one character, simplified or traditional.
        rhyme_book: pingshui, cilin, xinyun, tongyun (or 平水韵, 词林正韵, 中华新韵, 中华通韵).

    Raises:
        InvalidInputError: not a single Chinese character, or an unknown rhyme book.
    """
    book_id(rhyme_book)
    return tone_info(char, rhyme_book).tone
