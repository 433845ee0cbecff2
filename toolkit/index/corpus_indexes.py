"""The prebuilt corpus indexes: ``data/indexes/laws/`` (one document per current article) and
``data/indexes/poems/`` (one document per poem), built by ``hanlin index build``.

Example:
    >>> from toolkit.index.corpus_indexes import open_index
    >>> ix = open_index("laws")  # doctest: +SKIP
    >>> ix.search("借钱不还怎么办", k=3)[0].metadata["short_name"]  # doctest: +SKIP
    '民法典'
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..errors import DataMissingError, IndexCorruptError, InvalidInputError
from .hybrid import FORMAT, READABLE_VERSIONS, VERSION, HybridIndex
from .manifest import VERIFY_MODES, read_manifest
from .records import Document

log = logging.getLogger(__name__)

BUILD_HINT = "请先运行 hanlin index build (run `hanlin index build` first)"
VERIFY_ENV = "HANLIN_INDEX_VERIFY"  # size | crc32 | sha256: how open_index checks the files


def article_document(a) -> Document:
    """One statute article as a Document.

    The text starts with a header line ``《短名》第X条 章 节`` (law, article and chapter titles carry
    much of the meaning a colloquial question matches: 借款合同, 劳动合同的解除), then the article
    text; ``metadata["body_start"]`` is where the article text begins.
    """
    header = " ".join(p for p in (f"《{a.short_name}》{a.article_label}", a.chapter, a.section) if p)
    meta = {"law_id": a.law_id, "law_name": a.law_name, "short_name": a.short_name, "article_no": a.article_no,
            "article_label": a.article_label, "sub": a.sub, "chapter": a.chapter, "section": a.section,
            "body_start": len(header) + 1}
    return Document(f"{a.law_id}:{a.article_label}", f"{header}\n{a.text}", meta)


def poem_document(p) -> Document:
    """One poem as a Document: ``title``, ``dynasty·author`` line, then the body."""
    header = f"{p.title}\n{p.dynasty}·{p.author}"
    meta = {"id": p.id, "title": p.title, "author": p.author, "dynasty": p.dynasty, "form": p.form,
            "tune": p.tune, "collection": p.collection, "body_start": len(header) + 1}
    return Document(p.id, f"{header}\n{p.text}", meta)


def _law_docs(settings) -> Iterator[Document]:
    from ..corpus import iter_articles

    return (article_document(a) for a in iter_articles(settings))


def _poem_docs(settings) -> Iterator[Document]:
    from ..corpus import iter_poems

    return (poem_document(p) for p in iter_poems(settings))


@dataclass(frozen=True)
class CorpusIndexSpec:
    """How one corpus index is built.

    Attributes:
        name: folder name under ``settings.index_dir``.
        documents: settings → documents.
        lsa_dim: LSA dimension.
        dense_kind: FAISS storage (``sq8`` keeps the big poem index small and fast to load).
        verify: check made when opening it (``HANLIN_INDEX_VERIFY`` overrides): ``"size"``, the
            default, finds missing, truncated and half-written files from a stat per file, where a
            crc32 pass over the ~400 MB of the poem index costs 0.4 s of CPU on every server start;
            :func:`verify` (``hanlin index verify``) checks every checksum.
    """

    name: str
    documents: Callable
    lsa_dim: int = 256
    dense_kind: str = "flat"
    verify: str = "size"
    fit_max_docs: int = 12_000  # LSA is fitted on a seeded sample (the SVD dominates build time)


SPECS = {
    "laws": CorpusIndexSpec("laws", _law_docs, lsa_dim=256, dense_kind="flat"),
    "poems": CorpusIndexSpec("poems", _poem_docs, lsa_dim=128, dense_kind="sq8"),
}


def _spec(name: str) -> CorpusIndexSpec:
    if name not in SPECS:
        raise InvalidInputError(f"未知的语料索引 '{name}' (unknown corpus index); 可选 (valid): {', '.join(SPECS)}")
    return SPECS[name]


def index_path(name: str, settings=None) -> Path:
    from ..config import get_settings

    _spec(name)
    return (settings or get_settings()).index_dir / name


def is_valid(name: str, settings=None) -> bool:
    """True when the index folder exists in the current format and its manifest and file sizes check out.

    An index written by an older version (still readable, but slower to open) counts as invalid, so
    ``hanlin index build --if-missing`` rebuilds it.
    """
    path = index_path(name, settings)
    try:
        read_manifest(path, FORMAT, VERSION, verify="size")
        return True
    except IndexCorruptError:
        return False


def verify(name: str, settings=None, mode: str = "crc32") -> dict:
    """Check every file of a corpus index against its manifest (what opening skips by default).

    Args:
        name: ``"laws"`` or ``"poems"``.
        settings: :class:`~toolkit.config.Settings` (default ``get_settings()``).
        mode: ``"crc32"`` (default), ``"sha256"`` or ``"size"``.

    Returns:
        The manifest.

    Raises:
        DataMissingError: not built yet.
        IndexCorruptError: a file is missing, truncated or altered, or the manifest is unreadable.
    """
    path = index_path(name, settings)
    if not path.is_dir():
        raise DataMissingError(f"缺少 {name} 索引 (missing index {path}): {BUILD_HINT.replace('build', f'build --only {name}', 1)}")
    return read_manifest(path, FORMAT, READABLE_VERSIONS, verify=mode)


def _open_verify(name: str) -> str:
    mode = os.environ.get(VERIFY_ENV, "").strip() or _spec(name).verify
    if mode not in VERIFY_MODES:
        raise InvalidInputError(f"{VERIFY_ENV}='{mode}' 无效 (unknown verify mode); 可选 (valid): {', '.join(VERIFY_MODES)}")
    return mode


def build(name: str, settings=None, progress: bool = True, limit: int | None = None) -> dict:
    """Build one corpus index and save it atomically.

    Args:
        name: ``"laws"`` or ``"poems"``.
        settings: :class:`~toolkit.config.Settings` (default ``get_settings()``).
        progress: tqdm bars.
        limit: only the first N documents (for quick trials).

    Returns:
        ``{"name", "path", "count", "seconds", "manifest"}``.
    """
    from ..config import get_settings
    from ..text import default_segmenter
    from .lsa import LSAEmbedder

    s = settings or get_settings()
    spec = _spec(name)
    t0 = time.perf_counter()
    docs = spec.documents(s)
    if limit:
        docs = (d for i, d in enumerate(docs) if i < limit)
    docs = list(docs)
    seg = default_segmenter(s)
    emb = LSAEmbedder(dim=spec.lsa_dim, segmenter=seg, fit_max_docs=spec.fit_max_docs)
    ix = HybridIndex(segmenter=seg, embedder=emb, dense_kind=spec.dense_kind)
    ix.add(docs, progress=progress)
    manifest = ix.save(index_path(name, s))
    open_index.cache_clear()
    return {"name": name, "path": str(index_path(name, s)), "count": len(ix), "seconds": time.perf_counter() - t0, "manifest": manifest}


class _Cache:
    """A tiny thread-safe cache keyed by (name, index path) with ``cache_clear``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items: dict = {}

    def __call__(self, name: str, settings=None) -> HybridIndex:
        path = index_path(name, settings)
        key = (name, str(path))
        with self._lock:
            if key not in self._items:
                if not path.is_dir():
                    raise DataMissingError(f"缺少 {name} 索引 (missing index {path}): {BUILD_HINT.replace('build', f'build --only {name}', 1)}")
                from ..text import default_segmenter

                self._items[key] = HybridIndex.load(path, segmenter=default_segmenter(settings), verify=_open_verify(name))
            return self._items[key]

    def cache_clear(self) -> None:
        with self._lock:
            self._items.clear()


open_index = _Cache()
open_index.__doc__ = """Open (once per process) the prebuilt ``laws`` or ``poems`` index.

Args:
    name: ``"laws"`` or ``"poems"``.
    settings: :class:`~toolkit.config.Settings` (default ``get_settings()``).

Raises:
    DataMissingError: not built yet ("请先运行 hanlin index build ...").
    IndexCorruptError: the files are damaged (rebuild it).
"""
