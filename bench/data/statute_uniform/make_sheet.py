"""Sample the law-uniform sheet: 120 current laws drawn uniformly (seeded), one article from each.

The sheet goes to a reader who sees only the article (never the code or any search result) and
writes one question a member of the public could ask that this article answers, into
``questions.jsonl`` beside it (see README.md). Run: ``python bench/data/statute_uniform/make_sheet.py``.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parents[2]
SEED, N_LAWS = 20261202, 120
# Articles that state no rule a person could ask about: purpose clauses, commencement, definitions lists.
_SKIP = re.compile(r"自\S*起施行|本法所称|为了\S*制定本法|根据\S*制定本(法|条例|规定)")


def main() -> int:
    db = REPO / "data" / "corpora" / "laws.sqlite"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    laws = [r[0] for r in con.execute("SELECT law_name FROM laws WHERE is_current=1 ORDER BY law_name")]
    laws = sorted({n for n in laws if con.execute("SELECT 1 FROM articles WHERE law_name=? LIMIT 1", (n,)).fetchone()})
    rng = random.Random(SEED)
    picked = rng.sample(laws, N_LAWS)
    rows = []
    for i, law in enumerate(picked):
        arts = con.execute("SELECT article_label, text FROM articles WHERE law_name=? ORDER BY article_no, sub",
                           (law,)).fetchall()
        good = [a for a in arts if len(a[1]) >= 30 and not _SKIP.search(a[1])] or arts
        label, text = rng.choice(good)
        rows.append({"id": f"u{i + 1:03d}", "law_name": law, "article_label": label, "text": text})
    out = HERE / "sheet.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} articles from {len(laws)} current laws → {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
