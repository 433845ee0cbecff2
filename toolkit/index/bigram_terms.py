"""Term counts for a :class:`~toolkit.text.bigrams.BigramSegmenter` index, with the bigrams vectorised.

A BigramSegmenter's tokens are the base segmenter's search tokens followed by the text's CJK
character bigrams, minus stopwords and minus bigrams that are already a two-character token of the
same text. On long documents the bigrams are half the tokens, and making a Python string for each
dominated indexing. Here only the words go through Python; the bigrams are found as integers
(:func:`~toolkit.text.bigrams.bigram_keys`), mapped to the BM25 term ids through a sorted key table
(only new bigram terms become strings), and the ones that repeat a word of their own text are
dropped by a sparse element-wise product with the word counts, so the counts are exactly those of
``bm25.count_matrix([search_tokens(t, segmenter) for t in texts])`` (a test checks this).
"""

from __future__ import annotations

from itertools import islice
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..text.bigrams import bigram_keys, is_cjk_pair, keys_texts, text_key
from ..text.stopwords import STOPWORDS

class BigramTerms:
    """Keeps, for one :class:`~toolkit.index.bm25.BM25Index`, a sorted table bigram key → term id.

    Every term of two CJK characters is in the table (words and bigrams are the same terms), so a
    bigram key missing from it is a new term.

    Args:
        bm25: the index whose vocabulary is shared.
    """

    def __init__(self, bm25):
        self.bm25 = bm25
        self._n_terms = 0  # terms scanned so far
        self._keys = np.zeros(0, dtype=np.int64)  # sorted bigram keys of the vocabulary ...
        self._ids = np.zeros(0, dtype=np.int64)  # ... and their term ids
        self._stop = np.array(sorted(text_key(w) for w in STOPWORDS if is_cjk_pair(w)), dtype=np.int64)

    def _sync(self) -> None:
        """Add the two-CJK-character terms that joined the vocabulary since the last call to the table."""
        terms = self.bm25.terms
        n0, n = self._n_terms, len(terms)
        if n0 == n:
            return
        two = [i for i, t in enumerate(islice(terms, n0, n)) if len(t) == 2]
        if two:
            doc, key = bigram_keys([terms[n0 + i] for i in two])  # one text per term: a CJK pair gives one bigram
            self._insert(key, np.asarray(two, dtype=np.int64)[doc] + n0)
        self._n_terms = n

    def _insert(self, keys: np.ndarray, ids: np.ndarray) -> None:
        order = np.argsort(keys)
        keys, ids = keys[order], ids[order]
        at = np.searchsorted(self._keys, keys)
        self._keys, self._ids = np.insert(self._keys, at, keys), np.insert(self._ids, at, ids)

    def counts(self, texts: Sequence[str], word_counts: sp.csr_matrix) -> sp.csr_matrix:
        """Counts of the bigram tokens of ``texts``, new bigram terms added to the vocabulary.

        Args:
            texts: the texts.
            word_counts: the counts of their word tokens (``bm25.count_matrix`` of the base tokens).

        Returns:
            A ``(len(texts), n_terms)`` CSR matrix to add to ``word_counts``.
        """
        self._sync()
        doc, key = bigram_keys(texts)
        keep = ~_member(key, self._stop)
        doc, key = doc[keep], key[keep]
        uniq, inv = np.unique(key, return_inverse=True)  # sorted: the table look-up walks it in order
        ids, found = np.zeros(len(uniq), dtype=np.int64), np.zeros(len(uniq), dtype=bool)
        if len(self._keys) and len(uniq):
            pos = np.minimum(np.searchsorted(self._keys, uniq), len(self._keys) - 1)
            ids, found = self._ids[pos], self._keys[pos] == uniq
        if not found.all():
            missing = uniq[~found]  # sorted by key, which is the order of the strings
            ids[~found] = self.bm25.extend_terms(keys_texts(missing))
            self._insert(missing, ids[~found])
            self._n_terms = len(self.bm25.terms)
        n_terms = len(self.bm25.terms)
        m = sp.csr_matrix((np.ones(len(key), dtype=np.float32), (doc, ids[inv])), shape=(len(texts), n_terms))
        m.sum_duplicates()
        # a bigram that is already a two-character word of the same text is that word's term: drop it
        words = word_counts if word_counts.shape[1] == n_terms else sp.csr_matrix(
            (word_counts.data, word_counts.indices, word_counts.indptr), shape=(word_counts.shape[0], n_terms))
        m = m - m.multiply(words > 0)
        m.eliminate_zeros()
        return sp.csr_matrix(m)


def _member(a: np.ndarray, sorted_b: np.ndarray) -> np.ndarray:
    """``np.isin(a, sorted_b)`` for a sorted ``sorted_b``, by binary search (no sort of ``a``)."""
    if not len(sorted_b):
        return np.zeros(len(a), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_b, a), len(sorted_b) - 1)
    return sorted_b[pos] == a
