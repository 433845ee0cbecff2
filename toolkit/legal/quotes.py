"""Does a quotation match an article? Tolerant of punctuation, spacing, ellipses and small slips.

Example:
    >>> quote_matches("行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任",
    ...               "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。")
    True
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# Punctuation, spaces and quote marks are ignored when comparing.
_NOISE = re.compile(r"[\s，。；：、！？“”‘’\"'（）()《》〈〉【】\[\]…—\-－,.;:!?·]")
_ELLIPSIS = re.compile(r"……|…|\.{3,}|。。。|省略")


def _norm(s: str) -> str:
    return _NOISE.sub("", s)


def _coverage(segment: str, text: str) -> float:
    """Share of ``segment``'s characters found, in order, in ``text`` (longest matching blocks)."""
    if segment in text:
        return 1.0
    sm = SequenceMatcher(None, segment, text, autojunk=False)
    return sum(b.size for b in sm.get_matching_blocks()) / len(segment)


def quote_matches(quote: str, article_text: str, threshold: float = 0.9) -> bool:
    """True when every part of ``quote`` (split at ellipses) occurs in ``article_text`` nearly verbatim.

    Args:
        quote: the quoted words as written.
        article_text: the article (or paragraph) text.
        threshold: minimal share of each part's characters that must match in order.
    """
    text = _norm(article_text)
    parts = [_norm(p) for p in _ELLIPSIS.split(quote)]
    parts = [p for p in parts if p]
    if not parts:
        return True  # nothing but punctuation was quoted
    pos = 0
    for part in parts:
        idx = text.find(part, pos)
        if idx >= 0:
            pos = idx + len(part)
            continue
        # Fuzzy: compare against the window of the text most like this part.
        sm = SequenceMatcher(None, part, text, autojunk=False)
        a, b, size = sm.find_longest_match(0, len(part), pos, len(text))
        start = max(pos, b - a - 2)
        window = text[start:start + len(part) + 4]
        if not window or _coverage(part, window) < threshold or len(part) < 4:
            return False
        pos = start + len(part)
    return True
