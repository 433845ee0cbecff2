"""Term counts for a :class:`~toolkit.text.bigrams.BigramSegmenter` index, with the bigrams vectorised.

A BigramSegmenter's tokens are the base segmenter's search tokens followed by the text's CJK
character bigrams, minus stopwords and minus bigrams that are already a two-character token of the
same text. On long documents the bigrams are half the tokens, and making a Python string for each
dominated indexing. Here only the words go through Python; the bigrams are found as integers
(:func:`~toolkit.text.bigrams.bigram_keys`), filtered with numpy set operations and mapped to the
BM25 term ids through a sorted key table, so the counts are exactly those of
``bm25.count_matrix([search_tokens(t, segmenter) for t in texts])`` (a test checks this).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..text.bigrams import SHIFT, bigram_keys, is_cjk_pair, key_text, text_key
from ..text.stopwords import STOPWORDS

_DOC_SHIFT = 2 * SHIFT  # (doc << 42) | key identifies a bigram within one text of a batch


class BigramTerms:
    """Keeps, for one :class:`~toolkit.index.bm25.BM25Index`, the bigram key of every two-CJK-char term.

    Args:
        bm25: the index whose vocabulary is shared (bigrams and words are the same terms).
    """

    def __init__(self, bm25):
        self.bm25 = bm25
        self._n_terms = 0  # terms scanned so far
        self.term_key = np.zeros(0, dtype=np.int64)  # term id -> bigram key, -1 for other terms
        self._keys = np.zeros(0, dtype=np.int64)  # sorted bigram keys of the vocabulary ...
        self._ids = np.zeros(0, dtype=np.int64)  # ... and their term ids
        self._stop = np.array(sorted(text_key(w) for w in STOPWORDS if is_cjk_pair(w)), dtype=np.int64)

    def _sync(self) -> None:
        """Scan the terms added to the vocabulary since the last call."""
        terms = self.bm25.terms
        n0, n = self._n_terms, len(terms)
        if n0 == n:
            return
        new = np.fromiter((text_key(t) if is_cjk_pair(t) else -1 for t in terms[n0:n]), dtype=np.int64, count=n - n0)
        self.term_key = np.concatenate([self.term_key, new])
        hit = np.flatnonzero(new >= 0)
        keys = np.concatenate([self._keys, new[hit]])
        ids = np.concatenate([self._ids, hit + n0])
        order = np.argsort(keys, kind="stable")
        self._keys, self._ids, self._n_terms = keys[order], ids[order], n

    def counts(self, texts: Sequence[str], word_counts: sp.csr_matrix) -> sp.csr_matrix:
        """Counts of the bigram tokens of ``texts`` (``len(texts) ≤ 2**21``), new bigram terms added.

        Args:
            texts: the texts.
            word_counts: the counts of their word tokens (``bm25.count_matrix`` of the base tokens).

        Returns:
            A ``(len(texts), n_terms)`` CSR matrix to add to ``word_counts``.
        """
        if len(texts) >= 1 << SHIFT:
            raise ValueError(f"at most {1 << SHIFT} texts per call, got {len(texts)}")
        self._sync()
        doc, key = bigram_keys(texts)
        keep = ~np.isin(key, self._stop)
        wc = word_counts.tocoo()
        wkey = self.term_key[wc.col] if wc.nnz else np.zeros(0, dtype=np.int64)
        two = wkey >= 0
        words_of_doc = (wc.row[two].astype(np.int64) << _DOC_SHIFT) | wkey[two]
        keep &= ~np.isin((doc << _DOC_SHIFT) | key, words_of_doc)  # already a two-character word of that text
        doc, key = doc[keep], key[keep]
        uniq = np.unique(key)
        pos = np.minimum(np.searchsorted(self._keys, uniq), max(len(self._keys) - 1, 0))
        known = (self._keys[pos] == uniq) if len(self._keys) else np.zeros(len(uniq), dtype=bool)
        if not known.all():
            self.bm25.term_ids([key_text(int(k)) for k in uniq[~known]])
            self._sync()
        ids = self._ids[np.searchsorted(self._keys, key)]
        n_terms = len(self.bm25.terms)
        m = sp.csr_matrix((np.ones(len(ids), dtype=np.float32), (doc, ids)), shape=(len(texts), n_terms))
        m.sum_duplicates()
        return m
