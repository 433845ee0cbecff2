"""Tone templates of regulated verse (近体诗): 五绝 七绝 五律 七律 × 平起/仄起 × 首句入韵/不入韵.

Every line is one of four basic five-character types (七言 prefixes two positions of the opposite tone):

    A 仄仄平平仄    B 平平仄仄平    C 平平平仄仄    D 仄仄仄平平

The first line's type fixes the rest: its couplet partner is the 对 (A→B, C→D; a rhyming first line
B→D, D→B) and the next couplet starts 粘 (same second-position tone as the line before, ending 仄).
``pattern`` relaxes the positions "一三五不论" frees — except D's third core position, which must stay
仄 (else 三平尾); B's 孤平 is a separate rule (:func:`toolkit.prosody.rules.is_gu_ping`).

Example:
    >>> from toolkit.prosody.forms import regulated_templates as templates
    >>> [t.name for t in templates("五绝")]
    ['平起首句入韵', '平起首句不入韵', '仄起首句入韵', '仄起首句不入韵']
    >>> templates("五绝")[3].lines[0].pattern
    '中仄中平仄'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..errors import InvalidInputError

# The one definition of the four regulated forms and their shapes (lines, characters per line);
# corpus form detection, the embedded model's control tokens and the poetry pipeline all read these.
SHAPES = {"五绝": (4, 5), "七绝": (4, 7), "五律": (8, 5), "七律": (8, 7)}
REGULATED_FORMS = tuple(SHAPES)


def n_lines(form: str) -> int:
    """Number of lines of a regulated form."""
    return _shape(form)[0]


def line_length(form: str) -> int:
    """Characters per line of a regulated form."""
    return _shape(form)[1]


def _shape(form: str) -> tuple[int, int]:
    if form not in SHAPES:
        raise InvalidInputError(f"未知的体裁 {form!r} (unknown form); 可选 (valid): {', '.join(SHAPES)}")
    return SHAPES[form]
BASE = {"A": "仄仄平平仄", "B": "平平仄仄平", "C": "平平平仄仄", "D": "仄仄仄平平"}
# Relaxed five-character patterns (中 = free position).
RELAXED = {"A": "中仄中平仄", "B": "中平中仄平", "C": "中平中仄仄", "D": "中仄仄平平"}
_PARTNER = {"A": "B", "C": "D", "B": "D", "D": "B"}  # couplet 对 of a first line
_NEXT = {"B": "C", "D": "A"}  # 粘: second line's type -> next couplet's first line
_FLIP = {"平": "仄", "仄": "平", "中": "中"}


@dataclass(frozen=True)
class LineTemplate:
    """Expected tones of one line.

    Attributes:
        pattern: per position 平/仄/中 (中 = free), e.g. ``中仄中平仄``.
        base: the standard full pattern, e.g. ``仄仄平平仄``.
        rhyme: the last character must rhyme.
        rhyme_tone: 平 or 仄 for a rhyming line (None otherwise).
        rhyme_set: which rhyme sequence the line belongs to (0 in 近体; 换韵 词牌 use 0, 1, ...).
        kind: basic type A/B/C/D for 近体 lines, "" for 词.
        optional_rhyme: the rhyme is allowed but not required (词 "可韵").
    """

    pattern: str
    base: str
    rhyme: bool
    rhyme_tone: str | None = None
    rhyme_set: int = 0
    kind: str = ""
    optional_rhyme: bool = False

    @property
    def length(self) -> int:
        return len(self.pattern)


@dataclass(frozen=True)
class Template:
    """A whole form: ``form`` (五绝 / 词牌名), ``name`` (平起首句入韵 / 变体名), ``lines``."""

    form: str
    name: str
    lines: tuple[LineTemplate, ...]
    source: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(lt.length for lt in self.lines)

    @property
    def total(self) -> int:
        return sum(self.shape)

    @property
    def rhyme_lines(self) -> tuple[int, ...]:
        return tuple(i for i, lt in enumerate(self.lines) if lt.rhyme)


def _line(kind: str, length: int, rhyme: bool) -> LineTemplate:
    base, relaxed = BASE[kind], RELAXED[kind]
    if length == 7:
        head = _FLIP[base[0]]
        base, relaxed = head * 2 + base, "中" + head + relaxed
    return LineTemplate(relaxed, base, rhyme, "平" if rhyme else None, 0, kind)


def couplet_kinds(first: str) -> tuple[str, str]:
    """The two line types of a couplet whose first line is ``first`` (对)."""
    return first, _PARTNER[first]


def nian_next(second: str) -> str:
    """The first-line type that 粘 requires after a couplet ending with type ``second``."""
    return _NEXT[second]


def template_from_kinds(form: str, kinds: list[str] | tuple[str, ...]) -> Template:
    """A template with the given line types (A/B/C/D) — the canonical ones, or a 失粘 variant."""
    return _from_kinds(form, tuple(kinds))


@lru_cache(maxsize=512)
def _from_kinds(form: str, kinds: tuple[str, ...]) -> Template:
    length = SHAPES[form][1]
    lines = tuple(_line(k, length, i == 0 and k in "BD" or i % 2 == 1) for i, k in enumerate(kinds))
    second = lines[0].base[1]
    name = f"{'平' if second == '平' else '仄'}起首句{'入韵' if lines[0].rhyme else '不入韵'}"
    return Template(form, name, lines, "近体诗格律 (王力《诗词格律》)")


def canonical_kinds(form: str, first: str) -> list[str]:
    """Line types of the regulated template starting with ``first``, following 对 and 粘."""
    n_lines = SHAPES[form][0]
    kinds = [first]
    while len(kinds) < n_lines:
        prev = kinds[-1]
        kinds.append(_PARTNER[prev] if len(kinds) % 2 == 1 else _NEXT[prev])
    return kinds


def _build(form: str, first: str) -> Template:
    return template_from_kinds(form, canonical_kinds(form, first))


_CACHE: dict[str, tuple[Template, ...]] = {}


def regulated_templates(form: str) -> tuple[Template, ...]:
    """The four templates of a regulated form, in the order 平起入韵, 平起不入韵, 仄起入韵, 仄起不入韵."""
    if form not in SHAPES:
        raise InvalidInputError(f"未知的体裁 {form!r} (unknown form); 可选 (valid): {', '.join(REGULATED_FORMS)}")
    if form not in _CACHE:
        length = SHAPES[form][1]
        # 五言: 平起 = B/C first; 七言 flips the head, so 平起 = D/A first.
        order = ("B", "C", "D", "A") if length == 5 else ("D", "A", "B", "C")
        _CACHE[form] = tuple(_build(form, k) for k in order)
    return _CACHE[form]


def forms_for_shape(shape: tuple[int, ...]) -> list[str]:
    """Regulated forms whose line count and length match ``shape``."""
    return [f for f, (n, l) in SHAPES.items() if len(shape) == n and all(x == l for x in shape)]
