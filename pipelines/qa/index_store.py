"""The knowledge base's hybrid index on disk: incremental add/remove, atomic saves, self-repair.

The index (``toolkit.index.HybridIndex``) is derived from the catalogue. It is loaded lazily, saved
atomically after every change, reloaded when another process committed a change (SQLite's
``data_version``), and rebuilt from the catalogue when it is missing, corrupt or out of step.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from toolkit.atomic import sweep_stale
from toolkit.config import Settings
from toolkit.errors import DataMissingError, IndexCorruptError

from .catalog import Catalog, ChunkRow


def index_text(row: ChunkRow, doc_name: str) -> str:
    """What gets indexed for a chunk: document title and heading path, then the chunk text.

    Titles and headings carry the words questions use ("劳动合同法 ... 试用期"), which the chunk body
    often leaves implicit.
    """
    stem = doc_name.rsplit(".", 1)[0]
    head = " ".join((stem, *row.heading_path)).strip()
    return f"{head}\n{row.text}" if head else row.text


# When LSA is refitted (the only model a knowledge base has to fit; sentence-transformers need none):
# - adding or removing documents never refits by itself beyond these rules: new chunks are only
#   projected into the existing model (cost proportional to the new chunks, no re-tokenising);
# - below ALWAYS_REFIT_BELOW chunks, after every change: cheap (seconds), and a model fitted on the
#   first small file misses most of the next file's vocabulary, which makes its dense scores noise;
# - above that, once the live chunks pass REFIT_RATIO x the chunks the model was fitted on. A refit
#   re-uses the BM25 term counts (nothing is tokenised again), fits on a seeded sample of at most
#   LSA_FIT_MAX_DOCS chunks and re-projects every chunk; with the 1.5x rule the total re-projection
#   work stays within 3x the corpus however it is uploaded.
# One big `add_files` commit (the CLI batches up to 64 MB) fits once, on everything it adds.
REFIT_RATIO = 1.5
ALWAYS_REFIT_BELOW = 3000
# The LSA fit sample (the SVD dominates fit time). With LSA the knowledge base ranks by BM25 and uses
# dense hits only where BM25 has too few (see KnowledgeBase.dense_weight), so a larger sample buys
# nothing measurable: bench/ingest_bench.py reports dense-only hit@5 on a 50 MB base.
LSA_FIT_MAX_DOCS = 20_000


def kb_segmenter(settings: Settings):
    """jieba words plus CJK character bigrams (see :mod:`pipelines.qa.ngrams`; +7 points hit@5 on the bench)."""
    from toolkit.text import default_segmenter

    from .ngrams import BigramSegmenter

    return BigramSegmenter(default_segmenter(settings))


def new_index(settings: Settings):
    """An empty HybridIndex with the configured segmenter and embedder."""
    from toolkit.index import HybridIndex, make_embedder

    seg = kb_segmenter(settings)
    spec = settings.embedder or "lsa"
    extra = {"fit_max_docs": LSA_FIT_MAX_DOCS} if spec == "lsa" or spec.startswith("lsa:") else {}
    return HybridIndex(segmenter=seg, embedder=make_embedder(spec, segmenter=seg, **extra), **_INDEX_OPTIONS)


# RRF weights (bm25, dense). LSA is the weaker retriever on long documents (bench/kb_bench.py: BM25
# alone 0.78 hit@5, LSA alone 0.42; equal weights let LSA's misses into the top 5), so it counts less.
RRF_WEIGHTS = (1.0, 0.35)
# A progress bar inside one commit is shown from this many chunks on (one large file is enough).
PROGRESS_MIN_CHUNKS = 2000
# Pauses (s) between a reader's attempts to load an index that a writer is replacing; None = give up.
READ_RETRY_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8, None)
_INDEX_OPTIONS = {"refit_ratio": REFIT_RATIO, "auto_refit_max": 10**12, "weights": RRF_WEIGHTS}


class IndexStore:
    """Owns ``<kb>/index``.

    Args:
        folder: the index folder.
        catalog: the catalogue it mirrors.
        settings: for the segmenter and embedder of a new index.
    """

    def __init__(self, folder: Path, catalog: Catalog, settings: Settings):
        self.folder = Path(folder)
        self.catalog = catalog
        self.settings = settings
        self._index = None
        self._version = None  # catalogue data_version the in-memory index corresponds to
        self._names: dict[str, str] | None = None

    # ------------------------------------------------------------------ state
    def _data_version(self) -> int:
        return self.catalog.db.execute("PRAGMA data_version").fetchone()[0]

    def _fresh(self) -> bool:
        return self._index is not None and self._version == self._data_version()

    def index(self):
        """The loaded index (reloaded if another process changed the knowledge base).

        A reader can open the folder while another process swaps in a new save (manifest of one,
        files of the other): that reads as corrupt, so it retries briefly before believing it.

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
        from toolkit.index import HybridIndex

        self._names = None
        self._index = None
        if self.folder.is_dir() and any(self.folder.iterdir()):
            self._index = HybridIndex.load(self.folder, segmenter=kb_segmenter(self.settings))
            for k, v in _INDEX_OPTIONS.items():  # runtime policy, not stored in the index files
                setattr(self._index, k, tuple(v) if isinstance(v, tuple) else v)
        else:
            self._index = new_index(self.settings)
        self._version = self._data_version()

    def doc_names(self) -> dict[str, str]:
        if self._names is None or not self._fresh():
            self._names = {d.doc_id: d.name for d in self.catalog.documents()}
        return self._names

    # ------------------------------------------------------------------ changes
    def add(self, rows_with_names: list[tuple[ChunkRow, str]], progress: bool = False) -> None:
        """Index new chunks and save (atomically); ``progress`` shows a bar for big batches."""
        from toolkit.index import Document

        index = self.index()
        docs = [Document(r.chunk_id, index_text(r, name), {"doc_id": r.doc_id}) for r, name in rows_with_names]
        if docs:
            index.add(docs, progress=progress and len(docs) >= PROGRESS_MIN_CHUNKS)
            self._maybe_refit(index)
        index.save(self.folder)
        self._version = self._data_version()
        self._names = None

    def remove(self, chunk_ids: list[str]) -> None:
        """Drop chunks (ids not in the index are ignored) and save."""
        index = self.index()
        if index.remove(list(chunk_ids)):  # unknown ids are ignored by the index
            self._maybe_refit(index)
            index.save(self.folder)
        self._version = self._data_version()
        self._names = None

    @staticmethod
    def _maybe_refit(index) -> None:
        emb = index.embedder
        if getattr(emb, "needs_fit", False) and 0 < len(index) <= ALWAYS_REFIT_BELOW and getattr(emb, "n_fit_docs", 0) != len(index):
            index.refit()

    def rebuild(self) -> None:
        """Re-index every catalogue chunk into a fresh index and save it over the old one."""
        from toolkit.index import Document

        names = {d.doc_id: d.name for d in self.catalog.documents()}
        rows = self.catalog.chunks()
        index = new_index(self.settings)
        if rows:
            index.add([Document(r.chunk_id, index_text(r, names.get(r.doc_id, "")), {"doc_id": r.doc_id}) for r in rows])
            index.save(self.folder)
        elif self.folder.exists():
            shutil.rmtree(self.folder)
        self._index, self._version, self._names = index, self._data_version(), None

    def check(self) -> str | None:
        """Load the index and make it agree with the catalogue; return what was repaired, if anything.

        An index this process loaded or saved since the catalogue last changed is not read again
        (every write starts with this check: re-reading a 50 MB base's index cost ~10 s per add);
        the count comparison below still applies to it.
        """
        n = self.catalog.chunk_count()
        sweep_stale(self.folder)  # temp folders of a save that was killed
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
        return None

    # ------------------------------------------------------------------ search
    def search(self, query: str, k: int, mode: str = "hybrid", doc_ids=None):
        index = self.index()
        if len(index) == 0:
            return []
        where = None
        if doc_ids is not None:
            wanted = set(doc_ids)
            where = lambda meta: meta.get("doc_id") in wanted  # noqa: E731
        return index.search(query, k=k, mode=mode, where=where)
