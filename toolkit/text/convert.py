"""Traditional ⇄ simplified conversion via OpenCC (opencc-python-reimplemented), created lazily."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4)
def _converter(config: str):
    # Import inside: OpenCC loads its dictionaries on construction (~0.1 s); only pay when used.
    from opencc import OpenCC

    return OpenCC(config)


def t2s(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC ``t2s``).

    Args:
        text: any string; non-Chinese characters pass through unchanged.

    Returns:
        The simplified text.
    """
    return _converter("t2s").convert(text) if text else text


def s2t(text: str) -> str:
    """Simplified → traditional Chinese (OpenCC ``s2t``)."""
    return _converter("s2t").convert(text) if text else text
