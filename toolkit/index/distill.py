"""Distil a sentence encoder into static word vectors over one corpus's vocabulary (Model2Vec manner).

Each vocabulary word is encoded alone by the teacher; a text's vector is then the idf-weighted mean
of its words' vectors (:class:`~toolkit.index.e5.StaticEmbedder`). The mean word vector is removed
before the rows are normalised: encoder outputs share one large common direction, which would
otherwise dominate every weighted mean and flatten the ranking.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from .e5 import StaticEmbedder
from .embedders import Embedder, l2_normalise


def corpus_vocab(texts: Iterable[str], segmenter, min_df: int = 2, max_len: int = 8) -> tuple[list[str], np.ndarray, int]:
    """``(words, idf, n_texts)``: jieba words in ≥ ``min_df`` texts plus every CJK character seen once."""
    df: Counter = Counter()
    n = 0
    for text in texts:
        n += 1
        words = {w.strip() for w in segmenter.cut(text)}
        words |= {c for c in text if "\u4e00" <= c <= "\u9fff"}
        df.update(w for w in words if w and len(w) <= max_len and any(c.isalnum() for c in w))
    vocab = sorted(w for w, c in df.items() if c >= min_df or (len(w) == 1 and "\u4e00" <= w <= "\u9fff"))
    idf = np.array([math.log(1.0 + n / df[w]) for w in vocab], dtype=np.float32)
    return vocab, idf, n


def distill(texts: Sequence[str], teacher: Embedder, segmenter, min_df: int = 2, center: bool = True,
            source: str = "") -> StaticEmbedder:
    """A :class:`StaticEmbedder` whose words are ``texts``' vocabulary, encoded by ``teacher``."""
    vocab, idf, _ = corpus_vocab(texts, segmenter, min_df=min_df)
    vecs = np.asarray(teacher.embed(vocab), dtype=np.float32)
    if center:
        vecs = vecs - vecs.mean(axis=0, keepdims=True)
    return StaticEmbedder(vocab, l2_normalise(vecs), idf, segmenter=segmenter, source=source)
