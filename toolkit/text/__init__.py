"""Chinese text helpers: segmentation, search tokens, stopwords, t2s/s2t and sentence splitting.

Everything language-specific the index needs lives here and is *injected* (a :class:`Segmenter`
instance), never hidden in jieba's global state.

Example:
    >>> from toolkit.text import Segmenter, search_tokens, split_sentences
    >>> seg = Segmenter(dicts=())
    >>> search_tokens("借钱不还怎么办？", seg)
    ['借钱', '不', '还']
    >>> split_sentences("第一句。第二句！")
    ['第一句。', '第二句！']
"""

from .convert import s2t, t2s
from .segment import Segmenter, default_segmenter
from .sentences import split_sentences
from .stopwords import STOPWORDS
from .tokens import is_cjk, search_tokens

__all__ = [
    "Segmenter",
    "default_segmenter",
    "search_tokens",
    "STOPWORDS",
    "is_cjk",
    "t2s",
    "s2t",
    "split_sentences",
]
