"""Rhyme books loaded from ``data/rhyme/*.json``: groups, memberships and the 平/仄/中 of a character.

Example:
    >>> from toolkit.prosody.books import get_book
    >>> book = get_book("pingshui")              # doctest: +SKIP
    >>> book.groups_of("衰")                      # doctest: +SKIP
    ('支', '灰')
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import DataMissingError, InvalidInputError
from .build import t2s_converter, build_rhyme_tables, rhyme_dir

# Canonical book ids and the names users may type for them.
BOOK_ALIASES = {
    "pingshui": "pingshui", "平水韵": "pingshui", "平水": "pingshui", "psy": "pingshui",
    "cilin": "cilin", "词林正韵": "cilin", "词林": "cilin",
    "xinyun": "xinyun", "中华新韵": "xinyun", "新韵": "xinyun",
    "tongyun": "tongyun", "中华通韵": "tongyun", "通韵": "tongyun",
}
CLASSICAL = {"pingshui", "cilin"}
LEVEL = "平"
OBLIQUE = "仄"
EITHER = "中"


def book_id(rhyme_book: str) -> str:
    """Canonical id of a rhyme book name (pingshui, cilin, xinyun, tongyun, or their Chinese names)."""
    key = BOOK_ALIASES.get(str(rhyme_book).strip().lower()) or BOOK_ALIASES.get(str(rhyme_book).strip())
    if key is None:
        raise InvalidInputError(
            f"未知的韵书 {rhyme_book!r} (unknown rhyme book); 可选 (valid): pingshui 平水韵, cilin 词林正韵, "
            "xinyun 中华新韵, tongyun 中华通韵"
        )
    return key


@dataclass(frozen=True)
class RhymeGroup:
    """One rhyme group of a book: ``name`` (东, 第一部, 麻 ...), ``tone`` (平 上 去 入, or 平/仄 in
    modern books), ``chars`` (simplified members, in table order)."""

    name: str
    tone: str
    chars: str

    @property
    def level(self) -> bool:
        return self.tone == LEVEL


class RhymeBook:
    """A loaded rhyme book. Lookups accept simplified or traditional characters."""

    def __init__(self, table: dict, pingshui: "RhymeBook | None" = None):
        self.id = table["book"]
        self.name = table["name"]
        self.provenance = table.get("provenance", {})
        self.groups: tuple[RhymeGroup, ...] = tuple(RhymeGroup(g["name"], g["tone"], g["chars"]) for g in table["groups"])
        self._simp: dict[str, list[RhymeGroup]] = {}
        self._trad: dict[str, list[RhymeGroup]] = {}
        for g, raw in zip(self.groups, table["groups"]):
            for c in g.chars:
                self._simp.setdefault(c, []).append(g)
            for c in raw.get("chars_t", ""):
                self._trad.setdefault(c, []).append(g)
        # 词林正韵 takes its tones from 平水韵 (same characters, coarser groups)
        self._tone_source = pingshui
        self._tones: dict[str, str | None] = {}
        self._by_tone: dict[str, frozenset[str]] = {}
        self._names = {}
        for g in self.groups:
            self._names.setdefault(g.name, []).append(g)

    # -- membership -------------------------------------------------------------------------
    def entries(self, char: str) -> list[RhymeGroup]:
        """Every group holding ``char``. A simplified form unions the readings of all its traditional
        forms (发 = 發 + 髮); a traditional character that is not itself a simplified form uses its
        own readings (髮 → 月 only); other variants go through OpenCC t2s."""
        own = self._simp.get(char, []) + [g for g in self._trad.get(char, []) if g not in self._simp.get(char, [])]
        if own:  # a supplement entry for a traditional character adds to its table readings
            return own
        s = t2s_converter()(char)
        if s != char and s in self._simp:
            return self._simp[s]
        return []

    def groups_of(self, char: str, level_only: bool = False) -> tuple[str, ...]:
        out = []
        for g in self.entries(char):
            if (not level_only or g.level) and g.name not in out:
                out.append(g.name)
        return tuple(out)

    def known(self, char: str) -> bool:
        return bool(self.entries(char))

    def group(self, name: str, tone: str | None = None) -> RhymeGroup:
        """The group called ``name`` (simplified or traditional; 平 group preferred for 部 names)."""
        cands = self._names.get(name) or self._names.get(t2s_converter()(name), [])
        if tone:
            cands = [g for g in cands if g.tone == tone]
        if not cands:
            valid = ", ".join(dict.fromkeys(g.name for g in self.groups if g.level))
            raise InvalidInputError(f"未知的韵部 {name!r} (unknown rhyme group) in {self.name}; 可选 (valid 平声): {valid}")
        lv = [g for g in cands if g.level]
        return lv[0] if lv else cands[0]

    # -- tones ------------------------------------------------------------------------------
    def tone(self, char: str) -> str | None:
        """平, 仄 or 中 from the table; None when the book does not know the character."""
        if self._tone_source is not None:
            return self._tone_source.tone(char)
        try:
            return self._tones[char]
        except KeyError:
            pass
        tones = {g.level for g in self.entries(char)}
        t = None if not tones else LEVEL if tones == {True} else OBLIQUE if tones == {False} else EITHER
        if len(self._tones) < 100_000:  # bounded: arbitrary input cannot grow it without limit
            self._tones[char] = t
        return t

    def chars_with_tone(self, tone: str) -> frozenset[str]:
        """Simplified characters whose tone is ``tone`` (平, 仄 or 中) in this book."""
        src = self._tone_source or self
        if tone not in src._by_tone:
            src._by_tone[tone] = frozenset(c for c in src._simp if src.tone(c) == tone)
        return src._by_tone[tone]


_lock = threading.Lock()


@lru_cache(maxsize=16)
def _load(book: str, directory: str) -> RhymeBook:
    path = Path(directory) / f"{book}.json"
    if not path.is_file():
        raise DataMissingError(f"韵表缺失 (rhyme table missing): {path}; 请先运行 hanlin data pull (run `hanlin data pull` first)")
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise DataMissingError(f"韵表损坏 (rhyme table unreadable): {path}: {e}; 请重新运行 hanlin data pull") from None
    pingshui = _load("pingshui", directory) if book == "cilin" else None
    return RhymeBook(table, pingshui)


_checked: set[str] = set()


def get_book(rhyme_book: str = "pingshui", settings=None) -> RhymeBook:
    """The loaded rhyme book. The first call per data folder makes sure ``data/rhyme/`` is built and
    current (see :func:`toolkit.prosody.build.build_rhyme_tables`); later calls are a dict lookup.

    Args:
        rhyme_book: pingshui (平水韵), cilin (词林正韵), xinyun (中华新韵), tongyun (中华通韵).
        settings: optional settings (default: the process settings).
    """
    book = book_id(rhyme_book)
    if settings is None:
        from ..config import get_settings

        settings = get_settings()
    directory = str(rhyme_dir(settings))
    if directory not in _checked:
        with _lock:
            if directory not in _checked:
                build_rhyme_tables(settings)
                _checked.add(directory)
    return _load(book, directory)
