"""The curated Chinese stopword list, shipped as ``stopwords.txt`` next to this module."""

from __future__ import annotations

from pathlib import Path


def load_stopwords(path: str | Path | None = None) -> frozenset[str]:
    """Read a stopword file: one word per line, ``#`` comments and blank lines ignored.

    Args:
        path: the file (default: the shipped ``stopwords.txt``).
    """
    p = Path(path) if path else Path(__file__).with_name("stopwords.txt")
    words = set()
    for line in p.read_text(encoding="utf-8").splitlines():
        w = line.split("#", 1)[0].strip()
        if w:
            words.add(w.lower())
    return frozenset(words)


STOPWORDS: frozenset[str] = load_stopwords()
