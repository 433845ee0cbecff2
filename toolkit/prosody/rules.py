"""Small pure rules over one line's tones (平/仄/中), shared by the checker and constrained generation.

``中`` (a character with both readings) is given the benefit of the doubt by default: a rule fires
only when the definite tones break it. Pass ``either_as`` to read 中 as 平 or 仄 instead.
"""

from __future__ import annotations

from collections.abc import Sequence


def _resolve(tones: Sequence[str], either_as: str | None) -> list[str]:
    return [either_as if (t == "中" and either_as) else t for t in tones]


def core(tones: Sequence[str]) -> list[str]:
    """The last five positions: the part of a 七言 line that behaves like a 五言 line."""
    return list(tones[-5:])


def is_gu_ping(line_tones: Sequence[str], either_as: str | None = None) -> bool:
    """孤平: a line ending 平 whose core (last five) has, besides the rhyme, a single 平 that stands
    alone, i.e. 平平仄仄平 with the first 平 made 仄 (仄平仄仄平; 七言 仄仄仄平仄仄平).

    The common rescue 仄平平仄平 (third core position made 平) has two 平 and is not 孤平. A line like
    仄仄仄平平 is not 孤平 either: its lone 平 leans on the rhyme.

    Args:
        line_tones: tones of one line (5 or 7 items, 平/仄/中).
        either_as: how to read 中; None = whichever avoids the fault.
    """
    t = core(_resolve(line_tones, either_as))
    if len(t) < 5 or t[-1] == "仄":
        return False
    head = t[:4]
    if "中" in head:
        # benefit of the doubt: 中 could be 平, so only definite patterns count
        head = ["平" if x == "中" else x for x in head]
    ping = [i for i, x in enumerate(head) if x == "平"]
    return len(ping) == 1 and ping[0] != 3


def is_san_ping_wei(line_tones: Sequence[str], either_as: str | None = None) -> bool:
    """三平尾: the last three characters all 平 (a 中 counts only when ``either_as`` says 平)."""
    t = _resolve(line_tones, either_as)
    return len(t) >= 3 and all(x == "平" for x in t[-3:])


def is_san_ze_wei(line_tones: Sequence[str], either_as: str | None = None) -> bool:
    """三仄尾: the last three all 仄 — tolerated in 近体 (noted only by strict teachers)."""
    t = _resolve(line_tones, either_as)
    return len(t) >= 3 and all(x == "仄" for x in t[-3:])


def matches(actual: str, expected: str) -> bool:
    """Whether an actual tone satisfies an expected one (中 on either side always matches)."""
    return actual == expected or "中" in (actual, expected)


def line_fits(line_tones: Sequence[str], pattern: str, rhyme_tone: str | None = None, check_gu_ping: bool = True) -> bool:
    """Whether a complete line satisfies a template line: every fixed position of ``pattern`` (中 is
    free), the rhyme tone if given, and — for lines ending 平, as in 近体 — no 孤平 and no 三平尾.

    Constrained generation can use it to accept or reject a finished candidate line.

    Args:
        line_tones: the line's tones (平/仄/中), same length as ``pattern``.
        pattern: the template line's pattern (:attr:`LineTemplate.pattern`).
        rhyme_tone: 平 or 仄 for a rhyming line.
        check_gu_ping: apply 孤平/三平尾 (True for 近体; pass False for 词).
    """
    if len(line_tones) != len(pattern):
        return False
    if any(e != "中" and not matches(a, e) for a, e in zip(line_tones, pattern)):
        return False
    if rhyme_tone and not matches(line_tones[-1], rhyme_tone):
        return False
    if check_gu_ping and pattern[-1] == "平" and (is_gu_ping(line_tones) or is_san_ping_wei(line_tones)):
        return False
    return True
