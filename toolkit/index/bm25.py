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

Opening is cheap (format 2): the posting arrays are memory-mapped, the vocabulary answers look-ups by
binary search over sorted arrays saved with it (:mod:`.vocab_file`), and scipy is imported only when
the index is changed; a search reads the raw CSC arrays. Format 1 folders still load (their vocabulary
dict is built on the first search, as before).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from ..errors import InvalidInputError
from .vocab_file import SortedVocab, read_terms, save_vocab

if TYPE_CHECKING:  # scipy.sparse costs ~0.35 s to import: only index changes need it
    import scipy.sparse as sp

FORMAT = 2
READABLE_FORMATS = (1, 2)


class CollectionStats(NamedTuple):
    """Statistics of a collection split over several BM25 indexes (see :meth:`BM25Index.scores`)."""

    n_docs: int
    total_len: float
    df: Mapping[str, int]  # document frequency of each query term over the whole collection


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
        self._terms: list[str] | None = []
        self._vocab: dict[str, int] | None = {}
        self._lookup: SortedVocab | None = None  # the saved vocabulary (until a term is added)
        self.df = np.zeros(0, dtype=np.int64)
        self.doc_len = np.zeros(0, dtype=np.float32)
        self.alive = np.zeros(0, dtype=bool)
        self.total_len = 0.0
        self._main = None  # scipy CSC matrix, built from _raw on first use
        self._raw = (np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32), (0, 0))
        self.main_rows = 0  # rows [0, main_rows) live in main, later ones in the delta
        self._delta: list[sp.csr_matrix] = []  # blocks of recently added rows, in row order
        self._delta_starts: list[int] = []  # first row of each block
        self._delta_nnz = 0
        self._delta_csc: sp.csc_matrix | None = None
        self._main_csr: sp.csr_matrix | None = None
        self._dead_in_main = 0  # removed rows whose postings are still in main (dropped by merge)

    # ----------------------------------------------------------------- stats
    @property
    def terms(self) -> list[str]:
        """Every term, in id order (read from the saved vocabulary on first use)."""
        if self._terms is None:
            self._terms = self._lookup.terms()
        return self._terms

    @property
    def n_terms(self) -> int:
        return len(self._terms) if self._terms is not None else len(self._lookup)

    @property
    def vocab(self) -> Mapping[str, int]:
        """``{term: id}``: the saved sorted vocabulary (read-only) after a load, else a dict."""
        if self._vocab is None and self._lookup is not None:
            return self._lookup
        return self._writable_vocab()

    def _writable_vocab(self) -> dict[str, int]:
        if self._vocab is None:  # built lazily: 1.4 million terms cost over a second
            self._vocab = {t: i for i, t in enumerate(self.terms)}
            self._lookup = None  # stale once a term is added
        return self._vocab

    @property
    def main(self) -> "sp.csc_matrix":
        """The main segment as a scipy CSC matrix (built from the loaded arrays on first use)."""
        if self._main is None:
            import scipy.sparse as sp

            indptr, indices, data, shape = self._raw
            self._main = sp.csc_matrix((data, indices, indptr), shape=shape)
            self._raw = None
        return self._main

    @main.setter
    def main(self, m) -> None:
        self._main, self._raw = m, None

    def _main_postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """``(indptr, indices, data, n_columns)`` of main without building the scipy matrix."""
        if self._main is not None:
            m = self._main
            return m.indptr, m.indices, m.data, m.shape[1]
        indptr, indices, data, shape = self._raw
        return indptr, indices, data, shape[1]

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

    def count_matrix(self, token_lists: Iterable[Sequence[str]]) -> sp.csr_matrix:
        """Term frequencies of tokenised documents as a ``(n_docs, n_terms)`` CSR matrix.

        New terms join the vocabulary (so the columns are this index's term ids), but nothing is
        indexed until :meth:`add_counts`. The same matrix feeds other consumers of the tokens (the
        LSA embedder), so a text is tokenised once.
        """
        lens: list[int] = []
        flat: list[str] = []
        for toks in token_lists:
            lens.append(len(toks))
            flat.extend(toks)
        ids = self.term_ids(flat)
        import scipy.sparse as sp

        rows = np.repeat(np.arange(len(lens), dtype=np.int64), np.asarray(lens, dtype=np.int64))
        m = sp.csr_matrix((np.ones(len(ids), dtype=np.float32), (rows, ids)), shape=(len(lens), self.n_terms))
        m.sum_duplicates()
        return m

    def term_ids(self, tokens: Sequence[str]) -> np.ndarray:
        """The term id of each token, adding unknown tokens to the vocabulary (in sorted order)."""
        vocab = self._writable_vocab()
        if "\n" in "\t".join(tokens):  # vocab.txt is one term per line
            tokens = [t.replace("\n", " ") for t in tokens]
        new = set(tokens).difference(vocab)  # (difference, not difference_update: that walks all of vocab)
        for t in sorted(new):  # sorted: term ids do not depend on hash order
            vocab[t] = self.n_terms
            self.terms.append(t)
        return np.fromiter(map(vocab.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def extend_terms(self, new_terms: Sequence[str]) -> np.ndarray:
        """Append terms known to be new and distinct (no lookup of each); returns their ids.

        Raises:
            InvalidInputError: one of them is already a term (or repeated); nothing is added then.
        """
        vocab = self._writable_vocab()
        n0 = self.n_terms
        vocab.update(zip(new_terms, range(n0, n0 + len(new_terms))))
        if len(vocab) != n0 + len(new_terms):
            for t in new_terms:  # roll back: drop what this call added
                if vocab.get(t, -1) >= n0:
                    del vocab[t]
            raise InvalidInputError(f"extend_terms: {len(new_terms)} 个词中有已存在或重复的词 (terms not new/distinct)")
        self.terms.extend(new_terms)
        return np.arange(n0, n0 + len(new_terms), dtype=np.int64)

    def add(self, token_lists: Iterable[Sequence[str]]) -> np.ndarray:
        """Index documents given as token lists; returns their new row numbers."""
        return self.add_counts(self.count_matrix(token_lists))

    def add_counts(self, counts: sp.csr_matrix, merge: bool = True) -> np.ndarray:
        """Index documents given as a term-frequency matrix from :meth:`count_matrix`; returns their rows.

        Args:
            counts: ``(n_docs, ≤ n_terms)`` term frequencies.
            merge: fold the delta into main when it has grown past ``merge_ratio`` (a bulk load
                passes False for all but its last batch, so main is rebuilt once, not log-many times).
        """
        n_new = counts.shape[0]
        start = self.n_rows
        if not n_new:
            return np.zeros(0, dtype=np.int64)
        if counts.shape[1] > self.n_terms:
            raise InvalidInputError(f"词频矩阵有 {counts.shape[1]} 列, 词表只有 {self.n_terms} 个词 (count matrix wider than the vocabulary)")
        import scipy.sparse as sp

        counts = sp.csr_matrix(counts, dtype=np.float32)
        counts.sum_duplicates()
        self.df = self._grow(self.df, self.n_terms)
        self.df[: counts.shape[1]] += np.bincount(counts.indices, minlength=counts.shape[1])
        lens = np.asarray(counts.sum(axis=1), dtype=np.float32).ravel()
        self.doc_len = np.concatenate([self.doc_len[:start], lens])
        self.alive = np.concatenate([self.alive[:start], np.ones(n_new, dtype=bool)])
        self.total_len += float(lens.sum())
        self._delta.append(counts)
        self._delta_starts.append(start)
        self._delta_nnz += counts.nnz
        self._delta_csc = None
        if merge and (self._delta_nnz > max(self.merge_min, self.merge_ratio * self.main.nnz) or self.main_rows == 0):
            self.merge()
        return np.arange(start, start + n_new, dtype=np.int64)

    def _row_terms(self, r: int) -> np.ndarray:
        """Term ids of one live row (main or delta)."""
        if r >= self.main_rows:
            b = bisect_right(self._delta_starts, r) - 1
            m, i = self._delta[b], r - self._delta_starts[b]
            return m.indices[m.indptr[i] : m.indptr[i + 1]]
        if self._main_csr is None:
            self._main_csr = self.main.tocsr()
        m = self._main_csr
        return m.indices[m.indptr[r] : m.indptr[r + 1]]

    def remove(self, rows: Iterable[int]) -> int:
        """Tombstone rows (unknown or already removed rows are ignored); returns how many were removed."""
        n = 0
        for r in rows:
            r = int(r)
            if not (0 <= r < self.n_rows) or not self.alive[r]:
                continue
            self.df[self._row_terms(r)] -= 1
            self._dead_in_main += r < self.main_rows
            self.alive[r] = False
            self.total_len -= float(self.doc_len[r])
            n += 1
        return n

    def _delta_coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(rows, term ids, tfs)`` of every delta posting, with absolute row numbers."""
        rr, cc, dd = [], [], []
        for start, m in zip(self._delta_starts, self._delta):
            c = m.tocoo()
            rr.append(c.row.astype(np.int64) + start)
            cc.append(c.col.astype(np.int64))
            dd.append(c.data)
        if not rr:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(rr), np.concatenate(cc), np.concatenate(dd).astype(np.float32)

    def merge(self) -> None:
        """Fold the delta into main and drop the postings of removed rows.

        Works row-major (main's CSR view and the delta blocks are stacked, removed rows emptied) and
        keeps that CSR view for :meth:`row_counts` and :meth:`remove`; transient memory is about
        two copies of the postings.
        """
        if not self._delta and not self._dead_in_main and self._main_rows_count() == self.n_rows:
            return  # nothing to fold in, nothing to drop
        import scipy.sparse as sp

        n, n_terms = self.n_rows, self.n_terms
        blocks = []
        if self.main_rows:
            m = self._main_csr if self._main_csr is not None else self.main.tocsr()
            blocks.append(widen(m, n_terms))
        blocks += [widen(b, n_terms) for b in self._delta]
        self.main = None  # let the old postings go before the new copy is built
        self._main_csr = None
        self._delta.clear()
        self._delta_starts.clear()
        csr = sp.vstack(blocks, format="csr", dtype=np.float32) if blocks else sp.csr_matrix((n, n_terms), dtype=np.float32)
        del blocks
        if not self.alive[: csr.shape[0]].all():  # empty the rows of removed documents
            dead = np.repeat(~self.alive[: csr.shape[0]], np.diff(csr.indptr))
            csr.data[dead] = 0.0
            csr.eliminate_zeros()
        csr = widen(csr, n_terms) if csr.shape[0] == n else sp.csr_matrix((csr.data, csr.indices, np.concatenate(
            [csr.indptr, np.full(n - csr.shape[0], csr.indptr[-1], dtype=csr.indptr.dtype)])), shape=(n, n_terms))
        self.main = csr.tocsc()
        self.main.indices = self.main.indices.astype(np.int32, copy=False)
        self._main_csr = csr
        self.main_rows = n
        self._delta_nnz = 0
        self._delta_csc = None
        self._dead_in_main = 0

    def _main_rows_count(self) -> int:
        return self._main.shape[0] if self._main is not None else self._raw[3][0]

    def drop_row_view(self) -> None:
        """Free the cached row-major copy of main (rebuilt on demand by :meth:`row_counts`/:meth:`remove`)."""
        self._main_csr = None

    def _delta_matrix(self) -> sp.csc_matrix | None:
        if not self._delta:
            return None
        if self._delta_csc is None:
            import scipy.sparse as sp

            rr, cc, dd = self._delta_coo()
            self._delta_csc = sp.csc_matrix((dd, (rr, cc)), shape=(self.n_rows, self.n_terms), dtype=np.float32)
        return self._delta_csc

    def row_counts(self, rows: Sequence[int]) -> sp.csr_matrix:
        """Term frequencies of the given (live) rows as a ``(len(rows), n_terms)`` CSR matrix."""
        if self._delta:
            self.merge()
        if self._main_csr is None:
            self._main_csr = self.main.tocsr()
        m = self._main_csr[np.asarray(rows, dtype=np.int64)]
        m.sum_duplicates()
        return widen(m, self.n_terms)

    # ----------------------------------------------------------------- queries
    def scores(self, query_tokens: Sequence[str], collection: "CollectionStats | None" = None) -> np.ndarray:
        """BM25 score of every row for the query (0 for removed rows and non-matching rows).

        Repeated query terms count once. ``collection``: document count, total length and document
        frequencies of a larger collection this index is one part of (segments of one knowledge
        base), so that scores of different parts are comparable; None = this index's own.
        """
        out_len = self.n_rows
        n = self.n_docs
        vocab = self.vocab
        ids = sorted({vocab[t] for t in query_tokens if t in vocab})
        if not ids or n == 0:
            return np.zeros(out_len, dtype=np.float32)
        avgdl = self.total_len / n
        df_of = None
        if collection is not None:
            terms = {vocab[t]: t for t in query_tokens if t in vocab}
            df_of = {i: collection.df.get(terms[i], 0) for i in ids}
            n, avgdl = collection.n_docs, collection.total_len / max(collection.n_docs, 1)
        rows_parts, w_parts = [], []
        parts = [self._main_postings()]
        delta = self._delta_matrix()
        if delta is not None:
            parts.append((delta.indptr, delta.indices, delta.data, delta.shape[1]))
        for indptr, indices, data, n_cols in parts:
            if len(data) == 0:
                continue
            for t in ids:
                if t >= n_cols:
                    continue
                a, e = indptr[t], indptr[t + 1]
                if a == e:
                    continue
                df = float(self.df[t] if df_of is None else max(df_of[t], 1))
                idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
                rows = indices[a:e]
                tf = data[a:e]
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
        vocab_files = save_vocab(folder, self.terms)
        params = {"format": FORMAT, "k1": self.k1, "b": self.b, "rows": self.n_rows, "terms": self.n_terms, "shape": list(m.shape)}
        (folder / "bm25.json").write_text(json.dumps(params), encoding="utf-8")
        return [*arrays, *vocab_files, "bm25.json"]

    @classmethod
    def load(cls, folder: str | Path) -> "BM25Index":
        """Read an index written by :meth:`save` (raises ValueError/OSError on inconsistent files).

        The posting arrays are memory-mapped copy-on-write (pages are read as queries touch them;
        nothing is ever written back), so the files must not be changed in place while the index is
        open (saving always writes a new folder, see :func:`toolkit.atomic.atomic_dir`).
        """
        folder = Path(folder)
        params = json.loads((folder / "bm25.json").read_text(encoding="utf-8"))
        fmt = params.get("format")
        if fmt not in READABLE_FORMATS:
            raise ValueError(f"unsupported bm25 format {fmt!r} (readable: {', '.join(map(str, READABLE_FORMATS))})")
        ix = cls(k1=params["k1"], b=params["b"])
        if fmt >= 2:
            ix._terms, ix._lookup = None, SortedVocab.load(folder)
            if ix._lookup is None:
                raise ValueError("bm25 format 2 without its vocabulary arrays")
        else:  # format 1: no look-up arrays; the vocabulary dict is built on the first search
            ix._terms = read_terms(folder)
        ix._vocab = None
        ld = lambda name, mode=None: np.asarray(np.load(folder / name, mmap_mode=mode, allow_pickle=False))  # noqa: E731
        indptr, indices, data = ld("indptr.npy", "c"), ld("indices.npy", "c"), ld("data.npy", "c")
        shape = tuple(params["shape"])
        if ix.n_terms != params["terms"] or len(indptr) != shape[1] + 1 or len(indices) != len(data) or indptr[-1] != len(data):
            raise ValueError("bm25 arrays do not match their declared shape")
        ix._main, ix._raw = None, (indptr, indices, data, shape)
        ix.doc_len = ld("doc_len.npy").astype(np.float32)
        ix.alive = ld("alive.npy").astype(bool)
        if len(ix.alive) != params["rows"] or len(ix.doc_len) != params["rows"]:
            raise ValueError("bm25 row arrays do not match the declared row count")
        ix.main_rows = len(ix.alive)
        ix.df = np.diff(indptr).astype(np.int64)  # dead rows' postings were dropped on save
        ix.total_len = float(ix.doc_len[ix.alive].sum())
        return ix


def widen(m: sp.csr_matrix, n_cols: int) -> sp.csr_matrix:
    """``m`` with (empty) columns up to ``n_cols``: terms added after it was built."""
    if m.shape[1] >= n_cols:
        return m
    import scipy.sparse as sp

    return sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_cols))
