"""Decode uploaded text bytes: BOMs, UTF-8, GB18030/GBK vs Big5 by character commonness, then charset-normalizer.

Chinese users hand in GBK files as often as UTF-8 ones, and a binary file renamed ``.txt`` must be
refused rather than indexed as mojibake.

Example:
    >>> decode_text("第一条 为了保护民事主体的合法权益。".encode("gbk"), "a.txt")[1]
    'gb18030'
"""

from __future__ import annotations

import codecs

from .errors import DocumentError

# Order matters only for the BOM check: the UTF-32 BOMs start with the UTF-16 ones.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Encodings we let charset-normalizer choose among (GBK is a subset of GB18030).
CANDIDATES = ("utf_8", "gb18030", "big5", "utf_16")
# Fraction of control characters above which decoded "text" is really binary.
_MAX_CONTROL = 0.02


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return bad / min(len(text), 20000)


def _strict(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Return ``(text, encoding)`` for ``data`` read from the file ``name``.

    Args:
        data: raw file bytes.
        name: file name, only used in error messages.

    Returns:
        The decoded text (BOM removed, newlines normalised to ``\\n``) and the encoding name.

    Raises:
        DocumentError: ``binary`` when the bytes hold NULs (without a UTF-16/32 BOM) or decode to
            nothing sensible.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = _strict(data, enc)
            if text is not None:
                return _normalise(text.lstrip("\ufeff")), enc
    if b"\x00" in data[:65536]:
        guess = _utf16_without_bom(data)
        if guess is not None:
            return _normalise(guess[0]), guess[1]
        raise DocumentError(
            "binary", name, f"不是文本文件 (binary file: NUL bytes found): {name}; 请上传 .txt/.md/.pdf/.docx/.html"
        )
    text = _strict(data, "utf-8")
    if text is not None:
        return _normalise(text), "utf-8"
    gb = _strict(data, "gb18030")
    big5 = _strict(data, "big5")
    if gb is not None and big5 is None:
        choice = (gb, "gb18030")
    elif big5 is not None and gb is None:
        choice = (big5, "big5")
    elif gb is not None and big5 is not None:
        # Both decode: the wrong one yields rare characters. Ties go to GBK, by far the commoner.
        choice = (big5, "big5") if common_ratio(big5) > common_ratio(gb) else (gb, "gb18030")
    else:
        choice = _normalizer_choice(data)
    if choice is None or _control_ratio(choice[0]) > _MAX_CONTROL:
        raise DocumentError(
            "binary",
            name,
            f"无法识别文件编码 (undecodable: not UTF-8/GB18030/GBK/Big5 text): {name}; 可能是二进制文件 (binary?)",
        )
    return _normalise(choice[0]), choice[1]


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a BOM (some Windows tools do), else None.

    ASCII characters encode with a NUL high byte, so such files look "binary". Both byte orders are
    tried; the right one reads as ordinary characters (ASCII, common CJK, CJK punctuation), the
    swapped one and real binary files as a scatter of rare code points.
    """
    if len(data) % 2:
        return None
    best = None
    for enc in ("utf-16-le", "utf-16-be"):
        text = _strict(data[:65536], enc)
        if text is None or _control_ratio(text) > _MAX_CONTROL:
            continue
        score = _plain_ratio(text)
        if best is None or score > best[0]:
            best = (score, enc)
    if best is None or best[0] < 0.9:
        return None
    text = _strict(data, best[1])
    return (text, best[1]) if text is not None else None


def _plain_ratio(text: str) -> float:
    """Share of characters that are printable ASCII, whitespace, CJK punctuation or common CJK."""
    sample = text[:5000]
    if not sample:
        return 0.0
    ok = sum(1 for ch in sample if (" " <= ch <= "~") or ch in "\t\n\r" or "\u3000" <= ch <= "\u303f"
             or "\uff00" <= ch <= "\uffef" or _is_common(ch))
    return ok / len(sample)


def common_ratio(text: str) -> float:
    """Share of CJK characters that are common ones (GB2312 level 1 or Big5 frequently-used).

    Mis-decoded Chinese turns into rare characters and kana/symbols, so the right decoding scores higher.
    """
    n = hits = 0
    for ch in text[:5000]:
        if ord(ch) < 0x2E80:
            continue
        n += 1
        hits += _is_common(ch)
    return hits / n if n else 0.0


def _is_common(ch: str) -> bool:
    try:
        b = ch.encode("gb2312")
        if len(b) == 2 and 0xB0 <= b[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b = ch.encode("big5")
        return len(b) == 2 and 0xA4 <= b[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def _normalizer_choice(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(CANDIDATES)).best()
    if best is None:
        return None
    enc = best.encoding
    text = _strict(data, enc)
    return (text, enc) if text is not None else None


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
