"""The knowledge base's tokeniser: jieba words plus CJK character bigrams.

It lives in :mod:`toolkit.text.bigrams` (the index recognises it and counts the bigrams vectorised);
re-exported here, where the knowledge base has always imported it from.
"""

from toolkit.text.bigrams import BigramSegmenter, cjk_bigrams

__all__ = ["BigramSegmenter", "cjk_bigrams"]
