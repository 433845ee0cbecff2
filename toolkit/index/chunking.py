"""Chinese-aware chunking: headings, 第X条 articles, list items, sentences, overlap in whole sentences.

Rules, in order of strength:
1. A heading line (Markdown ``#``, 第X编/章/节, ``一、``, ``（一）``, ``1.`` when short and without
   terminal punctuation) closes the current chunk and opens a section; chunks record the headings
   above them in ``heading_path`` and the heading line itself starts the next chunk's text.
2. An article line (``第十七条``, ``第十七条之一``) always starts a new chunk (``kind="article"``).
3. Inside a section, sentences (see :func:`toolkit.text.sentences.sentence_spans`; list items and
   lines are units too) are packed up to ``max_chars``; consecutive chunks of one section share
   up to ``overlap`` characters of *whole* trailing sentences.
4. Only a single unit longer than ``max_chars`` is cut: first after ，、：, then by length.

Every non-space character of the input lies in at least one chunk, and ``chunk.text ==
text[chunk.start:chunk.end]``.

Example:
    >>> [c.kind for c in chunk_text("第一章 总则\\n第一条 为了保护……。\\n第二条 本法适用于……。")]
    ['article', 'article']
"""

from __future__ import annotations

import re

from ..errors import InvalidInputError
from ..text.sentences import sentence_spans
from .records import Chunk

_NUM = "零〇一二三四五六七八九十百千万两\\d"
_ARTICLE = re.compile(rf"^第[{_NUM}]+条(?:之[一二三四五六七八九十]+)?(?:[\s　:：]|$)")
_HEADINGS = (  # (pattern, level, needs_short)
    (re.compile(r"^(#{1,6})\s+\S"), None, False),
    (re.compile(rf"^第[{_NUM}]+(?:编|部分)(?:[\s　]|$)"), 1, True),
    (re.compile(rf"^第[{_NUM}]+章(?:[\s　]|$)"), 2, True),
    (re.compile(rf"^第[{_NUM}]+节(?:[\s　]|$)"), 3, True),
    (re.compile(r"^[一二三四五六七八九十百]+[、.．]\s*\S"), 4, True),
    (re.compile(r"^[（(][一二三四五六七八九十百]+[）)]\s*\S"), 5, True),
    (re.compile(r"^\d{1,3}[.．、](?!\d)\s*\S"), 6, True),
)
_LIST = re.compile(r"^(?:[-*•·]\s+|\d{1,3}[.．、)）](?!\d)|[（(]\d{1,3}[）)]|[（(][一二三四五六七八九十]+[）)]|[①-⑳])")
_TERMINAL = "。！？；!?;…"
_SOFT = re.compile(r"[，、：,:]")
MAX_HEADING_CHARS = 40


def heading_level(line: str) -> int | None:
    """The heading level of a stripped line (1 = outermost), or None for body text."""
    for pat, level, short in _HEADINGS:
        m = pat.match(line)
        if not m:
            continue
        if short and (len(line) > MAX_HEADING_CHARS or line[-1] in _TERMINAL or "，" in line):
            return None
        return len(m.group(1)) if level is None else level
    return None


def _split_long(text: str, s: int, e: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut one over-long unit after soft punctuation, then by length."""
    out, start = [], s
    while e - start > max_chars:
        window = text[start : start + max_chars]
        cuts = [m.end() for m in _SOFT.finditer(window)]
        cut = start + (cuts[-1] if cuts and cuts[-1] > max_chars // 4 else max_chars)
        out.append((start, cut))
        start = cut
    out.append((start, e))
    return out


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def chunk_text(text: str, max_chars: int = 400, overlap: int = 80) -> list[Chunk]:
    """Split ``text`` into chunks that respect headings, articles, lists and sentences.

    Args:
        text: the document text (any length; ``\\r\\n`` is fine).
        max_chars: the most characters per chunk (exceeded never: a longer sentence is cut).
        overlap: characters of whole trailing sentences repeated at the start of the next chunk of
            the same section (0 for none; never more than the chunk itself).

    Returns:
        Chunks in text order.
    """
    if not isinstance(text, str):
        raise InvalidInputError(f"chunk_text 需要字符串 (text must be a str), got {type(text).__name__}")
    if max_chars < 10:
        raise InvalidInputError(f"max_chars 太小 (too small): {max_chars}; 至少 (minimum) 10")
    if not 0 <= overlap < max_chars:
        raise InvalidInputError(f"overlap 必须在 0 与 max_chars 之间 (0 ≤ overlap < max_chars), got {overlap}")
    blocks = _blocks(text)
    chunks: list[Chunk] = []
    for start, end, path, kind in blocks:
        units = []
        for s, e in sentence_spans(text[start:end]):
            s, e = _trim(text, start + s, start + e)
            if e > s:
                units.extend(_split_long(text, s, e, max_chars))
        i = 0
        while i < len(units):
            j = i + 1
            while j < len(units) and units[j][1] - units[i][0] <= max_chars:
                j += 1
            s, e = units[i][0], units[j - 1][1]
            chunks.append(Chunk(text[s:e], s, e, path, kind))
            if j >= len(units):
                break
            k = j
            while k - 1 > i and units[j - 1][1] - units[k - 1][0] <= overlap and units[j][1] - units[k - 1][0] <= max_chars:
                k -= 1
            i = k
    return chunks


def _blocks(text: str) -> list[tuple[int, int, tuple[str, ...], str]]:
    """Sections of the text: ``(start, end, heading_path, kind)``."""
    blocks = []
    stack: list[tuple[int, str]] = []
    cur = None  # [start, end, path, kind, has_content, n_units, n_list]

    def flush():
        if cur is not None and cur[1] > cur[0]:
            kind = cur[3]
            if kind == "text" and cur[6] and cur[6] * 2 >= cur[5]:
                kind = "list"
            if not cur[4]:
                kind = "heading"
            blocks.append((cur[0], cur[1], cur[2], kind))

    for m in re.finditer(r"[^\n]*\n?", text):
        if not m.group():
            continue
        ls, le = m.start(), m.end()
        line = m.group().strip()
        if not line:
            if cur is not None:
                cur[1] = le
            continue
        level = heading_level(line)
        if level is not None:
            if cur is not None and cur[4]:
                flush()
                cur = None
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, line))
            path = tuple(t for _, t in stack)
            if cur is None:
                cur = [ls, le, path, "text", False, 0, 0]
            else:  # consecutive headings share one block
                cur[1], cur[2] = le, path
            continue
        if _ARTICLE.match(line):
            if cur is not None and cur[4]:
                flush()
                cur = None
            if cur is None:
                cur = [ls, le, tuple(t for _, t in stack), "article", True, 0, 0]
            cur[1], cur[3], cur[4] = le, "article", True
            cur[5] += 1
            continue
        if cur is None:
            cur = [ls, le, tuple(t for _, t in stack), "text", True, 0, 0]
        cur[1], cur[4] = le, True
        cur[5] += 1
        cur[6] += bool(_LIST.match(line))
    flush()
    return blocks
