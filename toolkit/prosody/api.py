"""Pure data functions over the rhyme books, for constrained generation and UIs."""

from __future__ import annotations

from .books import EITHER, LEVEL, OBLIQUE, get_book

from ..errors import InvalidInputError


def chars_with_tone(tone: str, rhyme_book: str = "pingshui") -> frozenset[str]:
    """Simplified characters whose tone in ``rhyme_book`` is ``tone`` (平, 仄 or 中)."""
    if tone not in (LEVEL, OBLIQUE, EITHER):
        raise InvalidInputError(f"未知的声调 {tone!r} (unknown tone); 可选 (valid): 平, 仄, 中")
    return get_book(rhyme_book).chars_with_tone(tone)


def rhyme_groups(rhyme_book: str = "pingshui", tone: str | None = "平") -> list[str]:
    """Group names of a book in table order; ``tone`` filters (平 上 去 入, or 仄 = all oblique; None = all)."""
    out = []
    for g in get_book(rhyme_book).groups:
        if tone is None or g.tone == tone or (tone == OBLIQUE and g.tone != LEVEL):
            if g.name not in out:
                out.append(g.name)
    return out


def group_chars(group: str, rhyme_book: str = "pingshui", tone: str = "平") -> str:
    """Members of ``group`` (level-tone members by default; pass tone=仄/上/去/入 for the others).

    For 平水韵 a group name is also its tone (东 平, 董 上 ...), so ``tone`` only matters for books whose
    groups span tones (词林正韵 部, 中华新韵/通韵)."""
    book = get_book(rhyme_book)
    cands = [g for g in book.groups if g.name == group or g.name == book.group(group).name]
    if tone == OBLIQUE:
        sel = [g for g in cands if g.tone != LEVEL]
    else:
        sel = [g for g in cands if g.tone == tone] or (cands if len({g.tone for g in cands}) == 1 else [])
    return "".join(dict.fromkeys("".join(g.chars for g in sel)))


def groups_of(char: str, rhyme_book: str = "pingshui", level_only: bool = False) -> tuple[str, ...]:
    """Every group holding ``char`` (衰 → 支, 灰); simplified or traditional input."""
    return get_book(rhyme_book).groups_of(char, level_only=level_only)
