"""Read access to the pulled corpora: paths, iterators, status. Raises DataMissingError when absent."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterator

from toolkit.config import Settings, get_settings
from toolkit.errors import DataMissingError

from .records import ArticleRecord, PoemRecord

MISSING = "请先运行 hanlin data pull (run `hanlin data pull` first)"
STAMP_NAME = "STAMP.json"
DICT_NAMES = ("laws", "legal_terms", "poets", "cipai")


def _s(settings: Settings | None) -> Settings:
    return settings or get_settings()


def _require(path: Path, what: str) -> Path:
    if not path.is_file():
        raise DataMissingError(f"缺少{what} (missing {path.name} at {path}): {MISSING}")
    return path


def laws_db_path(settings: Settings | None = None) -> Path:
    """Path of ``data/corpora/laws.sqlite``; raises DataMissingError if it was not pulled."""
    return _require(_s(settings).corpora_dir / "laws.sqlite", "法律库")


def poems_path(settings: Settings | None = None) -> Path:
    """Path of ``data/corpora/poems.jsonl``; raises DataMissingError if it was not pulled."""
    return _require(_s(settings).corpora_dir / "poems.jsonl", "诗词库")


def strains_path(settings: Settings | None = None) -> Path:
    """Path of ``data/corpora/strains.jsonl`` (per-poem 平仄 from chinese-poetry, keyed by poem id)."""
    return _require(_s(settings).corpora_dir / "strains.jsonl", "平仄标注")


def dict_paths(settings: Settings | None = None) -> dict[str, Path]:
    """The jieba user dictionaries that exist, by name (laws, legal_terms, poets, cipai)."""
    d = _s(settings).dicts_dir
    return {n: d / f"{n}.txt" for n in DICT_NAMES if (d / f"{n}.txt").is_file()}


def read_poems(path: str | Path) -> Iterator[PoemRecord]:
    """Poems from any poems.jsonl file (the pulled corpus or a test fixture)."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield PoemRecord.from_dict(json.loads(line))


def iter_poems(settings: Settings | None = None) -> Iterator[PoemRecord]:
    """All poems of ``data/corpora/poems.jsonl``.

    Example:
        >>> from toolkit.corpus import iter_poems
        >>> next(p for p in iter_poems() if p.title == "静夜思").form  # doctest: +SKIP
        '五绝'
    """
    return read_poems(poems_path(settings))


def read_articles(db: str | Path, where: str = "", params: tuple = ()) -> Iterator[ArticleRecord]:
    """Articles from any laws.sqlite file, in law then article order; ``where`` is an SQL filter."""
    con = sqlite3.connect(f"file:{Path(db)}?mode=ro", uri=True)
    try:
        q = ("SELECT id, law_id, law_name, short_name, article_no, article_label, sub, chapter, section, text "
             f"FROM articles {('WHERE ' + where) if where else ''} ORDER BY law_id, article_no, sub, id")
        for row in con.execute(q, params):
            yield ArticleRecord(*row)
    finally:
        con.close()


def iter_articles(settings: Settings | None = None) -> Iterator[ArticleRecord]:
    """All current statute articles of ``data/corpora/laws.sqlite``."""
    return read_articles(laws_db_path(settings))


def read_stamp(settings: Settings | None = None) -> dict:
    """The pull stamp (inputs' checksums, format version, build statistics); {} if none."""
    p = _s(settings).corpora_dir / STAMP_NAME
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def status(settings: Settings | None = None) -> dict:
    """What is pulled and how much: files present, counts, input checksums.

    Returns:
        ``{"pulled": bool, "files": {name: bool}, "laws": {...}, "poems": {...}, "dicts": {...}}``.
    """
    s = _s(settings)
    c = s.corpora_dir
    files = {n: (c / n).is_file() for n in ("laws.sqlite", "poems.jsonl", "strains.jsonl")}
    stamp = read_stamp(s)
    out: dict = {"pulled": all(files.values()), "files": files, "corpora_dir": str(c)}
    if files["laws.sqlite"]:
        con = sqlite3.connect(f"file:{c / 'laws.sqlite'}?mode=ro", uri=True)
        try:
            laws = dict(con.execute("SELECT is_current, count(*) FROM laws GROUP BY is_current").fetchall())
            out["laws"] = {
                "laws_current": laws.get(1, 0), "laws_not_current": laws.get(0, 0),
                "articles": con.execute("SELECT count(*) FROM articles").fetchone()[0],
                "aliases": con.execute("SELECT count(*) FROM law_aliases").fetchone()[0],
            }
        except sqlite3.DatabaseError as e:
            out["laws"] = {"error": f"法律库损坏 (laws.sqlite unreadable): {e}"}
        finally:
            con.close()
    if files["poems.jsonl"]:
        out["poems"] = stamp.get("poems", {}).get("stats") or {
            "poems": sum(1 for _ in open(c / "poems.jsonl", encoding="utf-8"))}
    out["dicts"] = {n: sum(1 for _ in open(p, encoding="utf-8")) for n, p in dict_paths(s).items()}
    out["inputs"] = {k: v.get("input") for k, v in stamp.items() if isinstance(v, dict) and "input" in v}
    return out
