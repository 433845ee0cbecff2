"""A segmenter that adds CJK character bigrams to jieba's words, for BM25 over long documents.

Word segmentation alone misses matches between a question in modern Chinese and a text that says
the same thing differently segmented (classical poetry, which jieba barely segments; compounds
such as 滋润/润物, 蜀地/蜀道). Indexing overlapping character bigrams beside the words is the
standard remedy in Chinese retrieval: exact word matches still score highest (they match both a word
and its bigrams), partial ones still score something.

Example:
    >>> from toolkit.text import Segmenter
    >>> BigramSegmenter(Segmenter(dicts=())).cut_for_search("润物细无声")[-4:]
    ['润物', '物细', '细无', '无声']
"""

from __future__ import annotations

import re

_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


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

    @staticmethod
    def _with_bigrams(words: list[str], text: str) -> list[str]:
        seen = {w for w in words if len(w) == 2}
        return list(words) + [b for b in cjk_bigrams(text) if b not in seen]

    def spec(self) -> dict:
        base = self.base.spec() if hasattr(self.base, "spec") else {"repr": repr(self.base)}
        return {"bigrams": True, "base": base}

    def __repr__(self) -> str:
        return f"BigramSegmenter({self.base!r})"
