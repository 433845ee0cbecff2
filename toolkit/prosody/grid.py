"""Tones of a poem's characters, and the notes for characters the rhyme book does not list."""

from __future__ import annotations

from .books import RhymeBook
from .report import Violation
from .tones import ToneInfo, mandarin_tone


def tone_grid(lines: list[str], book: RhymeBook) -> tuple[list[list[str]], list[ToneInfo]]:
    """Tones of every character plus the characters the book does not list."""
    grid, unknown, seen = [], [], set()
    for line in lines:
        row = []
        for ch in line:
            t = book.tone(ch)
            if t is None:
                est = mandarin_tone(ch, classical=book.id in ("pingshui", "cilin"))
                info = ToneInfo(ch, est or "中", "mandarin" if est else "unknown")
                if ch not in seen:
                    unknown.append(info)
                    seen.add(ch)
                t = info.tone
            row.append(t)
        grid.append(row)
    return grid, unknown


def unknown_violations(lines: list[str], unknown: list[ToneInfo], stray) -> list[Violation]:
    out = []
    for info in unknown:
        i = next(k for k, l in enumerate(lines) if info.char in l)
        how = f"按普通话读音估为{info.tone}" if info.source == "mandarin" else "读音不明, 按可平可仄处理"
        out.append(Violation(i, lines[i].index(info.char), "unknown_char", f"「{info.char}」韵书未收, {how}", "note"))
    for i, ch in stray:
        out.append(Violation(i, -1, "unknown_char", f"非汉字字符 {ch!r} 已忽略 (not a Chinese character)"))
    return out
