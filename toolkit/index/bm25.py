"""Okapi BM25 over pre-tokenised documents, with honest incremental add and remove.

bm25s (the library) precomputes every document's term scores at build time, so any add or remove
changes IDF and average length for all documents and forces a full rebuild. Here the index keeps raw
term frequencies in a sparse column-per-term matrix and computes the BM25 weights at query time
from the *live* statistics (document count, document frequencies, average length). Adding or removing
a document therefore gives exactly the scores of a fresh build over the live documents (a test checks
this against bm25s), and a query only touches the posting lists of its own terms.

Layout: a *main* segment (CSC matrix: rows = documents, columns = terms) plus a small *delta* of
recently added documents; removed documents are tombstoned (``alive`` mask) and their postings are
dropped when the delta is merged into main (when it passes ``merge_ratio`` of main, or on save).
The scoring formula is Lucene's (the bm25s default):
``idf(t) · tf / (tf + k1·(1 − b + b·|d|/avgdl))`` with ``idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5))``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidInputError

FORMAT = 1


class BM25Index:
    """Sparse BM25 index keyed by integer row numbers (the caller maps rows to document ids).

    Args:
        k1: term-frequency saturation (bm25s default 1.5).
        b: length normalisation (0 = none, 1 = full).
        merge_ratio: merge the delta into main once its postings exceed this fraction of main's.
        merge_min: ... and at least this many postings (small collections just stay in the delta).

    Example:
        >>> ix = BM25Index()
        >>> ix.add([["借款", "合同"], ["劳动", "合同"]]).tolist()
        [0, 1]
        >>> ix.top(["劳动"], 1)[0].tolist()
        [1]
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75, merge_ratio: float = 0.25, merge_min: int = 50_000):
        if k1 < 0 or not 0 <= b <= 1:
            raise InvalidInputError(f"BM25 参数无效 (invalid BM25 parameters): k1={k1} (≥0), b={b} (0..1)")
        self.k1, self.b = float(k1), float(b)
        self.merge_ratio, self.merge_min = merge_ratio, merge_min
        self.terms: list[str] = []
        self._vocab: dict[str, int] | None = {}
        self.df = np.zeros(0, dtype=np.int64)
        self.doc_len = np.zeros(0, dtype=np.float32)
        self.alive = np.zeros(0, dtype=bool)
        self.total_len = 0.0
        self.main = sp.csc_matrix((0, 0), dtype=np.float32)
        self.main_rows = 0  # rows [0, main_rows) live in main, later ones in the delta
        self._delta: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._delta_nnz = 0
        self._delta_csc: sp.csc_matrix | None = None
        self._main_csr: sp.csr_matrix | None = None

    # ----------------------------------------------------------------- stats
    @property
    def vocab(self) -> dict[str, int]:
        if self._vocab is None:  # built lazily after load: a million terms cost ~0.1 s
            self._vocab = {t: i for i, t in enumerate(self.terms)}
        return self._vocab

    @property
    def n_rows(self) -> int:
        return len(self.alive)

    @property
    def n_docs(self) -> int:
        return int(self.alive.sum())

    # ----------------------------------------------------------------- updates
    def _grow(self, arr: np.ndarray, n: int) -> np.ndarray:
        if len(arr) >= n:
            return arr
        out = np.zeros(max(n, int(len(arr) * 1.5) + 16), dtype=arr.dtype)
        out[: len(arr)] = arr
        return out

    def add(self, token_lists: Iterable[Sequence[str]]) -> np.ndarray:
        """Index documents given as token lists; returns their new row numbers."""
        vocab = self.vocab
        start = self.n_rows
        lens, rows = [], []
        row = start
        for toks in token_lists:
            counts = Counter(t.replace("\n", " ") for t in toks)
            ids = np.empty(len(counts), dtype=np.int64)
            tfs = np.empty(len(counts), dtype=np.float32)
            for j, (t, c) in enumerate(counts.items()):
                i = vocab.get(t)
                if i is None:
                    i = vocab[t] = len(self.terms)
                    self.terms.append(t)
                ids[j], tfs[j] = i, c
            self._delta[row] = (ids, tfs)
            self._delta_nnz += len(ids)
            lens.append(sum(counts.values()))
            rows.append(row)
            row += 1
        n_new = row - start
        if not n_new:
            return np.zeros(0, dtype=np.int64)
        self.df = self._grow(self.df, len(self.terms))
        for r in rows:
            self.df[self._delta[r][0]] += 1
        lens = np.asarray(lens, dtype=np.float32)
        self.doc_len = np.concatenate([self.doc_len[:start], lens])
        self.alive = np.concatenate([self.alive[:start], np.ones(n_new, dtype=bool)])
        self.total_len += float(lens.sum())
        self._delta_csc = None
        if self._delta_nnz > max(self.merge_min, self.merge_ratio * self.main.nnz) or self.main_rows == 0:
            self.merge()
        return np.arange(start, row, dtype=np.int64)

    def remove(self, rows: Iterable[int]) -> int:
        """Tombstone rows (unknown or already removed rows are ignored); returns how many were removed."""
        n = 0
        for r in rows:
            r = int(r)
            if not (0 <= r < self.n_rows) or not self.alive[r]:
                continue
            if r >= self.main_rows:
                ids, _ = self._delta[r]
            else:
                if self._main_csr is None:
                    self._main_csr = self.main.tocsr()
                m = self._main_csr
                ids = m.indices[m.indptr[r] : m.indptr[r + 1]]
            self.df[ids] -= 1
            self.alive[r] = False
            self.total_len -= float(self.doc_len[r])
            n += 1
        return n

    def merge(self) -> None:
        """Fold the delta into main and drop the postings of removed rows."""
        main = self.main.tocoo()
        keep = self.alive[main.row] if main.nnz else np.zeros(0, dtype=bool)
        parts_r, parts_c, parts_d = [main.row[keep]], [main.col[keep]], [main.data[keep]]
        for r, (ids, tfs) in self._delta.items():
            if self.alive[r]:
                parts_r.append(np.full(len(ids), r, dtype=np.int64))
                parts_c.append(ids)
                parts_d.append(tfs)
        rr = np.concatenate(parts_r).astype(np.int64)
        cc = np.concatenate(parts_c).astype(np.int64)
        dd = np.concatenate(parts_d).astype(np.float32)
        self.main = sp.csc_matrix((dd, (rr, cc)), shape=(self.n_rows, len(self.terms)), dtype=np.float32)
        self.main.indices = self.main.indices.astype(np.int32, copy=False)
        self.main_rows = self.n_rows
        self._delta.clear()
        self._delta_nnz = 0
        self._delta_csc = None
        self._main_csr = None

    def _delta_matrix(self) -> sp.csc_matrix | None:
        if not self._delta:
            return None
        if self._delta_csc is None:
            rr = np.concatenate([np.full(len(ids), r, dtype=np.int64) for r, (ids, _) in self._delta.items()])
            cc = np.concatenate([ids for ids, _ in self._delta.values()])
            dd = np.concatenate([tfs for _, tfs in self._delta.values()])
            self._delta_csc = sp.csc_matrix((dd, (rr, cc)), shape=(self.n_rows, len(self.terms)), dtype=np.float32)
        return self._delta_csc

    # ----------------------------------------------------------------- queries
    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for the query (0 for removed rows and non-matching rows).

        Repeated query terms count once.
        """
        out_len = self.n_rows
        n = self.n_docs
        vocab = self.vocab
        ids = sorted({vocab[t] for t in query_tokens if t in vocab})
        if not ids or n == 0:
            return np.zeros(out_len, dtype=np.float32)
        avgdl = self.total_len / n
        rows_parts, w_parts = [], []
        for mat in (self.main, self._delta_matrix()):
            if mat is None or mat.nnz == 0:
                continue
            for t in ids:
                if t >= mat.shape[1]:
                    continue
                a, e = mat.indptr[t], mat.indptr[t + 1]
                if a == e:
                    continue
                df = float(self.df[t])
                idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
                rows = mat.indices[a:e]
                tf = mat.data[a:e]
                norm = self.k1 * (1.0 - self.b + self.b * self.doc_len[rows] / avgdl)
                rows_parts.append(rows)
                w_parts.append(idf * tf / (tf + norm))
        if not rows_parts:
            return np.zeros(out_len, dtype=np.float32)
        s = np.bincount(np.concatenate(rows_parts), weights=np.concatenate(w_parts), minlength=out_len)
        s = s.astype(np.float32)
        s[~self.alive] = 0.0
        return s

    def top(self, query_tokens: Sequence[str], k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best rows with a positive score (optionally only where ``mask`` is true).

        Returns:
            ``(rows, scores)``, best first; ties broken by lower row number.
        """
        s = self.scores(query_tokens)
        if mask is not None:
            s = np.where(mask[: len(s)], s, 0.0)
        cand = np.flatnonzero(s > 0)
        if len(cand) > k:
            part = np.argpartition(-s[cand], k - 1)[:k]
            cand = cand[part]
        order = np.lexsort((cand, -s[cand]))
        cand = cand[order]
        return cand.astype(np.int64), s[cand]

    # ----------------------------------------------------------------- persistence
    def save(self, folder: str | Path) -> list[str]:
        """Write the index into ``folder`` (merging first); returns the file names written."""
        self.merge()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        m = self.main
        arrays = {
            "indptr.npy": m.indptr.astype(np.int64),
            "indices.npy": m.indices.astype(np.int32),
            "data.npy": m.data.astype(np.float32),
            "doc_len.npy": self.doc_len[: self.n_rows],
            "alive.npy": self.alive,
        }
        for name, arr in arrays.items():
            np.save(folder / name, arr, allow_pickle=False)
        (folder / "vocab.txt").write_text("\n".join(self.terms), encoding="utf-8")
        params = {"format": FORMAT, "k1": self.k1, "b": self.b, "rows": self.n_rows, "terms": len(self.terms), "shape": list(m.shape)}
        (folder / "bm25.json").write_text(json.dumps(params), encoding="utf-8")
        return [*arrays, "vocab.txt", "bm25.json"]

    @classmethod
    def load(cls, folder: str | Path) -> "BM25Index":
        """Read an index written by :meth:`save` (raises ValueError/OSError on inconsistent files)."""
        folder = Path(folder)
        params = json.loads((folder / "bm25.json").read_text(encoding="utf-8"))
        if params.get("format") != FORMAT:
            raise ValueError(f"unsupported bm25 format {params.get('format')!r}")
        ix = cls(k1=params["k1"], b=params["b"])
        text = (folder / "vocab.txt").read_text(encoding="utf-8")
        ix.terms = text.split("\n") if text else []
        ix._vocab = None
        ld = lambda name: np.load(folder / name, allow_pickle=False)  # noqa: E731
        indptr, indices, data = ld("indptr.npy"), ld("indices.npy"), ld("data.npy")
        shape = tuple(params["shape"])
        if len(ix.terms) != params["terms"] or len(indptr) != shape[1] + 1 or len(indices) != len(data) or indptr[-1] != len(data):
            raise ValueError("bm25 arrays do not match their declared shape")
        ix.main = sp.csc_matrix((data, indices, indptr), shape=shape)
        ix.doc_len = ld("doc_len.npy").astype(np.float32)
        ix.alive = ld("alive.npy").astype(bool)
        if len(ix.alive) != params["rows"] or len(ix.doc_len) != params["rows"]:
            raise ValueError("bm25 row arrays do not match the declared row count")
        ix.main_rows = len(ix.alive)
        ix.df = np.diff(indptr).astype(np.int64)  # dead rows' postings were dropped on save
        ix.total_len = float(ix.doc_len[ix.alive].sum())
        return ix
