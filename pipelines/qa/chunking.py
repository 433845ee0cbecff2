"""Structure-aware chunking of document blocks: sections by heading, articles kept whole, overlap.

Chunks never cross a heading boundary (so each has one heading path), prefer to start at an article
(``第十条``) or numbered item, and are split inside a paragraph only at sentence ends; a paragraph
split over two chunks repeats its last sentence(s) (``overlap``) so no evidence is cut blind.

Example:
    >>> from pipelines.qa.structure import Block
    >>> pieces = chunk_blocks([Block("第一条 甲。", None, ("总则",)), Block("第二条 乙。", None, ("总则",))],
    ...                       ChunkConfig(max_chars=100, min_chars=1))
    >>> [p.text for p in pieces]
    ['第一条 甲。', '第二条 乙。']
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.text import split_sentences

from .structure import Block, starts_unit


@dataclass(frozen=True)
class ChunkConfig:
    max_chars: int = 400  # hard ceiling per chunk (characters; CJK text is ~1 token per char)
    min_chars: int = 150  # below this a chunk keeps absorbing whole articles/items instead of closing
    overlap: int = 80  # chars of trailing sentences repeated when a paragraph is split across chunks

    def __post_init__(self):
        if not (0 < self.min_chars <= self.max_chars) or not (0 <= self.overlap < self.max_chars):
            raise ValueError(f"bad ChunkConfig {self}: need 0 < min_chars <= max_chars and 0 <= overlap < max_chars")


@dataclass(frozen=True)
class Piece:
    """A chunk before it is stored.

    Attributes:
        ord: position in the document (0-based).
        text: chunk text (paragraphs joined by newlines).
        page: page of the first paragraph (PDF), else None.
        heading_path: enclosing headings.
        section: ordinal of the section (run of blocks under one heading path) it belongs to.
        continued: True when it starts in the middle of a paragraph.
        overlap: number of leading characters repeated from the end of the previous chunk.
    """

    ord: int
    text: str
    page: int | None
    heading_path: tuple[str, ...]
    section: int
    continued: bool = False
    overlap: int = 0


def _hard_split(sentence: str, limit: int) -> list[str]:
    """Split a sentence longer than ``limit`` at commas if possible, else every ``limit`` chars."""
    out, buf = [], ""
    for part in _comma_parts(sentence):
        while len(part) > limit:
            if buf:
                out.append(buf)
                buf = ""
            out.append(part[:limit])
            part = part[limit:]
        if len(buf) + len(part) > limit:
            out.append(buf)
            buf = ""
        buf += part
    if buf:
        out.append(buf)
    return out


def _comma_parts(s: str) -> list[str]:
    parts, start = [], 0
    for i, ch in enumerate(s):
        if ch in "，、,：:":
            parts.append(s[start : i + 1])
            start = i + 1
    if start < len(s):
        parts.append(s[start:])
    return parts


def _units(block: Block, cfg: ChunkConfig) -> list[str]:
    """A block as one unit, or as sentence-sized units when it exceeds ``max_chars``."""
    if len(block.text) <= cfg.max_chars:
        return [block.text]
    units: list[str] = []
    for sent in split_sentences(block.text, newline=False):
        units.extend(_hard_split(sent, cfg.max_chars) if len(sent) > cfg.max_chars else [sent])
    return units


def chunk_blocks(blocks, cfg: ChunkConfig | None = None) -> list[Piece]:
    """Cut ``blocks`` into :class:`Piece` s following :class:`ChunkConfig`."""
    cfg = cfg or ChunkConfig()
    pieces: list[Piece] = []
    section = -1
    prev_path = None
    cur: list[str] = []
    cur_page = None
    cur_len = 0
    continued = False
    overlap = 0

    def close(next_continues: bool = False, tail: list[str] | None = None):
        nonlocal cur, cur_len, cur_page, continued, overlap
        if cur:
            pieces.append(Piece(len(pieces), "\n".join(cur), cur_page, prev_path or (), section, continued, overlap))
        cur = list(tail or [])
        cur_len = overlap = sum(len(t) for t in cur)
        continued = next_continues

    for block in blocks:
        if block.heading_path != prev_path:
            close()
            section += 1
            prev_path = block.heading_path
            cur_page = None
        units = _units(block, cfg)
        for i, unit in enumerate(units):
            mid_paragraph = i > 0
            new_unit = not mid_paragraph and starts_unit(unit)
            if cur and (
                cur_len + len(unit) > cfg.max_chars
                or (new_unit and cur_len >= cfg.min_chars)
                or (new_unit and block.page != cur_page)  # an article opening a new page: cite the right page
            ):
                tail = _overlap_tail(cur, cfg.overlap) if mid_paragraph else []
                if tail and cur_len - sum(map(len, tail)) <= 0:
                    tail = []
                close(next_continues=mid_paragraph, tail=tail)
                if tail and cur_len + len(unit) > cfg.max_chars:
                    cur, cur_len, overlap = [], 0, 0  # no room for the overlap beside this unit: drop it
            if not cur:
                cur_page = block.page
            if mid_paragraph and cur:
                cur[-1] += unit  # sentences of one paragraph stay on one line
            else:
                cur.append(unit)
            cur_len += len(unit)
    close()
    return pieces


def _overlap_tail(lines: list[str], overlap: int) -> list[str]:
    """The last sentence(s) of the current chunk, at most ``overlap`` chars, for the next chunk."""
    if overlap <= 0 or not lines:
        return []
    sents = split_sentences(lines[-1], newline=False)
    tail = ""
    for s in reversed(sents):
        if len(tail) + len(s) > overlap:
            break
        tail = s + tail
    return [tail] if tail else []
