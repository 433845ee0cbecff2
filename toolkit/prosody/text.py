"""Split a poem into lines: punctuation, newlines or spaces separate; non-Han symbols are kept aside."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import InvalidInputError
from .tones import is_han

MAX_CHARS = 2000  # the longest 词 has ~240 characters; anything far longer is not one poem
# Characters that end a 句. Quotation marks, brackets and the like are dropped silently.
_SEP = re.compile(r"[\s,，.。;；:：!！?？、…·—\-|/／]+")
_IGNORE = set("「」『』“”‘’\"'《》〈〉()（）[]【】〔〕")


@dataclass(frozen=True)
class SplitText:
    """``lines`` (Han characters only), ``stray`` (line index, char) of other symbols that were
    removed, and ``breaks`` (the number of separators seen: 1 segment = unpunctuated text)."""

    lines: tuple[str, ...]
    stray: tuple[tuple[int, str], ...]


def split_lines(text: str) -> SplitText:
    """Split ``text`` into 句.

    Raises:
        InvalidInputError: not a string, empty, no Chinese characters, or longer than MAX_CHARS.
    """
    if not isinstance(text, str):
        raise InvalidInputError(f"诗文必须是字符串 (text must be a string), got {type(text).__name__}")
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise InvalidInputError("空文本 (empty text): 请输入一首诗或词")
    if len(text) > MAX_CHARS:
        raise InvalidInputError(
            f"文本过长 (text too long): {len(text)} 字符, 上限 {MAX_CHARS}; 请一次只检查一首诗词 (check one poem at a time)"
        )
    lines, stray = [], []
    for seg in _SEP.split(text):
        han = "".join(c for c in seg if is_han(c))
        other = [c for c in seg if not is_han(c) and c not in _IGNORE and not unicodedata.category(c).startswith("P")]
        if not han:
            if other:
                stray.extend((max(len(lines) - 1, 0), c) for c in other)
            continue
        stray.extend((len(lines), c) for c in other)
        lines.append(han)
    if not lines:
        raise InvalidInputError(
            f"没有汉字 (no Chinese characters) in {text[:40]!r}: 格律检查需要中文诗词 (prosody check needs a Chinese poem)"
        )
    return SplitText(tuple(lines), tuple(stray))
