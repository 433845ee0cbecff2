"""Chinese sentence splitting that keeps closing quotes with their sentence.

A sentence ends at 。！？； (and ASCII !?;), at an ellipsis (…… or …), or at a line break.
Closing quotes and brackets right after the terminator (”’」』）》】) stay with the sentence, so
``他说：“好。”然后走了。`` splits into ``他说：“好。”`` and ``然后走了。``. A full stop ``.`` is
never a boundary, so decimals such as 3.5 and abbreviations are safe.
"""

from __future__ import annotations

import re

# Terminator run (e.g. "？！", "……") followed by any closing quotes/brackets; or a line break run.
_BOUNDARY = re.compile(r"(?:……|…+|[。！？；!?;]+)[”’」』）)】》\"'\]]*|\n+")


def sentence_spans(text: str, newline: bool = True) -> list[tuple[int, int]]:
    """Half-open ``(start, end)`` spans that tile ``text`` exactly, one per sentence.

    Trailing whitespace after a terminator belongs to the sentence before it, so joining the
    spans in order gives back ``text`` unchanged (chunking relies on this).

    Args:
        text: the text to split.
        newline: treat line breaks as sentence boundaries (headings and list items usually have
            no terminal punctuation).

    Returns:
        Spans covering every character of ``text``; empty for an empty string.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _BOUNDARY.finditer(text):
        if m.group().startswith("\n") and not newline:
            continue
        end = m.end()
        while end < n and text[end] in " \t\r\u3000\n":  # absorb whitespace after the terminator
            end += 1
        if end <= start:
            continue
        spans.append((start, end))
        start = end
    if start < n:
        spans.append((start, n))
    return spans


def split_sentences(text: str, newline: bool = True) -> list[str]:
    """Split Chinese text into sentences (stripped, empty ones dropped).

    Args:
        text: the text to split.
        newline: also split at line breaks.

    Returns:
        The sentences, in order.

    Example:
        >>> split_sentences("他说：“好。”然后走了……真的吗？是的！")
        ['他说：“好。”', '然后走了……', '真的吗？', '是的！']
    """
    out = []
    for s, e in sentence_spans(text, newline=newline):
        piece = text[s:e].strip()
        if piece:
            out.append(piece)
    return out
