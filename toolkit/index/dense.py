"""FAISS inner-product index keyed by row numbers (``IndexIDMap2`` so rows can be removed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InvalidInputError

KINDS = ("flat", "sq8")


class DenseIndex:
    """Exact (``flat``) or 8-bit scalar-quantised (``sq8``, 4× smaller) cosine search.

    Vectors must be L2-normalised float32, so inner product = cosine similarity.

    Args:
        dim: vector dimension.
        kind: ``"flat"`` (exact) or ``"sq8"`` (trained on the first batch added).
    """

    def __init__(self, dim: int, kind: str = "flat"):
        import faiss

        if kind not in KINDS:
            raise InvalidInputError(f"未知的向量索引类型 '{kind}' (unknown dense index kind); 可选 (valid): {', '.join(KINDS)}")
        self.dim, self.kind = int(dim), kind
        if kind == "flat":
            base = faiss.IndexFlatIP(self.dim)
        else:
            base = faiss.IndexScalarQuantizer(self.dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
        self.index = faiss.IndexIDMap2(base)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def add(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim or len(vectors) != len(rows):
            raise InvalidInputError(f"向量形状 {vectors.shape} 与索引维度 {self.dim} 或行数 {len(rows)} 不符 (vector shape mismatch)")
        if not len(rows):
            return
        if not self.index.is_trained:
            self.index.train(vectors)
        self.index.add_with_ids(vectors, np.asarray(rows, dtype=np.int64))

    def remove(self, rows) -> int:
        rows = np.asarray(list(rows), dtype=np.int64)
        return int(self.index.remove_ids(rows)) if len(rows) else 0

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows by cosine; ``allowed`` restricts the search to those rows.

        Returns:
            ``(rows, scores)``, best first (fewer than ``k`` when the index holds fewer vectors).
        """
        import faiss

        k = min(int(k), self.ntotal)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if allowed is not None:
            allowed = np.ascontiguousarray(allowed, dtype=np.int64)
            if not len(allowed):
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
            scores, rows = self.index.search(q, k, params=params)
        else:
            scores, rows = self.index.search(q, k)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def vectors(self, rows) -> np.ndarray:
        """The stored (possibly quantised) vectors of ``rows``."""
        out = np.zeros((len(rows), self.dim), dtype=np.float32)
        for i, r in enumerate(rows):
            out[i] = self.index.reconstruct(int(r))
        return out

    def save(self, path: str | Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: str | Path, kind: str = "flat") -> "DenseIndex":
        """Read a FAISS file; raises ``RuntimeError``/``ValueError`` when it is not a valid IDMap2 index."""
        import faiss

        index = faiss.read_index(str(path))
        if not isinstance(index, faiss.IndexIDMap2):
            index = faiss.downcast_index(index)
            if not isinstance(index, faiss.IndexIDMap2):
                raise ValueError(f"not an IndexIDMap2 FAISS index: {type(index).__name__}")
        obj = cls.__new__(cls)
        obj.dim, obj.kind, obj.index = int(index.d), kind, index
        return obj
