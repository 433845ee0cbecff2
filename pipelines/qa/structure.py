"""Recognise document structure in plain lines: headings (编/章/节, Markdown ``#``) and paragraphs.

Plain-text laws, contracts and books mark structure with lines such as ``第二章　合同的订立`` or
``# 第一部分``; paragraphs start with ``第十条``, ``一、``, ``（一）``, ``1.`` or list bullets.

Example:
    >>> heading_level("第二章 合同的订立")
    4
    >>> heading_title("【静夜思】李白")
    '静夜思 李白'
    >>> [(b.heading_path, b.text) for b in blocks_from_lines(["# 总则", "第一条 目的。"])]
    [(('总则',), '第一条 目的。')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = "[一二三四五六七八九十百千零〇两0-9０-９]+"
# Chinese structural headings: 编 > 分编 > 章 > 节, depth 2..5 so a Markdown "# title" (1) stays above them.
_CN_HEADINGS = (
    (2, re.compile(rf"^第{_NUM}编(\s|　|$)")),
    (3, re.compile(rf"^第{_NUM}分编(\s|　|$)")),
    (4, re.compile(rf"^第{_NUM}章(\s|　|$)")),
    (5, re.compile(rf"^第{_NUM}节(\s|　|$)")),
)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
# A bracketed title line, optionally followed by a short byline: 【静夜思】李白, 【第一部分】.
_BRACKET_TITLE = re.compile(r"^【([^】]{1,40})】\s*([^，。！？；：,.!?;:]{0,12})$")
BRACKET_LEVEL = 6  # deepest: such titles sit under any 编/章/节 structure
# Lines that begin a new paragraph / chunk unit: articles, enumerations, bullets.
ARTICLE_START = re.compile(rf"^(第{_NUM}条(之{_NUM})?)(\s|　|$)")
_ITEM_START = re.compile(rf"^(（{_NUM}）|\({_NUM}\)|{_NUM}[、.．]|[-*•·]\s)")
_SENT_END = tuple("。！？；：…”」』）!?;:")
_HEADING_FIRST = frozenset("#【第")
MAX_HEADING_CHARS = 40  # a "第三章 ..." line longer than this is prose, not a heading


@dataclass(frozen=True)
class Block:
    """One paragraph (or table row group) of a document, with where it sits.

    Attributes:
        text: the paragraph text, one line, whitespace-trimmed.
        page: 1-based page number for PDFs, else None.
        heading_path: enclosing headings, outermost first.
    """

    text: str
    page: int | None = None
    heading_path: tuple[str, ...] = ()


def heading_level(line: str) -> int | None:
    """Depth of ``line`` as a heading (1 = outermost) or None if it is not one."""
    line = line.strip()
    if line[:1] not in _HEADING_FIRST:  # every heading form starts with one of these: skip the regexes
        return None
    m = _MD_HEADING.match(line)
    if m:
        return len(m.group(1))
    if len(line) > MAX_HEADING_CHARS + 14:
        return None
    if _BRACKET_TITLE.match(line):
        return BRACKET_LEVEL
    if len(line) > MAX_HEADING_CHARS:
        return None
    for level, pat in _CN_HEADINGS:
        if pat.match(line):
            return level
    return None


def heading_title(line: str) -> str:
    """The heading text without Markdown hashes, whitespace collapsed."""
    line = line.strip()
    m = _MD_HEADING.match(line)
    if m:
        line = m.group(2)
    b = _BRACKET_TITLE.match(line)
    if b:
        line = f"{b.group(1)} {b.group(2)}"
    return re.sub(r"[\s　]+", " ", line).strip()


def push_heading(path: list[tuple[int, str]], level: int, title: str) -> list[tuple[int, str]]:
    """New heading stack after a heading of ``level``: pop everything at the same depth or deeper."""
    kept = [(lv, t) for lv, t in path if lv < level]
    return kept + [(level, title)]


def starts_unit(line: str) -> bool:
    """True when ``line`` begins an article, numbered item or bullet (never glued to the previous line)."""
    s = line.strip()
    return bool(ARTICLE_START.match(s) or _ITEM_START.match(s))


def _join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and b[0].isascii() and a[-1].isalnum() and b[0].isalnum():
        return a + " " + b
    return a + b


def blocks_from_lines(lines, page: int | None = None, path=None, wrapped: bool = False):
    """Group lines into paragraph :class:`Block` s, tracking headings.

    Args:
        lines: text lines in reading order.
        page: page number to attach (PDF).
        path: heading stack carried in from a previous page, as ``[(level, title), ...]``; updated in place.
        wrapped: lines are layout-wrapped (PDF): glue a line to the previous one unless it starts a unit,
            the previous line ends a sentence, or a blank line separates them. Otherwise every line is a
            paragraph of its own (plain text files).

    Returns:
        The list of blocks.
    """
    path = [] if path is None else path
    out: list[Block] = []
    buf = ""
    titles = tuple(t for _, t in path)  # the heading path as stored in blocks (rebuilt when it changes)

    def flush():
        nonlocal buf
        text = buf.strip()
        if text:
            out.append(Block(text, page, titles))
        buf = ""

    for raw in lines:
        line = raw.strip().replace("\u3000", " ").strip()
        if not line:
            flush()
            continue
        level = heading_level(line)
        if level is not None:
            flush()
            path[:] = push_heading(path, level, heading_title(line))
            titles = tuple(t for _, t in path)
            continue
        if not wrapped or not buf or starts_unit(line) or buf.endswith(_SENT_END):
            flush()
            buf = line
        else:
            buf = _join(buf, line)
    flush()
    return out
