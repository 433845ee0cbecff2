"""The knowledge-base catalogue: documents and chunks in SQLite, the source of truth for the index.

The hybrid index is derived data: it can always be rebuilt from the ``chunks`` table, which is how
a damaged or out-of-step index is repaired on open. SQLite gives the all-or-nothing commit of a
document's rows; the pending-operation journal (see :mod:`pipelines.qa.journal`) covers the steps
outside SQLite (stored file, index files).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import IndexCorruptError

_DOC_COLUMNS = ("doc_id", "name", "stored", "kind", "sha256", "size", "encoding", "n_chunks", "notes", "metadata", "added_at")
_CHUNK_COLUMNS = ("chunk_id", "doc_id", "ord", "section", "page", "heading_path", "continued", "overlap", "text")


# How long to wait for another process's write transaction before giving up (never mistaken for damage).
BUSY_TIMEOUT_S = 30.0


def _is_damage(e: sqlite3.DatabaseError) -> bool:
    """True for errors that mean the file is not our catalogue: not a database, corrupt pages, wrong schema."""
    name = getattr(e, "sqlite_errorname", "")
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return True
    msg = str(e).lower()
    return "no such column" in msg or "no such table" in msg or "not a database" in msg or "malformed" in msg


class CatalogCorruptError(IndexCorruptError):
    """``catalog.sqlite`` is not a readable catalogue (the knowledge base rebuilds it from its files)."""


_dumps = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per json.dumps call

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,          -- sanitised original file name (shown as the source)
    stored TEXT NOT NULL,        -- file name under files/
    kind TEXT NOT NULL,          -- txt md pdf docx html
    sha256 TEXT NOT NULL UNIQUE, -- content hash, for deduplication
    size INTEGER NOT NULL,
    encoding TEXT,
    n_chunks INTEGER NOT NULL,
    notes TEXT NOT NULL,         -- JSON list of remarks (pages without text, ...)
    metadata TEXT NOT NULL,      -- JSON dict given by the caller (add_texts)
    added_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    ord INTEGER NOT NULL,
    section INTEGER NOT NULL,
    page INTEGER,
    heading_path TEXT NOT NULL,  -- JSON list
    continued INTEGER NOT NULL,  -- 1 when the chunk starts in the middle of a paragraph
    overlap INTEGER NOT NULL,    -- leading chars repeated from the previous chunk
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, ord);
"""


@dataclass(frozen=True)
class DocumentInfo:
    """One stored document as listed by :meth:`KnowledgeBase.documents`."""

    doc_id: str
    name: str
    kind: str
    size: int
    n_chunks: int
    encoding: str | None
    notes: tuple[str, ...]
    added_at: float
    stored: str
    sha256: str
    metadata: dict


@dataclass(frozen=True)
class ChunkRow:
    """One stored chunk (the catalogue's view, without scores)."""

    chunk_id: str
    doc_id: str
    ord: int
    section: int
    page: int | None
    heading_path: tuple[str, ...]
    continued: bool
    text: str
    overlap: int = 0


class Catalog:
    """Thin wrapper over the SQLite file; every write method commits one transaction."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
            # Touch every column: a foreign file with tables of these names but other columns fails here.
            self.db.execute(f"SELECT {', '.join(_DOC_COLUMNS)} FROM documents LIMIT 1").fetchall()
            self.db.execute(f"SELECT {', '.join(_CHUNK_COLUMNS)} FROM chunks LIMIT 1").fetchall()
        except sqlite3.DatabaseError as e:
            self.db.close()
            if not _is_damage(e):  # locked, read-only, I/O error: the file may be fine, never "repair" it
                raise
            raise CatalogCorruptError(f"知识库目录损坏 (corrupt catalogue) {self.path}: {e}") from None

    def close(self) -> None:
        self.db.close()

    # --- reads -----------------------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        rows = self.db.execute("SELECT * FROM documents ORDER BY added_at, doc_id").fetchall()
        return [self._doc(r) for r in rows]

    def document(self, doc_id: str) -> DocumentInfo | None:
        r = self.db.execute("SELECT * FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return self._doc(r) if r else None

    def by_hash(self, sha256: str) -> DocumentInfo | None:
        r = self.db.execute("SELECT * FROM documents WHERE sha256=?", (sha256,)).fetchone()
        return self._doc(r) if r else None

    def chunks(self, doc_id: str | None = None) -> list[ChunkRow]:
        if doc_id is None:
            rows = self.db.execute("SELECT * FROM chunks ORDER BY doc_id, ord").fetchall()
        else:
            rows = self.db.execute("SELECT * FROM chunks WHERE doc_id=? ORDER BY ord", (doc_id,)).fetchall()
        return [self._chunk(r) for r in rows]

    def chunks_by_id(self, ids) -> dict[str, ChunkRow]:
        ids = list(ids)
        out: dict[str, ChunkRow] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            q = f"SELECT * FROM chunks WHERE chunk_id IN ({','.join('?' * len(part))})"
            out.update((r[0], self._chunk(r)) for r in self.db.execute(q, part))
        return out

    def section(self, doc_id: str, section: int) -> list[ChunkRow]:
        rows = self.db.execute("SELECT * FROM chunks WHERE doc_id=? AND section=? ORDER BY ord", (doc_id, section))
        return [self._chunk(r) for r in rows]

    def chunk_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    # --- writes ----------------------------------------------------------------------------------
    def insert(self, docs: list[tuple[dict, list[ChunkRow]]]) -> None:
        """Insert documents with their chunks in ONE transaction (all in or all out)."""
        cur = self.db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            for doc, chunks in docs:
                cur.execute(
                    "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        doc["doc_id"],
                        doc["name"],
                        doc["stored"],
                        doc["kind"],
                        doc["sha256"],
                        doc["size"],
                        doc.get("encoding"),
                        len(chunks),
                        json.dumps(list(doc.get("notes", ())), ensure_ascii=False),
                        json.dumps(doc.get("metadata") or {}, ensure_ascii=False),
                        doc.get("added_at", time.time()),
                    ),
                )
                cur.executemany(
                    "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?)",
                    [
                        (c.chunk_id, c.doc_id, c.ord, c.section, c.page, _dumps(list(c.heading_path)), int(c.continued), c.overlap, c.text)
                        for c in chunks
                    ],
                )
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def delete(self, doc_ids) -> None:
        cur = self.db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            for d in doc_ids:
                cur.execute("DELETE FROM chunks WHERE doc_id=?", (d,))
                cur.execute("DELETE FROM documents WHERE doc_id=?", (d,))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    # --- row mapping -----------------------------------------------------------------------------
    @staticmethod
    def _doc(r) -> DocumentInfo:
        return DocumentInfo(
            doc_id=r[0],
            name=r[1],
            stored=r[2],
            kind=r[3],
            sha256=r[4],
            size=r[5],
            encoding=r[6],
            n_chunks=r[7],
            notes=tuple(json.loads(r[8])),
            metadata=json.loads(r[9]),
            added_at=r[10],
        )

    @staticmethod
    def _chunk(r) -> ChunkRow:
        return ChunkRow(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5])), bool(r[6]), r[8], r[7])
