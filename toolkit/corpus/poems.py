"""Normalise chinese-poetry JSON into ``poems.jsonl`` (+ ``strains.jsonl``).

Each collection is one :class:`Collection` row of data: where its files are, its dynasty, whether the
source is traditional, and whether its entries are ci (词). The builder converts scripts with OpenCC
(keeping the original), splits clauses, detects the form, skips empty or damaged entries and drops
exact duplicates (same author, same clauses), keeping the first (collections are read in order).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from tqdm import tqdm

from .forms import REGULAR_FORMS, detect_form, tune_from_rhythmic
from .poetry_source import PoetryDir
from .records import PoemRecord
from .textnorm import han_count, is_garbled, s2t, split_clauses, strip_notes, t2s


@dataclass(frozen=True)
class Collection:
    name: str  # collection name stored in each record
    dynasty: str
    pattern: str  # canonical (npm dist/) glob
    slug: str  # id prefix for entries without a source id
    traditional: bool = False  # source text is traditional (convert t2s) rather than simplified
    kind: str = "shi"  # shi | ci | mixed (ci when the title starts with a known tune) | qu


COLLECTIONS: tuple[Collection, ...] = (
    Collection("全唐诗", "唐", "quantangshi/poet.tang.*.json", "tang", traditional=True),
    Collection("全宋诗", "宋", "quantangshi/poet.song.*.json", "songshi", traditional=True),
    Collection("唐诗三百首", "唐", "quantangshi/唐诗三百首.json", "ts300", traditional=True),
    Collection("唐诗补录", "唐", "quantangshi/唐诗补录.json", "tangbu"),
    Collection("宋词", "宋", "songci/ci.song.*.json", "songci", kind="ci"),
    Collection("花间集", "五代", "wudaishici/huajianji/huajianji-*-juan.json", "huajian", kind="ci"),
    Collection("南唐二主词", "五代", "wudaishici/nantang/poetrys.json", "nantang", kind="ci"),
    Collection("诗经", "先秦", "shijing/shijing.json", "shijing"),
    Collection("楚辞", "先秦", "chuci/chuci.json", "chuci"),
    Collection("曹操诗集", "汉", "caocaoshiji/*.json", "caocao"),
    Collection("纳兰性德诗集", "清", "nalanxingde/*.json", "nalan", kind="mixed"),
    Collection("元曲", "元", "yuanqu/yuanqu.json", "yuanqu", kind="qu"),
    Collection("水墨唐诗", "唐", "shuimotangshi/shuimotangshi.json", "shuimo"),
)
STRAINS_PATTERN = "strains/json/poet.*.json"
# Patterns to extract from the npm tarball.
WANTED = [c.pattern for c in COLLECTIONS] + [STRAINS_PATTERN]
_SEP = "\x00"  # joins many strings into one OpenCC call (OpenCC leaves it alone)


@dataclass
class PoemStats:
    """What a build read, kept and skipped (written into the stamp and shown by ``data status``)."""

    kept: Counter = field(default_factory=Counter)  # by collection
    forms: Counter = field(default_factory=Counter)  # regular shapes + "ci" + other
    skipped: Counter = field(default_factory=Counter)  # by reason
    strains: int = 0

    def to_dict(self) -> dict:
        return {"poems": sum(self.kept.values()), "by_collection": dict(self.kept),
                "by_form": dict(self.forms), "skipped": dict(self.skipped), "strains": self.strains}


def _paragraphs(entry: dict) -> list[str]:
    raw = entry.get("paragraphs") or entry.get("content") or entry.get("para") or []
    if isinstance(raw, str):
        raw = [raw]
    return [p for p in (strip_notes(str(x)).strip() for x in raw if isinstance(x, str)) if p]


def _convert_batch(texts: list[str], to_simplified: bool) -> list[str]:
    """Convert many strings in one OpenCC call (much faster than one call per string)."""
    if not texts:
        return []
    out = (t2s if to_simplified else s2t)(_SEP.join(texts)).split(_SEP)
    if len(out) != len(texts):  # never expected; fall back to one call per string
        out = [(t2s if to_simplified else s2t)(t) for t in texts]
    return out


def _entries(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = [data]
    return [e for e in data if isinstance(e, dict)]


def normalise_entries(coll: Collection, entries: list[dict], offset: int = 0) -> tuple[list[tuple], Counter]:
    """Script conversion and cleaning of one file's entries (pure; runs in worker processes).

    Returns:
        ``(rows, skipped)``: rows are ``(index, source_id, rhythmic, text, text_t, title, title_t, author,
        author_t)``; ``skipped`` counts entries dropped as empty or garbled.
    """
    skipped: Counter = Counter()
    rows = []  # (index, entry, paragraphs)
    for i, e in enumerate(entries):
        paras = _paragraphs(e)
        joined = "".join(paras)
        if not paras or han_count(joined) == 0:
            skipped["empty"] += 1
        elif is_garbled(joined):
            skipped["garbled"] += 1
        else:
            rows.append((offset + i, e, paras))
    if not rows:
        return [], skipped
    # Originals in the source script, converted in one batch: texts, titles, authors.
    texts = ["\n".join(p) for _, _, p in rows]
    titles = [str(e.get("title") or e.get("rhythmic") or "").strip().replace("・", "·") for _, e, _ in rows]
    authors = [str(e.get("author") or "佚名").strip() for _, e, _ in rows]
    conv = _convert_batch(texts + titles + authors, to_simplified=coll.traditional)
    if not coll.traditional:
        # "Simplified" sources still hold stray traditional characters (宋词: 夢魂尋遍): t2s them as well.
        simp_all = _convert_batch(texts + titles + authors, to_simplified=True)
    n = len(rows)
    out = []
    for k, (idx, e, _) in enumerate(rows):
        orig = (texts[k], titles[k], authors[k])
        other = (conv[k], conv[n + k], conv[2 * n + k])
        if coll.traditional:
            simp, trad = other, orig
        else:
            simp, trad = (simp_all[k], simp_all[n + k], simp_all[2 * n + k]), other
        out.append((idx, str(e.get("id") or "").strip(), str(e.get("rhythmic") or "").strip(),
                    simp[0], trad[0], simp[1], trad[1], simp[2], trad[2]))
    return out, skipped


def _normalise_file(job: tuple[Collection, str, int]) -> tuple[list[tuple], Counter, int]:
    coll, path, offset = job
    entries = _entries(Path(path))
    rows, skipped = normalise_entries(coll, entries, offset)
    return rows, skipped, len(entries)


class PoemBuilder:
    """Turns normalised rows into :class:`PoemRecord` s in reading order: dedup, ids, tunes, forms.

    Example:
        >>> b = PoemBuilder()
        >>> recs = b.build_entries(COLLECTIONS[4], [{"author": "苏轼", "rhythmic": "念奴娇·赤壁怀古",
        ...     "paragraphs": ["大江东去，浪淘尽，千古风流人物。"]}])
        >>> recs[0].tune, recs[0].form
        ('念奴娇', '念奴娇')
    """

    def __init__(self):
        self.stats = PoemStats()
        self._seen: set[bytes] = set()
        self._ids: set[str] = set()
        self.tunes: Counter = Counter()  # tunes seen in ci collections (decides "mixed" entries)

    def build_entries(self, coll: Collection, entries: list[dict], offset: int = 0) -> list[PoemRecord]:
        """Normalise one file's entries in this process; ``offset`` numbers entries without a source id."""
        rows, skipped = normalise_entries(coll, entries, offset)
        return self.add_rows(coll, rows, skipped)

    def add_rows(self, coll: Collection, rows: list[tuple], skipped: Counter) -> list[PoemRecord]:
        """Records for rows from :func:`normalise_entries`, in order; duplicates of earlier poems dropped."""
        self.stats.skipped.update(skipped)
        out = []
        for idx, sid, rhythmic, text, text_t, title, title_t, author, author_t in rows:
            rec = self._record(coll, idx, sid, rhythmic, text, text_t, title, title_t, author, author_t)
            if rec is not None:
                out.append(rec)
        return out

    def _tune(self, coll: Collection, rhythmic: str, title: str) -> str | None:
        if coll.kind == "ci":
            return tune_from_rhythmic(rhythmic or title)
        if coll.kind == "mixed":
            # "长相思·山一程" is a ci; a bare title counts only if it is a tune seen in the ci collections.
            if re.search(r"[·・]", title):
                return tune_from_rhythmic(title)
            return title if self.tunes[title] >= 3 else None
        return None

    def _record(self, coll, idx, sid, rhythmic, text, text_t, title, title_t, author, author_t):
        lines = split_clauses(text)
        if not lines:
            self.stats.skipped["empty"] += 1
            return None
        key = hashlib.blake2b(f"{author}|{''.join(lines)}".encode("utf-8"), digest_size=16).digest()
        if key in self._seen:
            self.stats.skipped["duplicate"] += 1
            return None
        self._seen.add(key)
        tune = self._tune(coll, rhythmic, title)
        if coll.kind == "ci" and tune:
            self.tunes[tune] += 1
            for alt in re.split(r"[·・]", rhythmic)[1:]:  # 望江南・忆江南: the second name is an alias
                self.tunes[alt.strip()] += 1
        form = "other" if coll.kind == "qu" else detect_form(lines, tune)
        pid = sid or f"{coll.slug}-{idx:06d}"
        if pid in self._ids:
            pid = f"{coll.slug}-{idx:06d}"
        self._ids.add(pid)
        self.stats.kept[coll.name] += 1
        self.stats.forms[form if form in REGULAR_FORMS + ("other",) else "ci"] += 1
        return PoemRecord(id=pid, collection=coll.name, dynasty=coll.dynasty, author=author, title=title,
                          text=text, text_t=text_t, title_t=title_t, author_t=author_t,
                          lines=tuple(lines), form=form, tune=tune)


def iter_built_poems(src: PoetryDir, builder: PoemBuilder, progress: bool = True,
                     workers: int = 1) -> Iterator[PoemRecord]:
    """All poems of all collections in order, normalised by ``builder``.

    With ``workers`` > 1 the files are converted (OpenCC, the slow part) in worker processes; the
    order-dependent steps (dedup, ids) stay in this process, so the output is the same either way.
    """
    jobs = [(c, str(p), 0) for c in COLLECTIONS for p in src.glob(c.pattern)]
    offsets: Counter = Counter()  # running entry number per collection: ids for entries without one
    bar = tqdm(total=len(jobs), desc="诗词 poems", unit="file", disable=not progress)
    pool = None
    if workers > 1:
        pool = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork").Pool(workers)
    try:
        results = pool.imap(_normalise_file, jobs) if pool else map(_normalise_file, jobs)
        for (coll, _, _), (rows, skipped, n) in zip(jobs, results):
            bar.update()
            base = offsets[coll.name]
            offsets[coll.name] += n
            yield from builder.add_rows(coll, [(base + r[0], *r[1:]) for r in rows], skipped)
    finally:
        if pool:
            pool.terminate()
        bar.close()


def write_poems(src: PoetryDir, poems_out: Path, strains_out: Path, progress: bool = True,
                workers: int = 1) -> PoemStats:
    """Build ``poems.jsonl`` and ``strains.jsonl`` at the given (temporary) paths."""
    builder = PoemBuilder()
    ids: set[str] = set()
    with open(poems_out, "w", encoding="utf-8") as fh:
        for rec in iter_built_poems(src, builder, progress, workers):
            ids.add(rec.id)
            fh.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
    n = 0
    with open(strains_out, "w", encoding="utf-8") as fh:
        for path in tqdm(src.glob(STRAINS_PATTERN), desc="平仄 strains", unit="file", disable=not progress):
            for e in _entries(path):
                sid, st = e.get("id"), e.get("strains")
                if sid in ids and isinstance(st, list) and st:
                    fh.write(json.dumps({"id": sid, "strains": st}, ensure_ascii=False) + "\n")
                    n += 1
    builder.stats.strains = n
    return builder.stats
