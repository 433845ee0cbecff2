"""Safe names: knowledge-base names (one folder each) and stored file names (never escape the folder)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

from toolkit.errors import InvalidInputError

# Letters (any script, so 合同库 is fine), digits, _ . - ; must start with a letter or digit.
_KB_NAME = re.compile(r"^[^\W_][\w.\-]{0,63}$")
_UNSAFE = re.compile(r"[^\w.\-()（）]+")
# A stored file is ``<doc_id 16>-<name>`` and its temp copy adds ``.<pid>.<random>.tmp``: capping the
# name at 160 UTF-8 bytes keeps every one of them under the file system's 255-byte name limit
# (an 80-character CJK name is 240 bytes).
MAX_NAME_BYTES = 160


def validate_kb_name(name: str) -> str:
    """Return ``name`` if it is a valid knowledge-base name, else raise.

    Example:
        >>> validate_kb_name("合同库")
        '合同库'
    """
    if not isinstance(name, str) or not _KB_NAME.match(name) or ".." in name:
        raise InvalidInputError(
            f"知识库名称无效 (invalid knowledge-base name): {name!r}; 只能用字母、数字、中文、_ . - "
            "(letters, digits, _ . -), 以字母或数字开头, 最多 64 个字符, 不含路径 (no path parts)"
        )
    return name


def safe_filename(name: str, default: str = "document.txt") -> str:
    """Reduce an uploaded file name to a harmless base name (no folders, no ``..``, no control chars).

    Example:
        >>> safe_filename("../../etc/passwd.txt")
        'passwd.txt'
        >>> safe_filename("..\\\\合同 v2.docx")
        '合同_v2.docx'
        >>> len(safe_filename("长" * 80 + ".txt").encode())  # bytes, not characters, are limited
        160
    """
    name = unicodedata.normalize("NFC", str(name))
    base = PureWindowsPath(PurePosixPath(name).name).name  # strip / and \ folders alike
    base = _UNSAFE.sub("_", base).strip("._ ")
    stem, dot, ext = base.rpartition(".")
    if dot and not stem:
        base = ""
    return _fit_bytes(base, MAX_NAME_BYTES) or default


def _fit_bytes(name: str, limit: int) -> str:
    """Shorten ``name`` to ``limit`` UTF-8 bytes, keeping its extension and whole characters."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext.encode("utf-8")) > 16:
        stem, ext = name, ""
    tail = f".{ext}" if ext else ""
    room = limit - len(tail.encode("utf-8"))
    return stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip("._ ") + tail


def inside(folder: Path, candidate: Path) -> bool:
    """True when ``candidate`` resolves to a path inside ``folder`` (defence in depth)."""
    try:
        candidate.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
