"""CJK character bigrams: a segmenter that adds them to jieba's words, and a vectorised form.

Word segmentation alone misses matches between a question in modern Chinese and a text that says
the same thing differently segmented (classical poetry, which jieba barely segments; compounds
such as 滋润/润物, 蜀地/蜀道). Indexing overlapping character bigrams beside the words is the
standard remedy in Chinese retrieval: exact word matches still score highest (they match both a word
and its bigrams), partial ones still score something.

:func:`bigram_keys` finds the same bigrams as integers (``ord(a) << 21 | ord(b)``) with numpy, one
pass over a whole batch of texts: the index uses it to count bigram terms without a Python step
per character.

Example:
    >>> from toolkit.text import Segmenter
    >>> BigramSegmenter(Segmenter(dicts=())).cut_for_search("润物细无声")[-4:]
    ['润物', '物细', '细无', '无声']
    >>> [key_text(k) for k in bigram_keys(["润物细", "a好雨"])[1]]
    ['润物', '物细', '好雨']
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from .stopwords import STOPWORDS

# CJK unified ideographs: basic block, extension A, compatibility (what BigramSegmenter pairs) ...
CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
# ... and with extensions B–G (what the LSA embedder pairs).
CJK_RANGES_ALL = (*CJK_RANGES, (0x20000, 0x3134F))
SHIFT = 21  # a code point fits in 21 bits: a bigram key is (first << 21) | second
_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
_PAIRS = re.compile("..", re.S)
_CJK_PAIR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2}")


def bigram_keys(texts: Sequence[str], ranges=CJK_RANGES) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of adjacent CJK characters (runs broken by anything else) in ``texts``, as integers.

    Args:
        texts: the texts.
        ranges: inclusive code point ranges that count as CJK.

    Returns:
        ``(doc, key)``: int64 arrays, one entry per bigram occurrence in text order, ``doc`` indexing
        ``texts`` and ``key = ord(a) << 21 | ord(b)``.
    """
    if not len(texts):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # One code point per character (surrogatepass keeps a stray surrogate as one non-CJK unit); the
    # "\n" between texts is not CJK, so no bigram spans two texts.
    cp = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    cjk = np.zeros(len(cp), dtype=bool)
    for lo, hi in ranges:
        cjk |= (cp >= lo) & (cp <= hi)
    pair = np.flatnonzero(cjk[:-1] & cjk[1:])
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
    doc = np.searchsorted(ends, pair, side="right")
    return doc.astype(np.int64), (cp[pair] << SHIFT) | cp[pair + 1]


def text_key(s: str) -> int:
    """The key of a two-character string (see :func:`bigram_keys`)."""
    return (ord(s[0]) << SHIFT) | ord(s[1])


def key_text(key: int) -> str:
    """The two-character string of a bigram key."""
    return chr(key >> SHIFT) + chr(key & ((1 << SHIFT) - 1))


def keys_texts(keys: np.ndarray) -> list[str]:
    """:func:`key_text` of many keys at once."""
    if not len(keys):
        return []
    cp = np.empty((len(keys), 2), dtype=np.uint32)
    cp[:, 0] = keys >> SHIFT
    cp[:, 1] = keys & ((1 << SHIFT) - 1)
    return _PAIRS.findall(cp.tobytes().decode("utf-32-le"))


def is_cjk_pair(s: str) -> bool:
    """True when ``s`` is two CJK characters (a string :func:`bigram_keys` can produce)."""
    return len(s) == 2 and _CJK_PAIR.match(s) is not None


def cjk_bigrams(text: str) -> list[str]:
    """Overlapping bigrams of every run of CJK characters."""
    return [run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]


class BigramSegmenter:
    """Wraps a :class:`toolkit.text.Segmenter`: words (search mode) followed by character bigrams.

    Bigrams that are already words of the text are not repeated, so a two-character word is not
    counted twice.
    """

    def __init__(self, base):
        self.base = base

    def cut(self, text: str) -> list[str]:
        return self._with_bigrams(self.base.cut(text), text)

    def cut_for_search(self, text: str) -> list[str]:
        cut = getattr(self.base, "cut_for_search", None) or self.base.cut
        return self._with_bigrams(cut(text), text)

    def search_tokens(self, text: str) -> list[str]:
        """``toolkit.text.search_tokens(text, self)`` without re-filtering: the base segmenter's
        (memoised) search tokens, then the bigrams that are neither one of its two-character tokens
        nor a stopword (bigrams are CJK, so the stopword test is all the filter does to them)."""
        fast = getattr(self.base, "search_tokens", None)
        if fast is None:
            from .tokens import keep_token

            cut = getattr(self.base, "cut_for_search", None) or self.base.cut
            words = [t for t in (w.strip().lower() for w in cut(text)) if keep_token(t)]
        else:
            words = fast(text)
        seen = {w for w in words if len(w) == 2}
        words.extend(b for b in cjk_bigrams(text) if b not in seen and b not in STOPWORDS)
        return words

    @staticmethod
    def _with_bigrams(words: list[str], text: str) -> list[str]:
        seen = {w for w in words if len(w) == 2}
        return list(words) + [b for b in cjk_bigrams(text) if b not in seen]

    def spec(self) -> dict:
        base = self.base.spec() if hasattr(self.base, "spec") else {"repr": repr(self.base)}
        return {"bigrams": True, "base": base}

    def __repr__(self) -> str:
        return f"BigramSegmenter({self.base!r})"
