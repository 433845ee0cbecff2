"""Prosody engine (contract ``toolkit.prosody``): tones, rhyme books, 近体/词 templates and the checker.

Public API:
    check(text, form=None, rhyme_book="pingshui") -> ProsodyReport
    tone(char, rhyme_book="pingshui") -> 平 | 仄 | 中
    templates(form) -> list[Template]                   # 近体 forms or a 词牌's variants
    chars_with_tone(tone, rhyme_book) -> frozenset[str]
    rhyme_groups(rhyme_book, tone="平") -> list[str]
    group_chars(group, rhyme_book) -> str               # level-tone members of a group
    groups_of(char, rhyme_book, level_only=False) -> tuple[str, ...]
    is_gu_ping(line_tones), is_san_ping_wei(line_tones), line_fits(line_tones, pattern, rhyme_tone)
    cipai_names() -> list[str]; cipai(name) -> Cipai
    build_rhyme_tables(settings=None, force=False)      # the data step

Example:
    >>> from toolkit.prosody import check, tone
    >>> tone("白")
    '仄'
    >>> check("白日依山尽，黄河入海流。欲穷千里目，更上一层楼。").form
    '五绝'
"""

from __future__ import annotations

from .api import chars_with_tone, group_chars, groups_of, rhyme_groups
from .build import build_rhyme_tables
from .checker import check
from .cipai import Cipai, cipai, cipai_names, templates
from .forms import REGULATED_FORMS, SHAPES, LineTemplate, Template, line_length, n_lines
from .report import ProsodyReport, Violation
from .rules import is_gu_ping, is_san_ping_wei, line_fits
from .tones import tone, tone_info

__all__ = [
    "check", "tone", "tone_info", "templates", "chars_with_tone", "rhyme_groups", "group_chars", "groups_of",
    "is_gu_ping", "is_san_ping_wei", "line_fits", "cipai_names", "cipai", "Cipai", "Template", "LineTemplate",
    "ProsodyReport", "Violation", "REGULATED_FORMS", "SHAPES", "n_lines", "line_length", "build_rhyme_tables",
]
