"""Document store: ids, texts and JSON metadata in SQLite, keyed by the index's row numbers.

A new store lives in memory. A loaded store opens the saved file *read-only* (loading is instant,
whatever the size) and copies itself into memory on the first write, so changing a loaded index
never touches the files on disk until :meth:`save` writes a complete new copy.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Iterable

import numpy as np

_dumps = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps(..., ensure_ascii=False) builds one per call

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    row INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    meta TEXT NOT NULL
);
"""


class DocStore:
    """Rows ↔ (id, text, metadata)."""

    def __init__(self, path: str | Path | None = None):
        self._lock = threading.RLock()
        self.path = Path(path) if path else None
        if self.path is None:
            self.conn = sqlite3.connect(":memory:", check_same_thread=False)
            self.conn.executescript(SCHEMA)
            self.readonly = False
        else:
            self.conn = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            self.readonly = True
            # Touch the schema now so a foreign or truncated file fails at load time.
            self.conn.execute("SELECT row, id, text, meta FROM docs LIMIT 1").fetchall()

    def _writable(self) -> sqlite3.Connection:
        if self.readonly:
            mem = sqlite3.connect(":memory:", check_same_thread=False)
            self.conn.backup(mem)
            self.conn.close()
            self.conn, self.readonly = mem, False
        return self.conn

    def count(self) -> int:
        with self._lock:
            return self.conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def rows_of(self, ids: Iterable[str]) -> dict[str, int]:
        """Map the given ids to rows (unknown ids are absent from the result)."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, int] = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                q = f"SELECT id, row FROM docs WHERE id IN ({','.join('?' * len(part))})"
                out.update(self.conn.execute(q, part).fetchall())
        return out

    def put(self, rows: Iterable[int], docs) -> None:
        """Insert documents at the given rows (the ids must not be stored already)."""
        with self._lock:
            conn = self._writable()
            conn.executemany(
                "INSERT INTO docs(row, id, text, meta) VALUES (?, ?, ?, ?)",
                ((int(r), d.id, d.text, _dumps(d.metadata)) for r, d in zip(rows, docs)),
            )
            conn.commit()

    def delete(self, rows: Iterable[int]) -> None:
        rows = [int(r) for r in rows]
        with self._lock:
            conn = self._writable()
            conn.executemany("DELETE FROM docs WHERE row = ?", ((r,) for r in rows))
            conn.commit()

    def get(self, rows: Iterable[int]) -> dict[int, tuple[str, str, dict]]:
        """``row -> (id, text, metadata)`` for the given rows that exist."""
        rows = [int(r) for r in rows]
        out = {}
        with self._lock:
            for i in range(0, len(rows), 500):
                part = rows[i : i + 500]
                q = f"SELECT row, id, text, meta FROM docs WHERE row IN ({','.join('?' * len(part))})"
                for r, id_, text, meta in self.conn.execute(q, part):
                    out[r] = (id_, text, json.loads(meta))
        return out

    def iter_all(self, batch: int = 5000):
        """Yield ``(row, id, text, metadata)`` in row order."""
        last = -1
        while True:
            with self._lock:
                chunk = self.conn.execute(
                    "SELECT row, id, text, meta FROM docs WHERE row > ? ORDER BY row LIMIT ?", (last, batch)
                ).fetchall()
            if not chunk:
                return
            for r, id_, text, meta in chunk:
                yield r, id_, text, json.loads(meta)
            last = chunk[-1][0]

    def rows_where(self, where: dict) -> np.ndarray:
        """Rows whose metadata matches every ``key: value`` (a list/tuple/set value means "any of")."""
        clauses, params = [], []
        for key, value in where.items():
            path = "$." + json.dumps(str(key), ensure_ascii=False)
            if isinstance(value, (list, tuple, set, frozenset)):
                vals = list(value)
                if not vals:
                    return np.zeros(0, dtype=np.int64)
                clauses.append(f"json_extract(meta, ?) IN ({','.join('?' * len(vals))})")
                params += [path, *[_sql_value(v) for v in vals]]
            elif value is None:
                clauses.append("json_extract(meta, ?) IS NULL")
                params.append(path)
            else:
                clauses.append("json_extract(meta, ?) = ?")
                params += [path, _sql_value(value)]
        q = "SELECT row FROM docs" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        with self._lock:
            return np.fromiter((r for (r,) in self.conn.execute(q, params)), dtype=np.int64)

    def save(self, path: str | Path) -> None:
        """Write a compact copy of the store to ``path`` (a new file)."""
        with self._lock:
            dst = sqlite3.connect(str(path))
            try:
                self.conn.backup(dst)
                dst.execute("VACUUM")
                dst.commit()
            finally:
                dst.close()

    def close(self) -> None:
        with self._lock:
            self.conn.close()


def _sql_value(v):
    # json_extract returns SQL values: JSON true/false come back as 1/0.
    if isinstance(v, bool):
        return int(v)
    return v
