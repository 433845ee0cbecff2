"""Write-ahead journal of the one pending knowledge-base operation, plus an exclusive writer lock.

Before an ``add`` or ``remove`` touches anything, the journal records what is about to happen
(document ids, chunk ids, stored file names). If the process dies half-way, the next
:meth:`KnowledgeBase.open` finds the journal and finishes or undoes the operation (see
``KnowledgeBase._recover``), so a document is either fully in or fully out.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from toolkit.atomic import write_json
from toolkit.errors import IndexCorruptError


class Journal:
    """The pending operation of one knowledge base, stored as ``journal.json`` (written atomically).

    Example:
        >>> import tempfile; j = Journal(Path(tempfile.mkdtemp()) / "journal.json")
        >>> j.begin("add", docs=[{"doc_id": "d1", "chunk_ids": ["d1:0"], "stored": "d1-a.txt"}])
        >>> j.pending()["op"]
        'add'
        >>> j.clear(); j.pending() is None
        True
    """

    OPS = ("add", "remove")

    def __init__(self, path: Path):
        self.path = Path(path)

    def begin(self, op: str, docs: list[dict]) -> None:
        if op not in self.OPS:
            raise ValueError(f"unknown journal op {op!r}; valid: {self.OPS}")
        write_json(self.path, {"op": op, "docs": docs, "pid": os.getpid()})

    def pending(self) -> dict | None:
        if not self.path.exists():
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            # The journal is written atomically, so this is foreign damage, not our crash.
            raise IndexCorruptError(f"知识库日志损坏 (corrupt journal): {self.path}: {e}") from None
        if not isinstance(data, dict) or data.get("op") not in self.OPS or not isinstance(data.get("docs"), list) or not all(
            isinstance(d, dict) and isinstance(d.get("doc_id"), str) and isinstance(d.get("stored"), str)
            and isinstance(d.get("chunk_ids"), list) for d in data["docs"]
        ):
            raise IndexCorruptError(f"知识库日志格式错误 (bad journal format): {self.path}")
        return data

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
        _fsync_dir(self.path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(str(folder), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def writer_lock(folder: Path, blocking: bool = True):
    """Hold an exclusive ``flock`` on ``folder/.lock`` (one writer per knowledge base across processes).

    The lock dies with the process, so a killed writer never leaves the knowledge base locked.

    Args:
        folder: the knowledge base folder.
        blocking: wait for the lock; if False, yield False at once when another process holds it.

    Yields:
        True when the lock is held.
    """
    fh = open(Path(folder) / ".lock", "a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()
