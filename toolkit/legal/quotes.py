"""Does a quotation match an article? Tolerant of punctuation, spacing, ellipses and filler words,
strict about content: 三倍 quoted as 五倍, 应当 as 可以, or a dropped 不 is a mismatch.

Example:
    >>> quote_matches("行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任",
    ...               "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。")
    True
    >>> quote_matches("行为人因过错侵害他人民事权益造成损害的，可以承担侵权责任",
    ...               "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。")
    False
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# Punctuation, spaces and quote marks are ignored when comparing.
_NOISE = re.compile(r"[\s，。；：、！？“”‘’\"'（）()《》〈〉【】\[\]…—\-－,.;:!?·]")
_ELLIPSIS = re.compile(r"……|…|\.{3,}|。。。|\(略\)|（略）|省略")
# Characters whose omission or addition does not change what an article says.
FILLER = set("的地得之了着其者")  # 或者 → 或 is a common harmless shortening


def _norm(s: str) -> str:
    return _NOISE.sub("", s)


def _close_enough(part: str, text: str, start: int) -> int | None:
    """End offset in ``text`` of a near-verbatim occurrence of ``part`` at or after ``start``, or None.

    Near-verbatim: the differing characters (on either side) are all filler words, at most
    max(2, len(part) // 20) of them.
    """
    sm = SequenceMatcher(None, part, text, autojunk=False)
    a, b, size = sm.find_longest_match(0, len(part), start, len(text))
    if size == 0:
        return None
    lo = max(start, b - a - 4)
    window = text[lo:b + (len(part) - a) + 4]
    ops = SequenceMatcher(None, part, window, autojunk=False).get_opcodes()
    # Trim unmatched window edges (the window is a little wider than the quote on purpose).
    while ops and ops[0][0] == "insert":
        ops = ops[1:]
    while ops and ops[-1][0] == "insert":
        ops = ops[:-1]
    changed = []
    for tag, i1, i2, j1, j2 in ops:
        if tag != "equal":
            changed += list(part[i1:i2]) + list(window[j1:j2])
    if len(changed) > max(2, len(part) // 20) or any(c not in FILLER for c in changed):
        return None
    return lo + (ops[-1][4] if ops else 0)


def quote_matches(quote: str, article_text: str) -> bool:
    """True when every part of ``quote`` (split at ellipses) occurs in ``article_text``, in order.

    Args:
        quote: the quoted words as written.
        article_text: the article (or paragraph) text.
    """
    text = _norm(article_text)
    parts = [p for p in (_norm(x) for x in _ELLIPSIS.split(quote)) if p]
    pos = 0
    for part in parts:
        idx = text.find(part, pos)
        if idx >= 0:
            pos = idx + len(part)
            continue
        end = _close_enough(part, text, pos)
        if end is None:
            return False
        pos = end
    return True
