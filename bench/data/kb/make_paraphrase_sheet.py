"""Write ``paraphrase_sheet.jsonl``: 40 passages of the KB bench documents for an independent writer.

Passages are chunks of the knowledge base that ``bench/kb_bench.py`` builds (the quality corpus of
12 laws and 6 poem collections), drawn with a fixed seed: 28 from the laws, 12 from the poems, each
40–400 characters and not a bare heading. Run after ``python -m bench kb`` has built the base:
``python -m bench.data.kb.make_paraphrase_sheet``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent
SEED = 20261202


def main() -> None:
    from toolkit.config import get_settings

    from pipelines.qa import KnowledgeBase

    s = get_settings()
    kb = KnowledgeBase.open("quality", root=s.data_dir / "cache" / "kb_bench" / "kbs")
    names = {d.doc_id: d.name for d in kb.documents()}
    rows = [r for r in kb.catalog.chunks() if 40 <= len(r.text) <= 400]
    rng = random.Random(SEED)
    laws = [r for r in rows if names[r.doc_id].startswith("中华人民共和国")]
    poems = [r for r in rows if not names[r.doc_id].startswith("中华人民共和国")]
    picked = rng.sample(laws, 28) + rng.sample(poems, 12)
    with open(HERE / "paraphrase_sheet.jsonl", "w", encoding="utf-8") as fh:
        for i, r in enumerate(picked, 1):
            doc = names[r.doc_id].rsplit(".", 1)[0]
            fh.write(json.dumps({"id": f"p{i:03d}", "doc": doc, "text": r.text}, ensure_ascii=False) + "\n")
    kb.close()


if __name__ == "__main__":
    main()
