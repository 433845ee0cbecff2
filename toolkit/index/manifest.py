"""Index manifests: what a saved index contains, with a checksum per file, verified on load."""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from pathlib import Path

from ..errors import IndexCorruptError

MANIFEST = "manifest.json"
VERIFY_MODES = ("crc32", "sha256", "size")


def corrupt(folder, detail: str) -> IndexCorruptError:
    """The error for an unreadable index, in both languages, with the fix."""
    return IndexCorruptError(
        f"索引已损坏或不完整 (index is corrupt or half-written): {folder}: {detail}. "
        f"请删除后重新构建 (delete it and rebuild, e.g. `hanlin index build`); 其他数据未受影响 (nothing else was changed)."
    )


def _digests(path: Path, sha256: bool = True, crc32: bool = True) -> tuple[str | None, int | None]:
    sha, crc = (hashlib.sha256() if sha256 else None), 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            if sha is not None:
                sha.update(block)
            if crc32:
                crc = zlib.crc32(block, crc)
    return (sha.hexdigest() if sha is not None else None), (crc if crc32 else None)


def write_manifest(folder: str | Path, files: list[str], info: dict) -> dict:
    """Checksum ``files`` (paths relative to ``folder``) and write ``manifest.json`` last.

    Returns:
        The manifest written.
    """
    folder = Path(folder)
    entries = {}
    for rel in files:
        p = folder / rel
        sha, crc = _digests(p)
        entries[rel] = {"bytes": p.stat().st_size, "sha256": sha, "crc32": crc}
    manifest = {**info, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "files": entries}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def read_manifest(folder: str | Path, fmt: str, version: int | tuple[int, ...], verify: str = "crc32") -> dict:
    """Read and check a manifest: format, version, every file present with its size and checksum.

    Args:
        folder: the index folder.
        fmt, version: what the caller can read (one version or a tuple of them).
        verify: ``"crc32"`` (fast, default), ``"sha256"`` (slow, cryptographic) or ``"size"`` (sizes only).

    Raises:
        IndexCorruptError: on anything missing, truncated, altered or foreign.
        DataMissingError is *not* raised here: callers check that the folder exists first.
    """
    if verify not in VERIFY_MODES:
        from ..errors import InvalidInputError

        raise InvalidInputError(f"未知的校验方式 '{verify}' (unknown verify mode); 可选 (valid): {', '.join(VERIFY_MODES)}")
    folder = Path(folder)
    mpath = folder / MANIFEST
    if not mpath.is_file():
        raise corrupt(folder, f"缺少 {MANIFEST} (missing manifest: the index was never completely written)")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        files = manifest["files"]
        if not isinstance(files, dict):
            raise TypeError("files is not a mapping")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise corrupt(folder, f"{MANIFEST} 无法解析 (unreadable manifest: {e})") from None
    if manifest.get("format") != fmt:
        raise corrupt(folder, f"格式 {manifest.get('format')!r} 不是 {fmt!r} (foreign format)")
    versions = version if isinstance(version, tuple) else (version,)
    if manifest.get("version") not in versions:
        need = " / ".join(map(str, versions))
        raise corrupt(folder, f"版本 {manifest.get('version')!r} 不受支持, 需要 {need} (unsupported version)")
    for rel, entry in files.items():
        p = folder / rel
        if not p.is_file():
            raise corrupt(folder, f"缺少文件 {rel} (missing file)")
        size = p.stat().st_size
        if size != entry.get("bytes"):
            raise corrupt(folder, f"文件 {rel} 大小 {size} ≠ {entry.get('bytes')} (truncated or altered file)")
        if verify != "size":
            sha, crc = _digests(p, sha256=verify == "sha256", crc32=verify == "crc32")
            if (verify == "sha256" and sha != entry.get("sha256")) or (verify == "crc32" and crc != entry.get("crc32")):
                raise corrupt(folder, f"文件 {rel} 校验和不符 (checksum mismatch)")
    return manifest
