"""Damage from outside a knowledge base's own writes: a junk ``kb.json`` or ``catalog.sqlite``.

The catalogue is the source of truth for the index, and the stored originals under ``files/`` are
the source of truth for the catalogue: a damaged catalogue is set aside (kept for inspection) and
rebuilt by adding the originals back. A damaged ``kb.json`` is rewritten from the folder name.
Each repair is recorded in the knowledge base's ``repairs`` (shown by ``hanlin kb ls``).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import time
from dataclasses import asdict
from pathlib import Path

from toolkit.atomic import write_json
from toolkit.errors import InvalidInputError

from .catalog import Catalog, CatalogCorruptError
from .chunking import ChunkConfig
from .errors import KnowledgeBaseBusyError
from .journal import Journal, writer_lock
from .options import KBOptions

# Where the originals wait while a damaged catalogue is rebuilt from them (see open_catalog).
REINGEST_DIR = ".files.reingest"


def unlink_quiet(path: Path) -> None:
    """Delete a file; a name the file system cannot even hold (ENAMETOOLONG) cannot exist either.

    Recovery calls this on names written by older versions, so it must not fail on them.
    """
    try:
        path.unlink(missing_ok=True)
    except OSError as e:
        if e.errno not in (errno.ENAMETOOLONG, errno.ENOENT, errno.EISDIR):
            raise


def set_aside(path: Path) -> Path:
    """Rename a damaged file to ``<name>.corrupt-<time>`` (kept for inspection) and return the new path."""
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
    if path.exists():
        os.replace(path, aside)
    return aside


def _meta(path: Path) -> dict:
    meta = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        raise ValueError("not a JSON object")
    ChunkConfig(**meta.get("chunking", {}))
    KBOptions.from_json(meta.get("settings"))  # a damaged settings object counts as a damaged kb.json
    return meta


def read_meta(folder: Path, repairs: list[str], fmt: int) -> dict:
    """``kb.json``; a damaged one is set aside and rewritten from the folder name with default chunking."""
    path = folder / "kb.json"
    try:
        return _meta(path)
    except (OSError, ValueError, TypeError, InvalidInputError) as e:
        with writer_lock(folder):
            try:  # another process may have repaired it while we waited
                return _meta(path)
            except (OSError, ValueError, TypeError, InvalidInputError):
                pass
            aside = set_aside(path)
            meta = {"name": folder.name, "format": fmt, "created_at": time.time(), "chunking": asdict(ChunkConfig())}
            write_json(path, meta)
        repairs.append(
            f"kb.json 损坏, 已按默认分块设置重写 (kb.json was unreadable: {type(e).__name__}; rewritten with the default "
            f"chunking); 原文件 (old file): {aside.name}"
        )
        return meta


def open_catalog(folder: Path, journal: Journal, repairs: list[str]) -> Catalog:
    """The catalogue; a damaged one is set aside and its originals queued in :data:`REINGEST_DIR`.

    Raises:
        KnowledgeBaseBusyError: another process holds the catalogue (the file may be fine: nothing is touched).
    """
    path = folder / "catalog.sqlite"
    try:
        return Catalog(path)
    except sqlite3.OperationalError as e:
        raise KnowledgeBaseBusyError(f"知识库 {folder.name} 正被其他进程占用, 请稍后重试 (knowledge base busy: "
                                     f"another process holds its catalogue: {e}; retry)") from None
    except CatalogCorruptError as e:
        with writer_lock(folder):
            try:  # another process may have repaired it while we waited
                return Catalog(path)
            except CatalogCorruptError:
                pass
            aside = set_aside(path)
            for extra in ("-wal", "-shm"):
                (folder / f"catalog.sqlite{extra}").unlink(missing_ok=True)
            # The originals move out of files/ first: recovery would otherwise drop them as orphans
            # of the (now empty) catalogue. KnowledgeBase adds them back, and resumes after a crash.
            reingest, files = folder / REINGEST_DIR, folder / "files"
            if not reingest.exists():
                files.rename(reingest)
                files.mkdir()
            journal.clear()
            catalog = Catalog(path)
        repairs.append(f"目录数据库损坏 (catalog.sqlite was unreadable: {e}); 已移到 (moved to) {aside.name}, "
                       f"正在从原文件重建 (rebuilding from the stored originals)")
        return catalog
