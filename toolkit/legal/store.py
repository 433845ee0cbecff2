"""The statute store: the laws catalogue, name resolution (full names, short names, aliases,
repealed laws) and exact article lookup over ``data/corpora/laws.sqlite``.

Example:
    >>> store = LawStore.open()  # doctest: +SKIP
    >>> store.resolve("民诉法").law_name  # doctest: +SKIP
    '中华人民共和国民事诉讼法'
    >>> store.article("中华人民共和国民法典", 1165).article_label  # doctest: +SKIP
    '第一千一百六十五条'
"""

from __future__ import annotations

import difflib
import re
import sqlite3
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import DataMissingError
from .records import Statute

DATA = Path(__file__).parent / "data"
PREFIX = "中华人民共和国"
MISSING = "请先运行 hanlin data pull (run `hanlin data pull` first)"
# Version notes and lead-ins people attach to law names: 《民法典》（2020年）, 我国刑法, 新版公司法.
_VERSION_NOTE = re.compile(r"[（(][^（）()]{0,20}[)）]$")
_LEAD = re.compile(r"^(?:我国|中国|现行|新版|新|旧|修订后的|修改后的)")


@dataclass(frozen=True)
class LawInfo:
    """One law as resolved by name. ``current`` False means no longer in force."""

    law_name: str  # official full name
    law_id: str | None  # corpus id (None for repealed laws outside the corpus)
    short_name: str
    current: bool
    successor: str | None = None  # for repealed laws
    repealed_on: str | None = None  # date the law stopped being in force
    note: str = ""


def _short(name: str) -> str:
    return name[len(PREFIX):] if name.startswith(PREFIX) and len(name) > len(PREFIX) + 1 else name


def _read_tsv(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def normalize_law_name(raw: str) -> str:
    """Strip 《》, spaces, version notes and lead-ins: '《中华人民共和国民法典》（2020年）' → '中华人民共和国民法典'."""
    name = re.sub(r"[\s《》〈〉<>]", "", raw or "")
    name = _VERSION_NOTE.sub("", name)
    return _LEAD.sub("", name)


class LawStore:
    """Read-only access to the laws corpus. Cheap to query; open one per process via :func:`get_store`."""

    def __init__(self, db_path: str | Path):
        self.db_path = Path(db_path)
        if not self.db_path.is_file():
            raise DataMissingError(f"找不到法律语料 (laws corpus not found): {self.db_path}；{MISSING}")
        try:
            self._conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, check_same_thread=False)
            self._conn.execute("SELECT 1 FROM articles LIMIT 1")
        except sqlite3.DatabaseError as e:
            raise DataMissingError(f"法律语料无法读取 (laws corpus unreadable): {self.db_path}: {e}；{MISSING}") from None
        self._lock = threading.Lock()
        self.names: dict[str, LawInfo] = {}  # every accepted spelling → law
        self.laws: dict[str, LawInfo] = {}  # official name → current law
        self._load()

    @classmethod
    def open(cls, settings=None) -> "LawStore":
        """The store for ``settings`` (default: the process settings)."""
        return get_store(_db_path(settings))

    # -- catalogue -------------------------------------------------------------------------------
    def _load(self) -> None:
        # One scan of the article keys (the corpus may carry no SQL indexes): lookups then go by rowid.
        self._by_no: dict[tuple[str, int, int], int] = {}
        self._by_label: dict[tuple[str, str], int] = {}
        self._max_no: dict[str, int] = {}
        counts: dict[str, int] = {}
        with self._lock:
            for rowid, law_id, no, sub, label in self._conn.execute(
                    "SELECT id, law_id, article_no, COALESCE(sub, 0), article_label FROM articles"):
                no = int(no or 0)  # whole-text documents (立法解释) carry no number
                self._by_no.setdefault((law_id, no, int(sub)), rowid)
                self._by_label.setdefault((law_id, label), rowid)
                self._max_no[law_id] = max(self._max_no.get(law_id, 0), no)
                counts[law_id] = counts.get(law_id, 0) + 1
            cols = {r[1] for r in self._conn.execute("PRAGMA table_info(laws)")}
            extra = ", replaced_by, repealed_date" if {"replaced_by", "repealed_date"} <= cols else ", NULL, NULL"
            laws = self._conn.execute(
                f"SELECT law_id, law_name, short_name, is_current, status, effective_date{extra} FROM laws").fetchall()
        rows = [(*r[:6], counts.get(r[0], 0)) for r in laws]
        replaced = {r[1]: (r[6], r[7]) for r in laws if not r[3] and r[6]}
        current: dict[str, LawInfo] = {}
        for law_id, name, short, is_current, _status, _eff, n in sorted(rows, key=lambda r: -r[6]):
            if is_current and name not in current:  # the version with the most articles wins
                current[name] = LawInfo(name, law_id, short or _short(name), True)
        self.laws = current
        self._infos_by_id = {i.law_id: i for i in current.values()}
        names: dict[str, LawInfo] = {}
        for name, info in current.items():
            names.setdefault(name, info)
            names.setdefault(_short(name), info)
            if info.short_name:
                names.setdefault(info.short_name, info)
        for alias, target in self._db_aliases() + [(r[0], r[1]) for r in _read_tsv("aliases.tsv")]:
            if target in current:
                names.setdefault(normalize_law_name(alias), current[target])
        # Repealed laws: the curated list (with successors) first, then what the corpus itself marks
        # as no longer in force and has no current version of.
        for row in _read_tsv("repealed.tsv"):
            name, successor, date = row[0], row[1] or None, row[2]
            note = row[3] if len(row) > 3 else ""
            info = LawInfo(name, None, _short(name), False, successor, date, note)
            for spelling in {name, _short(name)}:
                if spelling not in names:
                    names[spelling] = info
        for law_id, name, short, is_current, status, eff, _n in rows:
            if not is_current and name not in current:
                if name in replaced:  # the corpus knows the successor (replaced_by column)
                    successor, date = replaced[name]
                    info = LawInfo(name, law_id, short or _short(name), False, successor, date)
                else:
                    info = LawInfo(name, law_id, short or _short(name), False, None, None,
                                   f"语料中该法仅有{status}版本（{eff} 施行）(corpus holds no current version)")
                for spelling in {name, _short(name)}:
                    names.setdefault(spelling, info)
        self.names = names
        alts = sorted((n for n in names if len(n) >= 2), key=len, reverse=True)
        self.name_pattern = re.compile("|".join(map(re.escape, alts)))

    def _db_aliases(self) -> list[tuple[str, str]]:
        """Pairs from the data helper's optional ``law_aliases`` table (alias → official name)."""
        try:
            cols = [r[1] for r in self._conn.execute("PRAGMA table_info(law_aliases)")]
        except sqlite3.DatabaseError:
            return []
        if not cols or "alias" not in cols:
            return []
        target = "law_name" if "law_name" in cols else ("law_id" if "law_id" in cols else None)
        if not target:
            return []
        rows = self._conn.execute(f"SELECT alias, {target} FROM law_aliases").fetchall()
        if target == "law_id":
            by_id = {i.law_id: n for n, i in self.laws.items()}
            return [(a, by_id[t]) for a, t in rows if t in by_id]
        return [(a, t) for a, t in rows if a and t]

    def resolve(self, raw: str) -> LawInfo | None:
        """Resolve a written law name (full, short, alias, repealed) or None when unknown."""
        name = normalize_law_name(raw)
        if not name:
            return None
        hit = self.names.get(name) or self.names.get(_short(name))
        if hit:
            return hit
        if name.startswith(PREFIX):  # 中华人民共和国民诉法
            return self.names.get(name[len(PREFIX):])
        return None

    def suggest(self, raw: str, n: int = 5) -> list[str]:
        """Official names of current laws closest to ``raw`` (for 'did you mean' messages)."""
        name = normalize_law_name(raw)
        pool = {k: v.law_name for k, v in self.names.items() if v.current}
        close = difflib.get_close_matches(name, list(pool), n=n * 3, cutoff=0.4)
        contains = [k for k in pool if name and (name in k or (len(k) >= 3 and k in name))]
        out: list[str] = []
        for k in contains + close:
            if pool[k] not in out:
                out.append(pool[k])
        return out[:n]

    def mentioned_laws(self, text: str) -> list[LawInfo]:
        """Laws whose name or alias occurs in ``text``, longest spellings first, no repeats."""
        seen: dict[str, LawInfo] = {}
        for m in self.name_pattern.finditer(text):
            info = self.names[m.group(0)]
            seen.setdefault(info.law_name, info)
        return list(seen.values())

    # -- articles --------------------------------------------------------------------------------
    def _statute(self, row, info: LawInfo, score: float = 1.0) -> Statute:
        _id, law_id, law_name, no, label, sub, chapter, section, text = row
        return Statute(law_name=law_name, article_no=int(no or 0), article_label=label, text=text,
                       chapter=chapter or "", score=score, law_id=law_id, short_name=info.short_name,
                       sub=int(sub or 0), section=section or "")

    _COLS = "id, law_id, law_name, article_no, article_label, sub, chapter, section, text"

    def _row(self, rowid: int):
        with self._lock:
            return self._conn.execute(f"SELECT {self._COLS} FROM articles WHERE id = ?", (rowid,)).fetchone()

    def article(self, law_name: str, article_no: int, sub: int = 0) -> Statute | None:
        """Exact lookup by official name of a current law."""
        info = self.laws.get(law_name)
        rowid = self._by_no.get((info.law_id, int(article_no), int(sub))) if info else None
        return self._statute(self._row(rowid), info) if rowid is not None else None

    def article_count(self, law_name: str) -> int:
        """The highest base article number of a current law (for 'only N articles' messages)."""
        info = self.laws.get(law_name)
        return self._max_no.get(info.law_id, 0) if info else 0

    def by_label(self, law_id: str, label: str, score: float = 0.0) -> Statute | None:
        """The article with this id in the law index's scheme (``law_id:article_label``)."""
        rowid = self._by_label.get((law_id, label))
        info = self._infos_by_id.get(law_id)
        return self._statute(self._row(rowid), info, score) if rowid is not None and info else None


def _db_path(settings=None) -> Path:
    from ..corpus import laws_db_path  # raises DataMissingError naming the missing corpus

    return Path(laws_db_path(settings))


_stores: dict[tuple[str, float], LawStore] = {}
_stores_lock = threading.Lock()


def get_store(db_path: str | Path) -> LawStore:
    """A shared :class:`LawStore` per corpus file (reopened when the file changes)."""
    p = Path(db_path)
    if not p.is_file():
        raise DataMissingError(f"找不到法律语料 (laws corpus not found): {p}；{MISSING}")
    key = (str(p.resolve()), p.stat().st_mtime)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            for k in [k for k in _stores if k[0] == key[0]]:
                del _stores[k]
            store = _stores[key] = LawStore(p)
        return store


@lru_cache(maxsize=1)
def load_law_priors(store: "LawStore") -> dict[str, float]:
    """Law name → prior (``data/law_prior.tsv``): how often a law answers a question from the public.

    Exact rows name a law (full, short name or alias); ``~text`` rows match every current law whose
    name contains ``text``. Exact rows win over patterns; unlisted laws get 0.
    """
    exact: dict[str, float] = {}
    patterns: list[tuple[str, float]] = []
    for row in _read_tsv("law_prior.tsv"):
        if len(row) < 2:
            continue
        key, value = row[0].strip(), float(row[1])
        if key.startswith("~"):
            patterns.append((key[1:], value))
        else:
            info = store.resolve(key)
            if info is not None and info.current:
                exact[info.law_name] = value
    out: dict[str, float] = {}
    for name in store.laws:
        if name in exact:
            out[name] = exact[name]
        else:
            for text, value in patterns:
                if text in name:
                    out[name] = value
                    break
    return out


def load_synonyms() -> tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]:
    """Colloquial → statutory terms: (trigger, expansion terms, implied law names, unless-inside words).

    The optional fourth column lists longer words in which the trigger means something else
    (证人 is not a witness inside 保证人); an occurrence inside one of them does not fire.
    Rows come from ``data/synonyms.tsv`` then ``data/lexicon/*.tsv`` (one file per area).
    """
    out = []
    rows = _read_tsv("synonyms.tsv")
    for extra in sorted((DATA / "lexicon").glob("*.tsv")):  # topic files: lexicon/<area>.tsv, same columns
        rows += _read_tsv(f"lexicon/{extra.name}")
    for row in rows:
        trigger = row[0]
        terms = tuple(row[1].split()) if len(row) > 1 else ()
        laws = tuple(x for x in row[2].split(",") if x) if len(row) > 2 else ()
        unless = tuple(x for x in row[3].split(",") if x) if len(row) > 3 else ()
        out.append((trigger, terms, laws, unless))
    return tuple(out)
