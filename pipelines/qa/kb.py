"""Knowledge bases: a folder per base with the original files, a SQLite catalogue and a hybrid index.

Layout of ``<root>/<name>/``::

    kb.json          name, creation time, chunking config, settings (embedder, expansion: KBOptions)
    catalog.sqlite   documents + chunks (source of truth; the index is rebuilt from it if damaged)
    files/           the uploaded originals, as ``<doc_id>-<sanitised name>``
    index/           segments (pipelines.qa.segments): one per add, merged by size and on compact
    journal.json     only while an add/remove is in flight (write-ahead record for crash recovery)

Example:
    >>> import tempfile
    >>> kb = KnowledgeBase.create("demo", root=tempfile.mkdtemp())
    >>> ids = kb.add_texts(["第一条 借款人应当按照约定的期限返还借款。"], [{"source": "合同.txt"}])
    >>> kb.search("借款期限", k=1)[0].source
    '合同.txt'
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable

from toolkit.atomic import write_bytes, write_json
from toolkit.config import Settings, get_settings
from toolkit.errors import IndexCorruptError, InvalidInputError

from .catalog import ChunkRow, DocumentInfo
from .chunking import ChunkConfig, chunk_blocks
from .errors import DocumentError
from .expansion import legal_expander
from .index_store import IndexStore
from .journal import Journal, writer_lock
from .loaders import LoadedDocument, load_bytes, load_file
from .names import inside, safe_filename, validate_kb_name
from .options import KBOptions, fusion_for
from .records import AddResult, Chunk
from .repair import REINGEST_DIR, open_catalog, read_meta, set_aside, unlink_quiet
from .retrieval import expand_hits

FORMAT = 1
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Chunks one file may make per MiB of the upload limit (a 400-char chunk of CJK text is ~1.2 KB;
# the margin allows for overlap and short paragraphs): bounds the index a single upload can create.
CHUNKS_PER_MB = 4000


def max_chunks_per_file(max_upload_mb: float) -> int:
    return max(10_000, int(max_upload_mb * CHUNKS_PER_MB))


def _valid_name(name: str) -> bool:
    try:
        validate_kb_name(name)
        return True
    except InvalidInputError:
        return False


# A reranker takes the query and candidate chunks and returns one score per chunk (higher = better).
Reranker = Callable[[str, list[Chunk]], list[float]]


def _root(root, settings: Settings | None) -> Path:
    return Path(root) if root is not None else (settings or get_settings()).kb_root


class KnowledgeBase:
    """One knowledge base. Build with :meth:`create` or :meth:`open`, not the constructor.

    Args:
        folder: the knowledge base's folder.
        settings: settings (upload limit, segmenter dictionaries, embedder).
        reranker: optional callable ``(query, chunks) -> scores`` applied to the fused candidates.
        expander: ``callable(query) -> query`` adding terms before retrieval; ``"default"`` = the
            legal colloquial → statutory thesaurus (:mod:`pipelines.qa.expansion`) when the knowledge
            base opted in (``KBOptions.expansion``), else none; None = off.
        parent_chars: a fragment's whole section is returned as context up to this many characters;
            beyond it, the chunk plus its neighbours.
    """

    def __init__(self, folder: Path, settings: Settings | None = None, reranker: Reranker | None = None, parent_chars: int = 900,
                 expander="default"):
        self.folder = Path(folder)
        self.settings = settings or get_settings()
        self.reranker = reranker
        self.parent_chars = parent_chars
        self.repairs: list[str] = []  # what the last consistency check fixed (shown by `hanlin kb ls`)
        meta = read_meta(self.folder, self.repairs, FORMAT)
        self.options = KBOptions.from_json(meta.get("settings"))
        self._default_expander = expander == "default"
        self.expander = (legal_expander() if self.options.expansion else None) if expander == "default" else expander
        self.fusion = fusion_for(self.options.embedder)
        self.name = self.folder.name
        self.chunking = ChunkConfig(**meta.get("chunking", {}))
        self.files_dir = self.folder / "files"
        self.files_dir.mkdir(exist_ok=True)
        self.journal = Journal(self.folder / "journal.json")
        self.catalog = open_catalog(self.folder, self.journal, self.repairs)
        self.store = IndexStore(self.folder / "index", self.catalog, self.settings, embedder=self.options.embedder)
        # Recover now unless another process is writing (it recovered when it took the lock); readers
        # then simply ignore index hits the catalogue does not have yet. Writers recover again anyway.
        with writer_lock(self.folder, blocking=False) as held:
            if held:
                self._recover()
        if (self.folder / REINGEST_DIR).is_dir():
            self._reingest()

    # ------------------------------------------------------------------ damage from outside
    def _reingest(self) -> None:
        """Add back the originals set aside by :func:`~pipelines.qa.repair.open_catalog` (idempotent: duplicates are skipped)."""
        src = self.folder / REINGEST_DIR
        docs, failed = [], []
        for p in sorted(src.iterdir()):
            if not p.is_file():
                continue
            doc_id, _, name = p.name.partition("-")
            try:
                docs.append((load_bytes(p.read_bytes(), name or p.name), {}))
            except DocumentError as e:
                failed.append(f"{p.name}: {e.code}")
            if sum(len(d.data) for d, _ in docs) > 64 * 1048576:
                self._add_loaded(docs)
                docs = []
        if docs:
            self._add_loaded(docs)
        n = len(self.catalog.documents())
        note = f"已从原文件重建目录: {n} 个文档 (catalogue rebuilt from the originals: {n} documents; caller metadata is not recoverable)"
        if failed:
            note += f"; 无法读取 (unreadable): {', '.join(failed)}"
        self.repairs.append(note)
        shutil.rmtree(src, ignore_errors=True)

    # ------------------------------------------------------------------ lifecycle (class level)
    @classmethod
    def create(cls, name: str, root=None, settings: Settings | None = None, chunking: ChunkConfig | None = None, exist_ok: bool = False,
               options: KBOptions | None = None):
        """Create the knowledge base ``name`` under ``root`` (default ``settings.kb_root``) and open it.

        ``options``: the embedder and whether the legal query expansion applies (:class:`KBOptions`).

        Raises:
            InvalidInputError: bad name, or it exists and ``exist_ok`` is False.
        """
        validate_kb_name(name)
        folder = _root(root, settings) / name
        shutil.rmtree(folder.with_name(f".{name}.deleting"), ignore_errors=True)  # left by a killed delete
        if (folder / "kb.json").exists():
            if not exist_ok:
                raise InvalidInputError(f"知识库已存在 (knowledge base exists): {name}; 用 open 打开或换个名字")
        else:
            (folder / "files").mkdir(parents=True, exist_ok=True)
            cfg = asdict(chunking or ChunkConfig())
            write_json(folder / "kb.json", {"name": name, "format": FORMAT, "created_at": time.time(), "chunking": cfg,
                                            "settings": (options or KBOptions()).to_json()})
        return cls(folder, settings)

    @classmethod
    def open(cls, name: str, root=None, settings: Settings | None = None, reranker: Reranker | None = None):
        """Open an existing knowledge base (recovering from an interrupted operation if needed).

        Raises:
            InvalidInputError: no such knowledge base; the message lists the existing ones.
        """
        validate_kb_name(name)
        folder = _root(root, settings) / name
        if not (folder / "kb.json").is_file():
            have = cls.list(root, settings)
            raise InvalidInputError(
                f"找不到知识库 (no such knowledge base): {name}; 现有 (existing): {', '.join(have) or '无 (none)'}; "
                f"用 `hanlin kb create {name}` 创建"
            )
        return cls(folder, settings, reranker=reranker)

    @staticmethod
    def list(root=None, settings: Settings | None = None) -> list[str]:
        """Names of the knowledge bases under ``root``, sorted."""
        base = _root(root, settings)
        if not base.is_dir():
            return []
        # Valid names only: ``.<name>.deleting`` (a delete killed half-way) still holds a kb.json.
        return sorted(p.name for p in base.iterdir() if _valid_name(p.name) and (p / "kb.json").is_file())

    @staticmethod
    def delete(name: str, root=None, settings: Settings | None = None) -> None:
        """Delete the knowledge base ``name`` and everything in it.

        Raises:
            InvalidInputError: no such knowledge base.
        """
        validate_kb_name(name)
        base = _root(root, settings)
        folder = base / name
        if not (folder / "kb.json").is_file() or not inside(base, folder):
            raise InvalidInputError(f"找不到知识库 (no such knowledge base): {name}")
        trash = folder.with_name(f".{name}.deleting")
        shutil.rmtree(trash, ignore_errors=True)
        folder.rename(trash)  # one rename: a crash never leaves a half-deleted base that still lists
        shutil.rmtree(trash, ignore_errors=True)

    def close(self) -> None:
        self.catalog.close()

    # ------------------------------------------------------------------ settings and upkeep
    def configure(self, embedder: str | None = None, expansion: bool | None = None, progress: bool = False) -> KBOptions:
        """Change this knowledge base's settings (saved in ``kb.json``); a new embedder re-embeds every chunk.

        Raises:
            InvalidInputError: an unknown embedder or a non-boolean ``expansion``.
        """
        new = KBOptions(embedder=self.options.embedder if embedder is None else embedder,
                        expansion=self.options.expansion if expansion is None else expansion)
        with writer_lock(self.folder):
            self._recover()
            meta = read_meta(self.folder, self.repairs, FORMAT)
            write_json(self.folder / "kb.json", {**meta, "settings": new.to_json()})
            if new.embedder != self.options.embedder:
                self.store.embedder_kind = new.embedder
                self.store.rebuild(progress=progress)
        self.options = new
        self.fusion = fusion_for(new.embedder)
        if self._default_expander:
            self.expander = legal_expander() if new.expansion else None
        return new

    def compact(self, progress: bool = False) -> int:
        """Merge the index's segments into one, dropping removed chunks; returns the segment count before."""
        with writer_lock(self.folder):
            self._recover()
            return self.store.compact(progress=progress)

    # ------------------------------------------------------------------ adding
    def ingest(self, path, progress: bool = False) -> AddResult:
        """Add one file and report what happened (duplicate, notes, chunk count).

        Raises:
            DocumentError: the file cannot be used (unsupported, too large, empty, binary, bad PDF,
                too many chunks...).
        """
        doc = load_file(path, max_mb=self.settings.max_upload_mb, progress=progress)
        return self._add_loaded([(doc, {})], progress=progress)[0]

    def add_file(self, path) -> str:
        """Add one file; return its doc_id (an identical file already present returns the existing id)."""
        return self.ingest(path).doc_id

    def add_files(self, paths: Iterable, progress: bool = False, batch_mb: float = 64.0) -> list:
        """Add several files, committing in batches of about ``batch_mb`` MiB (each batch all-or-nothing).

        One commit for a whole import is also the fast path: the LSA embedder is fitted once on
        everything instead of being refitted as the index grows.

        Returns:
            One entry per path: an :class:`AddResult`, or the :class:`DocumentError` that refused it.
        """
        from tqdm import tqdm

        paths = list(paths)
        out: list = [None] * len(paths)
        batch: list = []
        size = 0.0
        bar = tqdm(total=len(paths), desc=f"kb add {self.name}", unit="file", disable=not progress)

        def flush():
            nonlocal batch, size
            if batch:
                for (i, _), res in zip(batch, self._add_loaded([(d, {}) for _, d in batch], progress=progress, strict=False)):
                    out[i] = res
                bar.update(len(batch))
            batch, size = [], 0.0

        for i, p in enumerate(paths):
            try:
                doc = load_file(p, max_mb=self.settings.max_upload_mb, progress=progress)
            except DocumentError as e:
                out[i] = e
                bar.update(1)
                continue
            batch.append((i, doc))
            size += len(doc.data) / 1048576
            if size >= batch_mb:
                flush()
        flush()
        bar.close()
        return out

    def add_texts(self, texts: Iterable[str], metadatas: Iterable[dict] | None = None) -> list[str]:
        """Add plain texts as documents; ``metadata["source"]`` names them (default ``text-<n>.txt``)."""
        texts = list(texts)
        metas = list(metadatas) if metadatas is not None else [{} for _ in texts]
        if len(metas) != len(texts):
            raise InvalidInputError(f"metadatas 个数 {len(metas)} 与 texts 个数 {len(texts)} 不符 (one metadata per text)")
        items = []
        for i, (text, meta) in enumerate(zip(texts, metas)):
            name = safe_filename(str(meta.get("source") or f"text-{i + 1}.txt"))
            if not name.lower().endswith((".txt", ".md", ".markdown")):
                name += ".txt"
            items.append((load_bytes(text.encode("utf-8"), name), dict(meta)))
        return [r.doc_id for r in self._add_loaded(items)]

    def _add_loaded(self, items: list[tuple[LoadedDocument, dict]], progress: bool = False, strict: bool = True) -> list:
        """Chunk and commit ``items`` in one all-or-nothing step.

        Args:
            strict: raise a document's :class:`DocumentError` (too many chunks); False = return it in
                that document's place and commit the others.
        """
        prepared, results = [], []
        max_chunks = max_chunks_per_file(self.settings.max_upload_mb)
        seen: dict[str, str] = {}
        for doc, meta in items:
            sha = hashlib.sha256(doc.data).hexdigest()
            doc_id = sha[:16]
            known = self.catalog.by_hash(sha)
            if known or sha in seen:
                name = known.name if known else seen[sha]
                note = f"重复上传 (duplicate): 内容与已有文档 {name} 相同 (same content), doc_id={doc_id}"
                results.append(AddResult(doc_id, name, known.n_chunks if known else 0, True, (note,)))
                continue
            name = safe_filename(doc.name)
            pieces = chunk_blocks(doc.blocks, self.chunking)
            if len(pieces) > max_chunks:
                err = DocumentError(
                    "too_many_chunks", doc.name,
                    f"文档分块过多 (too many chunks): {doc.name} 有 {len(pieces)} 块 > 上限 (limit) {max_chunks}; "
                    "请拆分文件或调高 max_upload_mb (split the file or raise the setting)",
                )
                if strict:
                    raise err
                results.append(err)
                continue
            seen[sha] = name
            rows = [
                ChunkRow(f"{doc_id}:{p.ord}", doc_id, p.ord, p.section, p.page, p.heading_path, p.continued, p.text, p.overlap)
                for p in pieces
            ]
            notes = list(doc.notes)
            if doc.encoding and doc.encoding not in ("utf-8", "utf-8-sig"):
                notes.append(f"编码 (encoding): {doc.encoding}")
            info = {
                "doc_id": doc_id,
                "name": name,
                "stored": f"{doc_id}-{name}",
                "kind": doc.kind,
                "sha256": sha,
                "size": len(doc.data),
                "encoding": doc.encoding,
                "notes": notes,
                "metadata": meta,
                "added_at": time.time(),
            }
            prepared.append((info, rows, doc.data))
            results.append(AddResult(doc_id, name, len(rows), False, tuple(notes)))
        if prepared:
            self._commit_add(prepared, progress)
        return results

    def _commit_add(self, prepared, progress: bool = False) -> None:
        with writer_lock(self.folder):
            self._recover()
            try:
                self._commit_add_locked(prepared, progress)
            except Exception:
                # Disk full, a file system refusing a name...: undo now rather than leave the journal
                # for the next open. (A killed process leaves it; _recover handles that.)
                self._recover()
                raise

    def _commit_add_locked(self, prepared, progress: bool) -> None:
        # A concurrent writer may have added the same content since we checked.
        prepared = [p for p in prepared if self.catalog.by_hash(p[0]["sha256"]) is None]
        if not prepared:
            return
        self.journal.begin(
            "add", [{"doc_id": i["doc_id"], "stored": i["stored"], "chunk_ids": [r.chunk_id for r in rows]} for i, rows, _ in prepared]
        )
        self._step("journal")
        for info, _, data in prepared:
            target = self.files_dir / info["stored"]
            if not inside(self.files_dir, target):  # safe_filename makes this impossible; belt and braces
                raise InvalidInputError(f"非法文件名 (unsafe file name): {info['name']}")
            write_bytes(target, data)
        self._step("files")
        self.store.add(
            [(r, info["name"]) for info, rows, _ in prepared for r in rows], progress=progress,
        )
        self._step("index")
        self.catalog.insert([(info, rows) for info, rows, _ in prepared])
        self._step("catalog")
        self.journal.clear()

    def _step(self, name: str) -> None:
        """Crash-test hook: called after each durable step of add/remove (tests replace it to kill the process)."""

    # ------------------------------------------------------------------ removing
    def remove(self, doc_id: str) -> None:
        """Remove a document, its stored file and its chunks from the index.

        Raises:
            InvalidInputError: unknown doc_id.
        """
        with writer_lock(self.folder):
            self._recover()
            info = self.catalog.document(doc_id)
            if info is None:
                raise InvalidInputError(f"找不到文档 (no such document): {doc_id}; 用 `hanlin kb ls {self.name}` 查看 doc_id")
            chunk_ids = [c.chunk_id for c in self.catalog.chunks(doc_id)]
            self.journal.begin("remove", [{"doc_id": doc_id, "stored": info.stored, "chunk_ids": chunk_ids}])
            self._step("journal")
            self._finish_remove(doc_id, info.stored, chunk_ids)

    def _finish_remove(self, doc_id: str, stored: str, chunk_ids: list[str]) -> None:
        self.store.remove(chunk_ids)
        self._step("index")
        self.catalog.delete([doc_id])
        self._step("catalog")
        unlink_quiet(self.files_dir / stored)
        self.journal.clear()

    # ------------------------------------------------------------------ consistency
    def _recover(self) -> None:
        """Finish or undo an interrupted operation, then make the index agree with the catalogue."""
        try:
            pending = self.journal.pending()
        except IndexCorruptError as e:
            # Damaged from outside (we write it atomically): the operation it named is unknown, so
            # the index is rebuilt from the catalogue and any original the catalogue lacks is added
            # back (_drop_orphan_files): an interrupted add is completed, nothing is lost.
            aside = set_aside(self.journal.path)
            self.store.rebuild()
            self.repairs.append(f"{e}; 已移到 (moved to) {aside.name}, 索引已从目录重建 (index rebuilt from the catalogue)")
            pending = None
        if pending:
            if pending["op"] == "remove":
                for d in pending["docs"]:
                    self._finish_remove(d["doc_id"], d["stored"], d["chunk_ids"])
                self.repairs.append(f"完成了中断的删除 (finished interrupted remove): {[d['doc_id'] for d in pending['docs']]}")
            else:
                committed = all(self.catalog.document(d["doc_id"]) for d in pending["docs"])
                if not committed:  # catalogue insert is one transaction: none of them is in
                    self.store.remove([c for d in pending["docs"] for c in d["chunk_ids"]])
                    for d in pending["docs"]:
                        unlink_quiet(self.files_dir / d["stored"])
                    self.repairs.append(f"撤销了中断的添加 (rolled back interrupted add): {[d['doc_id'] for d in pending['docs']]}")
                self.journal.clear()
        fixed = self.store.check()
        if fixed:
            self.repairs.append(fixed)
        self._drop_orphan_files()

    def _drop_orphan_files(self) -> None:
        if not self.files_dir.is_dir():
            return
        known = {d.stored for d in self.catalog.documents()}
        for p in self.files_dir.iterdir():
            if not p.is_file() or p.name in known:
                continue
            if p.name.startswith("."):
                unlink_quiet(p)  # temp file of an interrupted write
            else:
                # An original the catalogue does not list: the journal already removed those of
                # rolled-back adds, so the catalogue lost it (deleted or replaced from outside).
                # Never delete an original: queue it to be added back (see _reingest).
                reingest = self.folder / REINGEST_DIR
                reingest.mkdir(exist_ok=True)
                os.replace(p, reingest / p.name)

    # ------------------------------------------------------------------ reading
    def documents(self) -> list[DocumentInfo]:
        """The stored documents, oldest first."""
        return self.catalog.documents()

    def chunks(self, doc_id: str) -> list[ChunkRow]:
        """The chunks of one document in order (for the chunk inspector)."""
        if self.catalog.document(doc_id) is None:
            raise InvalidInputError(f"找不到文档 (no such document): {doc_id}")
        return self.catalog.chunks(doc_id)

    def search(self, query: str, k: int = 5, mode: str = "hybrid", expand: bool = True, doc_ids=None) -> list[Chunk]:
        """The ``k`` best chunks for ``query``.

        Args:
            query: the question or keywords.
            k: number of chunks.
            mode: ``hybrid`` (BM25 + dense, fused as :class:`~pipelines.qa.segments.Fusion` fitted on
                the dev questions), ``bm25`` or ``dense``.
            expand: fill ``Chunk.context`` with the enclosing section / neighbours of fragments.
            doc_ids: restrict to these documents.

        Returns:
            Chunks best first, with scores and metadata.
        """
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError("查询为空 (empty query)")
        if k < 1:
            raise InvalidInputError(f"k 必须 ≥ 1 (k must be at least 1), got {k}")
        try:
            return self._search(query, k, mode, expand, doc_ids)
        except IndexCorruptError:
            # Still unreadable after the reader's retries: repair under the writer lock, then retry once.
            with writer_lock(self.folder):
                self._recover()
            return self._search(query, k, mode, expand, doc_ids)

    def _search(self, query: str, k: int, mode: str, expand: bool, doc_ids) -> list[Chunk]:
        fetch = max(k * 4, 20) if self.reranker else k
        expanded = self.expander(query) if self.expander else query
        hits = self.store.search(expanded, fetch, mode=mode, doc_ids=doc_ids, fusion=self.fusion)
        chunks = expand_hits(hits, self.catalog, self.store.doc_names(), self.parent_chars if expand else 0)
        if self.reranker and chunks:
            scores = list(self.reranker(query, chunks))
            if len(scores) != len(chunks):
                raise InvalidInputError(f"reranker 返回 {len(scores)} 个分数, 应为 {len(chunks)} (one score per chunk)")
            from dataclasses import replace

            chunks = [replace(c, score=float(s)) for c, s in sorted(zip(chunks, scores), key=lambda t: -t[1])]
        return chunks[:k]

    def is_chinese(self, sample: int = 20) -> bool:
        """True when most of the first document's first chunks are Chinese text (questions without Chinese then get a note)."""
        docs = self.catalog.documents()
        rows = self.catalog.chunks(docs[0].doc_id)[:sample] if docs else []
        cjk = sum(1 for r in rows if len(_CJK.findall(r.text)) * 3 >= len(r.text.strip()))
        return bool(rows) and cjk * 2 >= len(rows)

    def __len__(self) -> int:
        return len(self.catalog.documents())

    def __repr__(self) -> str:
        return f"KnowledgeBase({self.name!r}, folder={str(self.folder)!r})"
