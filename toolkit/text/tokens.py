"""Search tokens: what BM25 and the LSA embedder see of a text."""

from __future__ import annotations

import re

from .stopwords import STOPWORDS


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph (basic block and extensions A–G, compatibility)."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x20000 <= o <= 0x3134F
        or 0xF900 <= o <= 0xFAFF
    )


# A token counts when it has at least one letter or digit (CJK ideographs are letters to \w).
_WORDISH = re.compile(r"[^\W_]")


def search_tokens(text: str, segmenter, for_search: bool = True, stopwords=STOPWORDS) -> list[str]:
    """Tokens for indexing and querying: lower-cased words without punctuation, space or stopwords.

    Single CJK characters are kept unless they are stopwords: in statute questions many carry the
    meaning (借, 还, 房, 车, 死, 伤), and classical poetry is mostly one-character words.

    Args:
        text: the text to tokenise.
        segmenter: a :class:`~toolkit.text.Segmenter` (anything with ``cut``; ``cut_for_search``
            is used when present and ``for_search`` is true; a ``search_tokens(text)`` method, when
            present, is trusted to return this function's result with the default stopwords).
        for_search: add the in-dictionary sub-words of long words (jieba search mode).
        stopwords: the words to drop.

    Returns:
        The tokens in text order (duplicates kept: BM25 needs term frequencies).
    """
    if for_search and stopwords is STOPWORDS:
        fast = getattr(segmenter, "search_tokens", None)  # same result, memoised per word
        if fast is not None:
            return fast(text)
    cut = getattr(segmenter, "cut_for_search", None) if for_search else None
    words = (cut or segmenter.cut)(text)
    search = _WORDISH.search
    return [w for w in (t.strip().lower() for t in words) if w and w not in stopwords and search(w)]


def keep_token(token: str, stopwords=STOPWORDS) -> bool:
    """The filter of :func:`search_tokens` for one stripped, lower-cased token."""
    return bool(token) and token not in stopwords and _WORDISH.search(token) is not None
