"""LSA embedder: TF-IDF over jieba search tokens + CJK character bigrams → truncated SVD → L2 norm.

Needs no download and fits in seconds. Word tokens carry meaning; character bigrams make it robust
to segmentation differences (借钱 vs 借款 share 借) and to classical text jieba barely segments.
The fitted model (vocabulary, idf, SVD components) is stored as ``vocab.txt`` + ``.npy`` files
written with ``allow_pickle=False``. Format 2 adds the vocabulary's look-up arrays (:mod:`.vocab_file`)
and the sorted bigram keys, so loading builds no dict, and a single query is embedded with numpy
alone (the same arithmetic, in the same order, as the scipy path: bit-identical vectors), so opening
an index and running its first search never imports scipy.
"""

from __future__ import annotations

import json
import re
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from ..errors import InvalidInputError
from ..text import search_tokens
from ..text.bigrams import CJK_RANGES_ALL, SHIFT
from ..text.bigrams import bigram_keys as _bigram_keys
from .embedders import SPEC_FILE, Embedder, l2_normalise
from .vocab_file import SortedVocab, read_terms, save_vocab

if TYPE_CHECKING:
    import scipy.sparse as sp

FORMAT = 2  # 1: vocab.txt only; 2: + vocabulary look-up arrays and sorted bigram keys
BIGRAM_KEYS, BIGRAM_COLS = "bigram_keys.npy", "bigram_cols.npy"
DICT_LOOKUPS = 20_000  # embedding more tokens than this at once builds the vocabulary dict

BIGRAM = "#"  # prefix that keeps character bigrams apart from jieba words


_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]{2,}")
_SHIFT = SHIFT  # code points fit in 21 bits: a bigram is (first << 21) | second


def char_bigrams(text: str) -> list[str]:
    """Bigrams of consecutive CJK characters (runs broken by anything else)."""
    return [BIGRAM + run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]


def bigram_keys(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The same bigrams as :func:`char_bigrams`, as integer keys (extensions B–G included).

    Returns:
        ``(doc, key)``: int64 arrays, one entry per bigram occurrence, ``doc`` indexing ``texts``.
    """
    return _bigram_keys(texts, CJK_RANGES_ALL)


def _bigram_key(feature: str) -> int | None:
    """The integer key of a ``#ab`` bigram feature (None for word features)."""
    if len(feature) == 3 and feature[0] == BIGRAM:
        return (ord(feature[1]) << _SHIFT) | ord(feature[2])
    return None


def _key_feature(key: int) -> str:
    return BIGRAM + chr(key >> _SHIFT) + chr(key & ((1 << _SHIFT) - 1))


def _orthonormal(y: np.ndarray) -> np.ndarray:
    """An orthonormal basis of ``y``'s columns (economic QR; scipy's is ~3× numpy's here)."""
    import scipy.linalg

    return scipy.linalg.qr(y, mode="economic", check_finite=False)[0]


def randomized_row_svd(x: sp.csr_matrix, k: int, n_iter: int = 2, oversample: int = 10, seed: int = 0):
    """Top-``k`` singular values and right singular vectors of a sparse ``x`` (Halko et al. 2011).

    Unlike sklearn's version (which orthogonalises in the feature space, a QR of a
    ``n_features × k`` matrix that dominated the fit time here), this keeps every QR on the
    document side and gets the right vectors from the small ``(k+p)×(k+p)`` Gram matrix, so the
    work is sparse products plus float32 GEMMs. The power iterations renormalise with an LU
    factor (as sklearn does), the final basis with QR.

    Returns:
        ``(s, vt)``: singular values (descending) and ``(k, n_features)`` right vectors.
    """
    import scipy.linalg

    n, v = x.shape
    l = min(k + oversample, n, v)
    rng = np.random.default_rng(seed)
    xt = x.T.tocsr()  # x.T @ q as a CSR product: scipy's CSC kernel is ~2× slower
    y = np.asarray(x @ rng.standard_normal((v, l), dtype=np.float32))
    for _ in range(n_iter):
        y = scipy.linalg.lu(y, permute_l=True, check_finite=False)[0]
        y = np.asarray(x @ np.asarray(xt @ y))
    q = _orthonormal(y)
    b = np.asarray((xt @ q).T, dtype=np.float32)  # (l, v): x ≈ q b
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
        self.idf = np.zeros(0, dtype=np.float32)
        self.components = np.zeros((0, 0), dtype=np.float32)  # (dim, n_features)
        self.n_fit_docs = 0
        self._set_vocabulary([])

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

    def _tokens(self, texts: Sequence[str], tokens) -> list:
        return list(tokens) if tokens is not None else [search_tokens(t, self.segmenter) for t in texts]

    @property
    def features(self) -> list[str]:
        """Every feature (word or ``#ab`` bigram), in column order."""
        if self._features is None:
            self._features = self._lookup.terms()
        return self._features

    @property
    def n_features(self) -> int:
        return len(self._features) if self._features is not None else len(self._lookup)

    @property
    def vocab(self) -> Mapping[str, int]:
        """``{feature: column}``: the saved sorted vocabulary (read-only) after a load, else a dict."""
        if self._vocab is None and self._lookup is not None:
            return self._lookup
        return self._dict_vocab()

    def _dict_vocab(self) -> dict[str, int]:
        if self._vocab is None:  # many look-ups: a dict beats the binary search
            self._vocab = {f: i for i, f in enumerate(self.features)}
        return self._vocab

    def _set_vocabulary(self, features: list[str]) -> None:
        self._features, self._lookup = features, None
        self._vocab = {f: i for i, f in enumerate(features)}
        keys = [(k, i) for i, f in enumerate(features) if (k := _bigram_key(f)) is not None]
        keys.sort()
        self._bg_keys = np.fromiter((k for k, _ in keys), dtype=np.int64, count=len(keys))
        self._bg_cols = np.fromiter((i for _, i in keys), dtype=np.int64, count=len(keys))
        self._term_map = None

    def _bigram_part(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(doc, column)`` of every bigram occurrence of ``texts`` that is a feature."""
        if not self.bigrams or not len(self._bg_keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        doc, key = bigram_keys(texts)
        pos = np.minimum(np.searchsorted(self._bg_keys, key), len(self._bg_keys) - 1)
        hit = self._bg_keys[pos] == key
        return doc[hit], self._bg_cols[pos[hit]]

    def _tfidf(self, n: int, rows: np.ndarray, cols: np.ndarray, tfs: np.ndarray) -> sp.csr_matrix:
        """Sublinear TF-IDF rows, L2-normalised, from feature occurrences (``tfs`` counts per entry)."""
        import scipy.sparse as sp

        x = sp.csr_matrix((tfs.astype(np.float32), (rows, cols)), shape=(n, self.n_features))
        x.sum_duplicates()
        x.data = ((1.0 + np.log(x.data)) * self.idf[x.indices]).astype(np.float32)  # sublinear tf × idf
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        x.data /= np.repeat(np.where(norms > 0, norms, 1.0), np.diff(x.indptr)).astype(np.float32)
        return x

    def _word_columns(self, terms: Sequence[str]) -> np.ndarray:
        """Feature column of each external term id (-1 when not a feature); cached, grown with ``terms``."""
        tm = self._term_map
        if tm is None or tm[0] is not terms or tm[1] > len(terms):
            tm = self._term_map = (terms, 0, np.zeros(0, dtype=np.int64))
        _, done, cols = tm
        if done < len(terms):
            get = self._dict_vocab().get
            more = np.fromiter((get(t, -1) for t in islice(terms, done, None)), dtype=np.int64, count=len(terms) - done)
            cols = np.concatenate([cols, more])
            self._term_map = (terms, len(terms), cols)
        return cols

    def matrix(self, texts: Sequence[str], counts: sp.csr_matrix | None = None, terms: Sequence[str] | None = None,
               tokens=None) -> sp.csr_matrix:
        """The TF-IDF rows of ``texts`` (before projection).

        Word features come from ``counts`` (a ``(len(texts), len(terms))`` term-frequency matrix, e.g.
        the BM25 index's, so texts are not tokenised twice) or else from ``tokens`` (or the segmenter).
        """
        n = len(texts)
        if counts is not None:
            c = counts.tocoo()
            wcols = self._word_columns(terms)[c.col] if c.nnz else np.zeros(0, dtype=np.int64)
            keep = wcols >= 0
            w_rows, w_cols, w_tfs = c.row[keep].astype(np.int64), wcols[keep], c.data[keep].astype(np.float32)
        else:
            toks = self._tokens(texts, tokens)
            get = (self._dict_vocab() if sum(map(len, toks)) > DICT_LOOKUPS else self.vocab).get
            w_cols_l, lens = [], []
            for ts in toks:
                before = len(w_cols_l)
                w_cols_l.extend(i for i in map(get, ts) if i is not None)
                lens.append(len(w_cols_l) - before)
            w_rows = np.repeat(np.arange(n, dtype=np.int64), lens)
            w_cols = np.asarray(w_cols_l, dtype=np.int64)
            w_tfs = np.ones(len(w_cols), dtype=np.float32)
        b_rows, b_cols = self._bigram_part(texts)
        return self._tfidf(n, np.concatenate([w_rows, b_rows]), np.concatenate([w_cols, b_cols]),
                           np.concatenate([w_tfs, np.ones(len(b_rows), dtype=np.float32)]))

    # ----------------------------------------------------------------- fit / embed
    def fit(self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None) -> "LSAEmbedder":
        """Learn vocabulary, idf and SVD components from ``texts`` (replaces any previous fit)."""
        from .bm25 import BM25Index

        if len(texts) == 0:
            raise InvalidInputError("LSA 拟合需要至少一篇文档 (LSA fit needs at least one document)")
        idx = self.sample(len(texts))
        terms = BM25Index()  # only for its term interning
        counts = terms.count_matrix(self._tokens([texts[i] for i in idx], [tokens[i] for i in idx] if tokens is not None else None))
        return self._fit(len(texts), [texts[i] for i in idx], counts, terms.terms)

    def fit_counts(self, texts: Sequence[str], counts: sp.csr_matrix, terms: Sequence[str],
                   n_total: int | None = None) -> "LSAEmbedder":
        """:meth:`fit` from a term-frequency matrix over ``terms`` (one row per text) instead of tokens.

        Args:
            texts: the documents (or a sample of them, see :meth:`sample`).
            counts: their ``(len(texts), len(terms))`` term frequencies.
            terms: the term of each column.
            n_total: how many documents ``texts`` was sampled from (recorded as ``n_fit_docs``).
        """
        if len(texts) == 0:
            raise InvalidInputError("LSA 拟合需要至少一篇文档 (LSA fit needs at least one document)")
        import scipy.sparse as sp

        idx = self.sample(len(texts))
        return self._fit(n_total or len(texts), [texts[i] for i in idx], sp.csr_matrix(counts)[idx], terms)

    def sample(self, n_all: int) -> np.ndarray:
        """The seeded sample (sorted indices) of at most ``fit_max_docs`` documents the model is fitted on."""
        if n_all > self.fit_max_docs:
            return np.sort(np.random.default_rng(self.seed).choice(n_all, self.fit_max_docs, replace=False))
        return np.arange(n_all)

    def _fit(self, n_all: int, texts: list[str], counts: sp.csr_matrix, terms: Sequence[str]) -> "LSAEmbedder":
        import scipy.sparse as sp

        n = len(texts)
        min_df = self.min_df if n >= 200 else 1
        counts = sp.csr_matrix(counts)
        counts.sum_duplicates()
        # document frequencies: words from the count matrix, bigrams from the texts (per block of docs)
        w_df = np.bincount(counts.indices, minlength=counts.shape[1])
        keys_parts = []
        if self.bigrams:
            for i in range(0, n, 4096):
                doc, key = bigram_keys(texts[i : i + 4096])
                keys_parts.append(np.unique((doc << (2 * _SHIFT)) | key) & ((1 << (2 * _SHIFT)) - 1))
        b_keys, b_df = np.unique(np.concatenate(keys_parts) if keys_parts else np.zeros(0, dtype=np.int64), return_counts=True)
        w_ids = np.flatnonzero(w_df >= min_df)
        b_sel = np.flatnonzero(b_df >= min_df)
        dfs = np.concatenate([w_df[w_ids], b_df[b_sel]])
        if not len(dfs):
            raise InvalidInputError("LSA 拟合的文本中没有可用的词 (no usable words in the fit texts)")
        # the max_features most frequent features, ties by feature string (only the cut-off df needs sorting)
        cut = np.sort(dfs)[::-1][min(self.max_features, len(dfs)) - 1]
        cand = np.flatnonzero(dfs >= cut)
        names = [terms[w_ids[i]] if i < len(w_ids) else _key_feature(int(b_keys[b_sel[i - len(w_ids)]])) for i in cand]
        df_of: dict[str, int] = {}
        for f, d in zip(names, dfs[cand].tolist()):
            df_of[f] = max(d, df_of.get(f, 0))  # a word spelt like a "#ab" bigram: one feature
        kept = sorted(df_of, key=lambda f: (-df_of[f], f))[: self.max_features]
        self._set_vocabulary(kept)
        self.idf = (np.log((1.0 + n) / (1.0 + np.array([df_of[f] for f in kept], dtype=np.float64))) + 1.0).astype(np.float32)
        self.components = np.zeros((0, len(kept)), dtype=np.float32)
        self._ct = None
        x = self.matrix(texts, counts, terms)
        k = min(self.target_dim, x.shape[0], x.shape[1])
        if x.shape[0] * x.shape[1] <= 20_000_000:  # small: exact SVD
            _, sv, vt = np.linalg.svd(x.toarray().astype(np.float64), full_matrices=False)
            vt = vt[:k][sv[:k] > 1e-6 * max(sv[0], 1e-12)]
        else:
            _, vt = randomized_row_svd(x, k, n_iter=2, seed=self.seed)
        if len(vt) == 0:
            raise InvalidInputError("LSA 拟合失败: 文本矩阵秩为 0 (degenerate corpus: rank 0)")
        self.components = np.ascontiguousarray(vt, dtype=np.float32)
        self.n_fit_docs = n_all
        return self

    def _project(self, x: sp.csr_matrix) -> np.ndarray:
        ct = getattr(self, "_ct", None)
        if ct is None or ct.shape[::-1] != self.components.shape:
            # scipy would copy a transposed (Fortran-order) view on every call: keep a C-order copy
            ct = self._ct = np.ascontiguousarray(self.components.T)
        return l2_normalise(np.asarray(x @ ct))

    def embed(self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        """Project texts into the fitted LSA space (unit vectors; all-zero for texts with no known feature)."""
        if not self.fitted:
            raise InvalidInputError("LSA 模型尚未拟合 (LSAEmbedder is not fitted): call fit(texts) first")
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1:  # a query: numpy only (no scipy import on an index's first search)
            return self._embed_one(texts[0], None if tokens is None else tokens[0])
        return self._project(self.matrix(texts, tokens=tokens))

    def _embed_one(self, text: str, tokens: Sequence[str] | None) -> np.ndarray:
        """:meth:`embed` of one text without scipy, bit-identical to ``_project(matrix(...))``.

        It repeats, for a single row, each step of :meth:`_tfidf` and :meth:`_project` as scipy
        performs it: duplicate columns summed and sorted (``sum_duplicates``), the row norm by
        ``np.add.reduceat`` (scipy's minor-axis sum), and the projection accumulated one stored
        column after another in float32 (``csr_matvecs``).
        """
        toks = self._tokens([text], None if tokens is None else [tokens])[0]
        get = self.vocab.get
        words = np.fromiter((i for i in map(get, toks) if i is not None), dtype=np.int64)
        cols, tfs = np.unique(np.concatenate([words, self._bigram_part([text])[1]]), return_counts=True)
        y = np.zeros((1, self.dim), dtype=np.float32)
        if len(cols):
            data = ((1.0 + np.log(tfs.astype(np.float32))) * self.idf[cols]).astype(np.float32)
            norm = np.sqrt(np.add.reduceat(data * data, [0]))
            data /= np.repeat(np.where(norm > 0, norm, 1.0), len(data)).astype(np.float32)
            comps = self.components
            for a, c in zip(data, cols):
                y[0] += a * comps[:, c]
        return l2_normalise(y)

    def embed_counts(self, texts: Sequence[str], counts: sp.csr_matrix, terms: Sequence[str]) -> np.ndarray:
        """:meth:`embed` from a term-frequency matrix over ``terms`` (one row per text) instead of tokens."""
        if not self.fitted:
            raise InvalidInputError("LSA 模型尚未拟合 (LSAEmbedder is not fitted): call fit(texts) first")
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._project(self.matrix(texts, counts, terms))

    # ----------------------------------------------------------------- persistence
    def spec(self) -> dict:
        return {"kind": self.kind, "dim": self.dim, "features": self.n_features, "fit_docs": self.n_fit_docs}

    def _params(self) -> dict:
        return {"dim": self.target_dim, "max_features": self.max_features, "min_df": self.min_df,
                "bigrams": self.bigrams, "fit_max_docs": self.fit_max_docs, "seed": self.seed}

    def save(self, folder) -> list[str]:
        if not self.fitted:
            raise InvalidInputError("LSA 模型尚未拟合, 无法保存 (cannot save an unfitted LSAEmbedder)")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        spec = {"kind": self.kind, "format": FORMAT, "params": self._params(), "n_fit_docs": self.n_fit_docs,
                "n_features": self.n_features, "dim": self.dim}
        (folder / SPEC_FILE).write_text(json.dumps(spec), encoding="utf-8")
        files = save_vocab(folder, self.features)
        np.save(folder / BIGRAM_KEYS, self._bg_keys, allow_pickle=False)
        np.save(folder / BIGRAM_COLS, self._bg_cols, allow_pickle=False)
        np.save(folder / "idf.npy", self.idf, allow_pickle=False)
        np.save(folder / "components.npy", self.components, allow_pickle=False)
        return [SPEC_FILE, *files, BIGRAM_KEYS, BIGRAM_COLS, "idf.npy", "components.npy"]

    @classmethod
    def load(cls, folder, segmenter=None) -> "LSAEmbedder":
        folder = Path(folder)
        spec = json.loads((folder / SPEC_FILE).read_text(encoding="utf-8"))
        fmt = spec.get("format", 1)
        if fmt not in (1, 2):
            raise ValueError(f"unsupported LSA format {fmt!r} (readable: 1, 2)")
        obj = cls(segmenter=segmenter, **spec["params"])
        if fmt >= 2:  # no dict, no per-feature Python: the look-up arrays were saved
            lookup = SortedVocab.load(folder)
            if lookup is None:
                raise ValueError("LSA format 2 without its vocabulary arrays")
            obj._features, obj._vocab, obj._lookup, obj._term_map = None, None, lookup, None
            obj._bg_keys = np.load(folder / BIGRAM_KEYS, allow_pickle=False).astype(np.int64, copy=False)
            obj._bg_cols = np.load(folder / BIGRAM_COLS, allow_pickle=False).astype(np.int64, copy=False)
            if len(obj._bg_keys) != len(obj._bg_cols) or (len(obj._bg_cols) and int(obj._bg_cols.max()) >= len(lookup)):
                raise ValueError("LSA bigram arrays do not match the vocabulary")
        else:
            obj._set_vocabulary(read_terms(folder))
        obj.idf = np.load(folder / "idf.npy", allow_pickle=False)
        # memory-mapped (copy-on-write, never written back): a query reads only its features' columns
        obj.components = np.asarray(np.load(folder / "components.npy", mmap_mode="c", allow_pickle=False))
        obj.n_fit_docs = int(spec["n_fit_docs"])
        if obj.components.shape != (spec["dim"], spec["n_features"]) or len(obj.idf) != spec["n_features"] or obj.n_features != spec["n_features"]:
            raise ValueError("LSA files do not match their declared shape")
        return obj
