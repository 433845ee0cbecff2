"""Atomic file writes: write to a temp file in the same folder, fsync, then rename over the target.

Temp names carry the writer's pid (``.<name>.<pid>.<random>.tmp``) so that a later writer can tell
the leftovers of a killed process (pid gone) from a save still running in another process, and
sweep only the former (:func:`sweep_stale`).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

# Temp names must fit the file system's 255-byte name limit whatever the target is called.
_PREFIX_BYTES = 60
_LEGACY_AGE_S = 3600


def _prefix(target: Path) -> str:
    stem = target.name.encode("utf-8")[:_PREFIX_BYTES].decode("utf-8", "ignore")
    return f".{stem}.{os.getpid()}."


def _fsync_path(path: Path, directory: bool = False) -> None:
    try:
        fd = os.open(str(path), os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the rename is still atomic
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(target: str | Path) -> list[Path]:
    """Remove temp files/folders beside ``target`` left by writers that died (their pid is gone).

    Also restores ``target`` from ``.<name>.old`` if a crash fell between the two renames of the
    non-exchange fallback in :func:`atomic_dir`. Returns what was removed.
    """
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        return []
    stem = re.escape(target.name.encode("utf-8")[:_PREFIX_BYTES].decode("utf-8", "ignore"))
    pattern = re.compile(rf"^\.{stem}\.(\d+)\..*\.tmp$")
    # Temp folders from before pids were recorded: swept once they are clearly abandoned.
    legacy = re.compile(rf"^\.{stem}\.[a-z0-9_]{{8}}\.tmp$")
    removed = []
    now = time.time()
    for p in folder.iterdir():
        m = pattern.match(p.name)
        if m:
            if _alive(int(m.group(1))):
                continue
        elif not legacy.match(p.name) or now - p.lstat().st_mtime < _LEGACY_AGE_S:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    old = target.with_name(f".{target.name}.old")
    if old.is_dir() and not target.exists():
        os.replace(old, target)
    return removed


@contextmanager
def atomic_path(target: str | Path, suffix: str = ".tmp"):
    """Yield a temp path beside ``target``; on success it replaces ``target`` in one rename.

    On an exception the temp file is removed and ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_prefix(target), suffix=suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_path(target.parent, directory=True)


def write_text(target: str | Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_json(target: str | Path, obj) -> None:
    write_text(target, json.dumps(obj, ensure_ascii=False, indent=1))


_RENAME_EXCHANGE = 2
_libc = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(None, use_errno=True)
            _libc.renameat2  # noqa: B018 - probe: glibc ≥ 2.28
        except (OSError, AttributeError):
            _libc = False
    if not _libc:
        return False
    at_fdcwd = -100
    rc = _libc.renameat2(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_tree(folder: Path) -> None:
    for dirpath, _, files in os.walk(folder):
        for f in files:
            _fsync_path(Path(dirpath) / f)
        _fsync_path(Path(dirpath), directory=True)


@contextmanager
def atomic_dir(target: str | Path):
    """Yield a fresh temp folder beside ``target``; on success it replaces ``target`` whole.

    The new folder's files are fsynced, then swapped with the old folder in one
    ``renameat2(RENAME_EXCHANGE)``, so ``target`` never goes missing, not even for a reader that
    looks between two steps. Where the exchange is unsupported the old folder is moved aside first
    and deleted only after the new one is in place. A crash at any point leaves the old or the new
    folder plus, at worst, a temp folder that the next save sweeps (:func:`sweep_stale`).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target)
    tmp = Path(tempfile.mkdtemp(prefix=_prefix(target), suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        _fsync_tree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.is_dir() and _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old folder
    else:
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    _fsync_path(target.parent, directory=True)
