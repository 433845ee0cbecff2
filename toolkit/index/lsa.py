"""LSA embedder: TF-IDF over jieba search tokens + CJK character bigrams → truncated SVD → L2 norm.

Needs no download and fits in seconds. Word tokens carry meaning; character bigrams make it robust
to segmentation differences (借钱 vs 借款 share 借) and to classical text jieba barely segments.
The fitted model (vocabulary, idf, SVD components) is stored as ``vocab.txt`` + ``.npy`` files
written with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidInputError
from ..text import search_tokens
from .embedders import SPEC_FILE, Embedder, l2_normalise

BIGRAM = "#"  # prefix that keeps character bigrams apart from jieba words


_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]{2,}")


def char_bigrams(text: str) -> list[str]:
    """Bigrams of consecutive CJK characters (runs broken by anything else)."""
    return [BIGRAM + run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]


def randomized_row_svd(x: sp.csr_matrix, k: int, n_iter: int = 2, oversample: int = 10, seed: int = 0):
    """Top-``k`` singular values and right singular vectors of a sparse ``x`` (Halko et al. 2011).

    Unlike sklearn's version (which orthogonalises in the feature space, a QR of a
    ``n_features × k`` matrix that dominated the fit time here), this keeps every QR on the
    document side and gets the right vectors from the small ``(k+p)×(k+p)`` Gram matrix, so the
    work is sparse products plus float32 GEMMs.

    Returns:
        ``(s, vt)``: singular values (descending) and ``(k, n_features)`` right vectors.
    """
    n, v = x.shape
    l = min(k + oversample, n, v)
    rng = np.random.default_rng(seed)
    y = np.asarray(x @ rng.standard_normal((v, l), dtype=np.float32))
    q, _ = np.linalg.qr(y)
    for _ in range(n_iter):
        z = np.asarray(x.T @ q)  # (v, l)
        q, _ = np.linalg.qr(np.asarray(x @ z))
    b = np.asarray((x.T @ q).T, dtype=np.float32)  # (l, v): x ≈ q b
    w, ub = np.linalg.eigh((b @ b.T).astype(np.float64))
    order = np.argsort(w)[::-1][:k]
    w, ub = np.clip(w[order], 0, None), ub[:, order]
    s = np.sqrt(w)
    keep = s > 1e-6 * max(s[0], 1e-12)
    vt = (ub[:, keep].T.astype(np.float32) @ b) / s[keep, None].astype(np.float32)
    return s[keep], vt


class LSAEmbedder(Embedder):
    """Latent semantic analysis embeddings, refittable, able to embed texts unseen at fit time.

    Args:
        dim: target dimension (fewer when the corpus has lower rank).
        segmenter: a :class:`~toolkit.text.Segmenter` (default: the shared one, loaded lazily).
        max_features: keep the most frequent features (bounds the model at ``dim × max_features`` floats).
        min_df: drop features seen in fewer documents (1 for corpora under 200 documents).
        bigrams: add CJK character bigrams to the word features.
        fit_max_docs: fit on a seeded sample of at most this many documents (embedding covers all).
        seed: randomness of sampling and of the randomized SVD.

    Example:
        >>> emb = LSAEmbedder(dim=2).fit(["借款合同", "劳动合同", "借钱不还"])  # doctest: +SKIP
        >>> emb.embed(["借钱"]).shape  # doctest: +SKIP
        (1, 2)
    """

    kind = "lsa"
    needs_fit = True

    def __init__(self, dim: int = 256, segmenter=None, max_features: int = 60_000, min_df: int = 2,
                 bigrams: bool = True, fit_max_docs: int = 60_000, seed: int = 0):
        if dim < 1:
            raise InvalidInputError(f"LSA 维度必须 ≥ 1 (dim must be positive), got {dim}")
        self.target_dim, self.max_features, self.min_df = int(dim), int(max_features), int(min_df)
        self.bigrams, self.fit_max_docs, self.seed = bool(bigrams), int(fit_max_docs), int(seed)
        self._segmenter = segmenter
        self.features: list[str] = []
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.components = np.zeros((0, 0), dtype=np.float32)  # (dim, n_features)
        self.n_fit_docs = 0

    # ----------------------------------------------------------------- helpers
    @property
    def segmenter(self):
        if self._segmenter is None:
            from ..text import default_segmenter

            self._segmenter = default_segmenter()
        return self._segmenter

    @property
    def dim(self) -> int:
        return int(self.components.shape[0])

    @property
    def fitted(self) -> bool:
        return self.dim > 0

    def _features(self, text: str, tokens: Sequence[str] | None) -> list[str]:
        toks = list(tokens) if tokens is not None else search_tokens(text, self.segmenter)
        return toks + char_bigrams(text) if self.bigrams else toks

    def _matrix(self, feats: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Sublinear TF-IDF rows, L2-normalised, over the fitted vocabulary."""
        get = self.vocab.get
        indptr, indices = [0], []
        for fs in feats:
            indices.extend(i for i in map(get, fs) if i is not None)
            indptr.append(len(indices))
        indptr = np.asarray(indptr, dtype=np.int64)
        rows = np.repeat(np.arange(len(feats)), np.diff(indptr))
        x = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), (rows, np.asarray(indices, dtype=np.int64))),
                          shape=(len(feats), len(self.features)))
        x.sum_duplicates()
        x.data = (1.0 + np.log(x.data)) * self.idf[x.indices]  # sublinear tf × idf
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())  # unit rows
        return sp.diags(1.0 / np.where(norms > 0, norms, 1.0)).dot(x).tocsr().astype(np.float32)

    # ----------------------------------------------------------------- fit / embed
    def fit(self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None) -> "LSAEmbedder":
        """Learn vocabulary, idf and SVD components from ``texts`` (replaces any previous fit)."""
        n_all = len(texts)
        if n_all == 0:
            raise InvalidInputError("LSA 拟合需要至少一篇文档 (LSA fit needs at least one document)")
        idx = np.arange(n_all)
        if n_all > self.fit_max_docs:
            idx = np.sort(np.random.default_rng(self.seed).choice(n_all, self.fit_max_docs, replace=False))
        texts_s = [texts[i] for i in idx]
        toks_s = [tokens[i] for i in idx] if tokens is not None else None
        feats = [self._features(t, toks_s[j] if toks_s is not None else None) for j, t in enumerate(texts_s)]
        n = len(texts_s)
        df = Counter(f for fs in feats for f in set(fs))
        min_df = self.min_df if n >= 200 else 1
        kept = sorted((f for f, c in df.items() if c >= min_df), key=lambda f: (-df[f], f))[: self.max_features]
        if not kept:
            raise InvalidInputError("LSA 拟合的文本中没有可用的词 (no usable words in the fit texts)")
        self.features = kept
        self.vocab = {f: i for i, f in enumerate(kept)}
        self.idf = (np.log((1.0 + n) / (1.0 + np.array([df[f] for f in kept], dtype=np.float64))) + 1.0).astype(np.float32)
        self.components = np.zeros((0, len(kept)), dtype=np.float32)
        x = self._matrix(feats)
        k = min(self.target_dim, x.shape[0], x.shape[1])
        if x.shape[0] * x.shape[1] <= 20_000_000:  # small: exact SVD
            _, s, vt = np.linalg.svd(x.toarray().astype(np.float64), full_matrices=False)
            vt = vt[:k][s[:k] > 1e-6 * max(s[0], 1e-12)]
        else:
            s, vt = randomized_row_svd(x, k, n_iter=2, seed=self.seed)
        if len(vt) == 0:
            raise InvalidInputError("LSA 拟合失败: 文本矩阵秩为 0 (degenerate corpus: rank 0)")
        self.components = np.ascontiguousarray(vt, dtype=np.float32)
        self.n_fit_docs = n_all
        return self

    def embed(self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        """Project texts into the fitted LSA space (unit vectors; all-zero for texts with no known feature)."""
        if not self.fitted:
            raise InvalidInputError("LSA 模型尚未拟合 (LSAEmbedder is not fitted): call fit(texts) first")
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        x = self._matrix([self._features(t, tokens[i] if tokens is not None else None) for i, t in enumerate(texts)])
        ct = getattr(self, "_ct", None)
        if ct is None or ct.shape[::-1] != self.components.shape:
            # scipy would copy a transposed (Fortran-order) view on every call: keep a C-order copy
            ct = self._ct = np.ascontiguousarray(self.components.T)
        return l2_normalise(np.asarray(x @ ct))

    # ----------------------------------------------------------------- persistence
    def spec(self) -> dict:
        return {"kind": self.kind, "dim": self.dim, "features": len(self.features), "fit_docs": self.n_fit_docs}

    def _params(self) -> dict:
        return {"dim": self.target_dim, "max_features": self.max_features, "min_df": self.min_df,
                "bigrams": self.bigrams, "fit_max_docs": self.fit_max_docs, "seed": self.seed}

    def save(self, folder) -> list[str]:
        if not self.fitted:
            raise InvalidInputError("LSA 模型尚未拟合, 无法保存 (cannot save an unfitted LSAEmbedder)")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        spec = {"kind": self.kind, "params": self._params(), "n_fit_docs": self.n_fit_docs,
                "n_features": len(self.features), "dim": self.dim}
        (folder / SPEC_FILE).write_text(json.dumps(spec), encoding="utf-8")
        (folder / "vocab.txt").write_text("\n".join(self.features), encoding="utf-8")
        np.save(folder / "idf.npy", self.idf, allow_pickle=False)
        np.save(folder / "components.npy", self.components, allow_pickle=False)
        return [SPEC_FILE, "vocab.txt", "idf.npy", "components.npy"]

    @classmethod
    def load(cls, folder, segmenter=None) -> "LSAEmbedder":
        folder = Path(folder)
        spec = json.loads((folder / SPEC_FILE).read_text(encoding="utf-8"))
        obj = cls(segmenter=segmenter, **spec["params"])
        obj.features = (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")
        obj.vocab = {f: i for i, f in enumerate(obj.features)}
        obj.idf = np.load(folder / "idf.npy", allow_pickle=False)
        obj.components = np.load(folder / "components.npy", allow_pickle=False)
        obj.n_fit_docs = int(spec["n_fit_docs"])
        if obj.components.shape != (spec["dim"], spec["n_features"]) or len(obj.idf) != spec["n_features"] or len(obj.features) != spec["n_features"]:
            raise ValueError("LSA files do not match their declared shape")
        return obj
