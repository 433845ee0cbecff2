"""HybridIndex: BM25 over jieba tokens + FAISS over embeddings, fused by reciprocal rank.

Example:
    >>> from toolkit.index import Document, HybridIndex
    >>> ix = HybridIndex()
    >>> ix.add([Document("a", "借款人应当按照约定的期限返还借款。"), Document("b", "用人单位应当向劳动者支付经济补偿。")])
    2
    >>> ix.search("借钱不还", k=1)[0].id
    'a'
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

import numpy as np

from ..atomic import atomic_dir
from ..errors import DataMissingError, IndexCorruptError, InvalidInputError
from ..text import search_tokens
from .bm25 import BM25Index, widen
from .dense import DenseIndex
from .embedder_registry import load_embedder
from .embedders import Embedder
from .fusion import rrf
from .manifest import corrupt, read_manifest, write_manifest
from .records import Document, Hit, HitList
from .store import DocStore

if TYPE_CHECKING:  # imported where an index changes: opening and searching need no scipy
    import scipy.sparse as sp

log = logging.getLogger(__name__)

FORMAT, VERSION = "hanlin-hybrid-index", 2  # 2: BM25 and LSA vocabularies with look-up arrays
READABLE_VERSIONS = (1, 2)  # version 1 folders still open (slower: vocabulary dicts are built)
MODES = ("hybrid", "bm25", "dense")
Where = Mapping[str, object] | Callable[[dict], bool] | None


def _as_document(d) -> Document:
    if isinstance(d, Document):
        doc = d
    elif isinstance(d, Mapping) and "id" in d and "text" in d:
        doc = Document(str(d["id"]), d["text"], dict(d.get("metadata") or {}))
    else:
        raise InvalidInputError(f"无法索引的对象 (not a Document or {{id, text, metadata}} mapping): {type(d).__name__}")
    if not isinstance(doc.id, str) or not doc.id:
        raise InvalidInputError(f"文档 id 必须是非空字符串 (document id must be a non-empty string): {doc.id!r}")
    if not isinstance(doc.text, str):
        raise InvalidInputError(f"文档 {doc.id!r} 的 text 必须是字符串 (text must be a string)")
    try:
        json.dumps(doc.metadata)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"文档 {doc.id!r} 的 metadata 不能存为 JSON (metadata must be JSON-serialisable): {e}") from None
    return doc


class HybridIndex:
    """Sparse + dense retrieval with incremental add/remove and pickle-free persistence.

    Args:
        segmenter: a :class:`~toolkit.text.Segmenter` (default: :func:`~toolkit.text.default_segmenter`).
        embedder: an :class:`~toolkit.index.embedders.Embedder` (default: a new ``LSAEmbedder``,
            fitted on the first documents added).
        dense_kind: FAISS storage, ``"flat"`` (exact) or ``"sq8"`` (4× smaller).
        k1, b: BM25 parameters.
        rrf_k: RRF damping constant.
        weights: RRF weights of (bm25, dense).
        refit_ratio: refit LSA automatically once the live documents exceed this multiple of the
            number it was fitted on (only while the index holds ≤ ``auto_refit_max`` documents;
            call :meth:`refit` yourself for bigger ones). 0 disables.
        max_query_chars: longer queries are truncated (and the result says so in ``warnings``).

    Example:
        >>> ix = HybridIndex()
        >>> ix.add([Document("1", "劳动合同解除的经济补偿", {"law": "劳动合同法"})])
        1
        >>> [h.id for h in ix.search("经济补偿", where={"law": "劳动合同法"})]
        ['1']
    """

    def __init__(self, segmenter=None, embedder: Embedder | None = None, *, dense_kind: str = "flat",
                 k1: float = 1.5, b: float = 0.75, rrf_k: int = 60, weights: Sequence[float] = (1.0, 1.0),
                 refit_ratio: float = 2.0, auto_refit_max: int = 20_000, max_query_chars: int = 1000):
        if segmenter is None:
            from ..text import default_segmenter

            segmenter = default_segmenter()
        self.segmenter = segmenter
        if embedder is None:
            from .lsa import LSAEmbedder

            embedder = LSAEmbedder(segmenter=segmenter)
        self.embedder = embedder
        self.dense_kind = dense_kind
        self.rrf_k, self.weights = rrf_k, tuple(weights)
        self.refit_ratio, self.auto_refit_max = refit_ratio, auto_refit_max
        self.max_query_chars = max_query_chars
        self.bm25 = BM25Index(k1=k1, b=b)
        self.dense: DenseIndex | None = None
        self.store = DocStore()
        self._where_cache: dict[str, np.ndarray] = {}

    # ----------------------------------------------------------------- basics
    def __len__(self) -> int:
        return self.bm25.n_docs

    def __contains__(self, doc_id: str) -> bool:
        return bool(self.store.rows_of([doc_id]))

    def tokens(self, text: str) -> list[str]:
        """The search tokens this index uses for ``text``."""
        return search_tokens(text, self.segmenter)

    # ----------------------------------------------------------------- term statistics
    def has_term(self, term: str) -> bool:
        """True when ``term`` is a search token of some indexed document."""
        return term in self.bm25.vocab

    def doc_freq(self, term: str) -> int:
        """Number of live documents containing the search token ``term`` (0 when unknown)."""
        i = self.bm25.vocab.get(term)
        return int(self.bm25.df[i]) if i is not None else 0

    def term_scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for the search tokens ``tokens`` (removed rows score 0)."""
        return self.bm25.scores(tokens)

    def iter_documents(self) -> Iterable[tuple[int, str, str, dict]]:
        """``(row, id, text, metadata)`` of every stored document, in row order."""
        return self.store.iter_all()

    def get(self, doc_id: str) -> Document | None:
        """The stored document with this id, or None."""
        row = self.store.rows_of([doc_id]).get(doc_id)
        if row is None:
            return None
        id_, text, meta = self.store.get([row])[row]
        return Document(id_, text, meta)

    def documents(self) -> Iterable[Document]:
        """Every stored document, in insertion order."""
        for _, id_, text, meta in self.store.iter_all():
            yield Document(id_, text, meta)

    # ----------------------------------------------------------------- updates
    def add(self, docs: Iterable[Document], batch_size: int = 4096, progress: bool = False, workers: int | None = None) -> int:
        """Add (or replace, by id) documents; no full rebuild.

        Each text is tokenised once (in worker processes for big jobs, see :mod:`.parallel`); its
        term counts feed both BM25 and the LSA embedder. A fresh LSA model is fitted on a seeded
        sample (``fit_max_docs``); an already fitted one only projects the new documents (see
        ``refit_ratio`` for when it is refitted).

        Args:
            docs: :class:`Document` objects or ``{"id", "text", "metadata"}`` mappings.
            batch_size: documents tokenised/embedded per batch.
            progress: show a tqdm bar.
            workers: tokeniser processes (default ``HANLIN_INDEX_WORKERS`` or the CPU count; used only
                for jobs of millions of characters).

        Returns:
            The number of documents added.
        """
        batch = {}
        for d in docs:
            d = _as_document(d)
            batch[d.id] = d  # a repeated id within one call: the last one wins
        docs = list(batch.values())
        if not docs:
            return 0
        old = self.store.rows_of(batch)
        if old:
            self._remove_rows(list(old.values()))
        from tqdm.auto import tqdm

        bar = tqdm(total=len(docs), desc="索引 (indexing)", unit="doc", disable=not progress)
        need_fit = self.embedder.needs_fit and not self.embedder.fitted
        pending = []  # (rows, texts, tokens) waiting for the embedder's fit
        starts = range(0, len(docs), batch_size)
        token_batches = self._token_batches([[d.text for d in docs[i : i + batch_size]] for i in starts],
                                            sum(len(d.text) for d in docs), workers)
        for i, tokens in zip(starts, token_batches):
            part = docs[i : i + batch_size]
            texts = [d.text for d in part]
            counts, toks = self._count(texts, tokens)  # tokenised once: BM25 and LSA share the counts
            rows = self.bm25.add_counts(counts, merge=i + batch_size >= len(docs))
            self.store.put(rows, part)
            if need_fit:
                pending.append((rows, texts, toks))
            else:
                self._embed_into_dense(rows, texts, counts, toks)
            del counts
            bar.update(len(part))
        bar.close()
        self._where_cache.clear()
        if need_fit:
            if self.bm25.n_docs > len(docs):  # earlier documents exist: fit on everything
                self.refit()
            else:
                rows = np.concatenate([r for r, _, _ in pending])
                texts = [t for _, ts, _ in pending for t in ts]
                toks = None if self._counts_embedder() else [t for _, _, ts in pending for t in ts]
                del pending
                self._fit_and_embed(rows, texts, toks)
        elif self._should_refit():
            log.info("LSA refit: %d documents now vs %d at fit time", len(self), getattr(self.embedder, "n_fit_docs", 0))
            self.refit()
        self.bm25.drop_row_view()
        return len(docs)

    def _word_segmenter(self):
        """What is segmented in Python: a BigramSegmenter's base (its bigrams are counted vectorised,
        see :mod:`.bigram_terms`), else the segmenter itself."""
        from ..text.bigrams import BigramSegmenter

        # Embedders that need no fit (pretrained ones) take texts, not these tokens, so the
        # vectorised bigram path serves them too.
        if type(self.segmenter) is BigramSegmenter and (self._counts_embedder() or not self.embedder.needs_fit):
            return self.segmenter.base
        return self.segmenter

    def _token_batches(self, batches: list[list[str]], total_chars: int, workers: int | None):
        from .parallel import tokenize_batches

        return tokenize_batches(self._word_segmenter(), batches, total_chars, workers)

    def _count(self, texts: Sequence[str], tokens: list[list[str]]) -> tuple[sp.csr_matrix, list | None]:
        """BM25 term counts of ``texts`` given their tokens from :meth:`_word_segmenter` (new terms
        join the vocabulary), and the tokens again when an embedder other than LSA needs them."""
        counts = self.bm25.count_matrix(tokens)
        if self._word_segmenter() is not self.segmenter:  # add the bigram terms
            from .bigram_terms import BigramTerms

            if getattr(self, "_bigram_terms", None) is None or self._bigram_terms.bm25 is not self.bm25:
                self._bigram_terms = BigramTerms(self.bm25)
            bigrams = self._bigram_terms.counts(texts, counts)
            return (widen(counts, bigrams.shape[1]) + bigrams).tocsr(), None
        return counts, (None if self._counts_embedder() else tokens)

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """:meth:`tokens` of many texts."""
        from .parallel import tokenize_many

        return tokenize_many(self.segmenter, texts)

    def _counts_embedder(self) -> bool:
        """True when the embedder can work from BM25's term counts (LSA) instead of token lists."""
        return hasattr(self.embedder, "embed_counts") and hasattr(self.embedder, "fit_counts")

    def _embed_into_dense(self, rows, texts, counts, toks, batch: int = 4096) -> None:
        if self.dense is None:
            self.dense = DenseIndex(self.embedder.dim, self.dense_kind)
        for i in range(0, len(texts), batch):
            if toks is None and self._counts_embedder():
                vecs = self.embedder.embed_counts(texts[i : i + batch], counts[i : i + batch], self.bm25.terms)
            else:
                vecs = self.embedder.embed(texts[i : i + batch], None if toks is None else toks[i : i + batch])
            self.dense.add(np.asarray(rows[i : i + batch]), vecs)

    def _should_refit(self) -> bool:
        n_fit = getattr(self.embedder, "n_fit_docs", 0)
        return bool(self.embedder.needs_fit and self.refit_ratio and n_fit and len(self) <= self.auto_refit_max
                    and len(self) > self.refit_ratio * n_fit)

    def refit(self, progress: bool = False) -> None:
        """Refit the embedder on the live documents and re-embed them all (LSA, after the corpus grew a lot).

        With LSA nothing is re-tokenised: the term counts come from the BM25 index, the model is
        fitted on a seeded sample of at most ``fit_max_docs`` documents, and every document is then
        projected, in batches.
        """
        rows, texts = [], []
        for r, _, text, _ in self.store.iter_all():
            rows.append(r)
            texts.append(text)
        if texts:
            toks = None if self._counts_embedder() else self.tokenize(texts)
            self._fit_and_embed(np.asarray(rows, dtype=np.int64), texts, toks)
        self.bm25.drop_row_view()

    def _fit_and_embed(self, rows: np.ndarray, texts: list[str], toks, batch: int = 8192) -> None:
        """Fit the embedder on ``texts`` (rows already in BM25) and put all their vectors in a new dense index."""
        if toks is None:  # LSA: counts from BM25, fit on its sample only
            sample = self.embedder.sample(len(rows)) if hasattr(self.embedder, "sample") else np.arange(len(rows))
            self.embedder.fit_counts([texts[i] for i in sample], self.bm25.row_counts(rows[sample]), self.bm25.terms,
                                     n_total=len(rows))
        else:
            self.embedder.fit(texts, toks)
        self.dense = DenseIndex(self.embedder.dim, self.dense_kind)
        for i in range(0, len(rows), batch):
            part = rows[i : i + batch]
            counts = self.bm25.row_counts(part) if toks is None else None
            self._embed_into_dense(part, texts[i : i + batch], counts, None if toks is None else toks[i : i + batch])

    def remove(self, ids: Iterable[str]) -> int:
        """Remove documents by id (unknown ids are ignored); returns how many were removed."""
        if isinstance(ids, str):
            ids = [ids]
        rows = list(self.store.rows_of(list(ids)).values())
        self._remove_rows(rows)
        return len(rows)

    def _remove_rows(self, rows: list[int]) -> None:
        if not rows:
            return
        self.bm25.remove(rows)
        if self.dense is not None:
            self.dense.remove(rows)
        self.store.delete(rows)
        self._where_cache.clear()

    # ----------------------------------------------------------------- search
    def _allowed_mask(self, where) -> np.ndarray | None:
        if where is None or callable(where):
            return None
        if not isinstance(where, Mapping):
            raise InvalidInputError(f"where 必须是字典或函数 (where must be a dict or a callable), got {type(where).__name__}")
        key = json.dumps(where, sort_keys=True, ensure_ascii=False, default=lambda v: sorted(v) if isinstance(v, (set, frozenset)) else str(v))
        rows = self._where_cache.get(key)
        if rows is None:
            rows = self.store.rows_where(where)
            if len(self._where_cache) > 256:
                self._where_cache.clear()
            self._where_cache[key] = rows
        mask = np.zeros(self.bm25.n_rows, dtype=bool)
        mask[rows[rows < len(mask)]] = True
        return mask & self.bm25.alive

    def _check_query(self, query) -> tuple[str, list[str]]:
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError(f"查询不能为空 (empty query): {query!r}")
        notes = []
        if len(query) > self.max_query_chars:
            notes.append(f"查询过长, 已截断为前 {self.max_query_chars} 字 (query truncated from {len(query)} to {self.max_query_chars} chars)")
            log.warning(notes[-1])
            query = query[: self.max_query_chars]
        return query, notes

    def search(self, query: str, k: int = 10, mode: str = "hybrid", where: Where = None) -> HitList:
        """Find the ``k`` best documents for ``query``.

        Args:
            query: free text (Chinese or mixed); empty/whitespace raises, very long is truncated.
            k: number of hits (≥ 1).
            mode: ``"hybrid"`` (RRF of both), ``"bm25"`` or ``"dense"``.
            where: metadata filter: ``{"key": value}`` (all must match; a list value means any of)
                or a callable ``metadata -> bool``.

        Returns:
            A :class:`HitList` (a ``list[Hit]`` with ``.warnings``), best first.
        """
        if mode not in MODES:
            raise InvalidInputError(f"未知的检索模式 '{mode}' (unknown search mode); 可选 (valid): {', '.join(MODES)}")
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise InvalidInputError(f"k 必须是正整数 (k must be a positive integer), got {k!r}")
        query, notes = self._check_query(query)
        if len(self) == 0:
            return HitList([], query, notes)
        mask = self._allowed_mask(where)
        pred = where if callable(where) else None
        qtoks = self.tokens(query)
        bm25_all = self.bm25.scores(qtoks) if mode != "dense" else None
        if bm25_all is not None and mask is not None:
            bm25_all = np.where(mask, bm25_all, 0.0).astype(np.float32)
        qvec = None
        if mode != "bm25" and self.dense is not None:
            qvec = self.embedder.embed_query([query], [qtoks])[0]
            if not np.any(qvec):
                qvec = None  # nothing in the query the embedder knows
        allowed = np.flatnonzero(mask) if mask is not None else None
        depth = max(4 * k, 50)
        while True:
            b_rows = _top(bm25_all, depth) if bm25_all is not None else np.zeros(0, dtype=np.int64)
            d_rows, d_scores = (self.dense.search(qvec, depth, allowed) if qvec is not None
                                else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)))
            d_full = len(d_rows) >= depth
            keep = d_scores > 1e-6  # cosine ≤ 0: nothing in common with the query
            d_rows, d_scores = d_rows[keep], d_scores[keep]
            if mode == "bm25":
                fused = [(int(r), float(bm25_all[r])) for r in b_rows]
            elif mode == "dense":
                fused = [(int(r), float(s)) for r, s in zip(d_rows, d_scores)]
            else:
                fused = rrf([b_rows.tolist(), d_rows.tolist()], k=self.rrf_k, weights=self.weights)
            chosen, docs = self._pick(fused, k, pred)
            exhausted = len(b_rows) < depth and not d_full
            if len(chosen) >= k or pred is None or exhausted or depth >= self.bm25.n_rows:
                break
            depth *= 4  # a callable filter rejected too many candidates: look deeper
        b_rank = {int(r): i + 1 for i, r in enumerate(b_rows)}
        d_rank = {int(r): i + 1 for i, r in enumerate(d_rows)}
        d_score = {int(r): float(s) for r, s in zip(d_rows, d_scores)}
        missing = [r for r, _ in chosen if r not in d_score]
        if qvec is not None and missing and self.dense is not None:
            for r, v in zip(missing, self.dense.vectors(missing)):
                d_score[r] = float(v @ qvec)
        hits = []
        for r, s in chosen:
            id_, text, meta = docs[r]
            hits.append(Hit(id=id_, text=text, metadata=meta, score=s,
                            bm25_score=float(bm25_all[r]) if bm25_all is not None else None,
                            dense_score=d_score.get(r) if qvec is not None else None,
                            bm25_rank=b_rank.get(r), dense_rank=d_rank.get(r)))
        return HitList(hits, query, notes)

    def _pick(self, fused, k, pred):
        """The first ``k`` fused rows (passing ``pred``), with their stored documents."""
        chosen, docs = [], {}
        for i in range(0, len(fused), max(k, 64)):
            part = fused[i : i + max(k, 64)]
            got = self.store.get([r for r, _ in part])
            for r, s in part:
                if r in got and (pred is None or pred(got[r][2])):
                    chosen.append((r, s))
                    docs[r] = got[r]
                    if len(chosen) == k:
                        return chosen, docs
        return chosen, docs

    @classmethod
    def merged(cls, parts: Sequence["HybridIndex"], drop: frozenset[str] | set[str] = frozenset()) -> "HybridIndex":
        """One index holding the live documents of ``parts`` except the ids in ``drop``.

        Nothing is tokenised or embedded again: each part's term counts are re-keyed to the merged
        vocabulary and its vectors copied, so merging segments costs far less than indexing them.
        The parts must share the segmenter and a pretrained embedder (an LSA model fitted per part
        would give incomparable vectors).

        Raises:
            InvalidInputError: no parts, or an embedder that needs fitting.
        """
        import scipy.sparse as sp

        if not parts:
            raise InvalidInputError("merged() 需要至少一个索引 (needs at least one part)")
        first = parts[0]
        if first.embedder.needs_fit:
            raise InvalidInputError(f"无法合并需要拟合的向量模型的索引 (cannot merge indexes of a fitted embedder: {first.embedder.kind})")
        ix = cls(segmenter=first.segmenter, embedder=first.embedder, dense_kind=first.dense_kind, k1=first.bm25.k1,
                 b=first.bm25.b, rrf_k=first.rrf_k, weights=first.weights)
        ix.dense = DenseIndex(first.embedder.dim, first.dense_kind)
        for part in parts:
            items = [(r, Document(id_, text, meta)) for r, id_, text, meta in part.store.iter_all() if id_ not in drop]
            if not items:
                continue
            old_rows = np.asarray([r for r, _ in items], dtype=np.int64)
            counts = part.bm25.row_counts(old_rows).tocoo()
            term_map = ix.bm25.term_ids(part.bm25.terms)
            counts = sp.csr_matrix((counts.data, (counts.row, term_map[counts.col])), shape=(len(items), ix.bm25.n_terms))
            rows = ix.bm25.add_counts(counts, merge=False)
            ix.store.put(rows, [d for _, d in items])
            if part.dense is not None:
                ix.dense.add(rows, part.dense.vectors(old_rows))
            else:
                ix._embed_into_dense(rows, [d.text for _, d in items], None, None)
        ix.bm25.merge()
        ix.bm25.drop_row_view()
        return ix

    def as_retriever(self, k: int = 4, mode: str = "hybrid", where: Where = None):
        """A langchain-core ``BaseRetriever`` over this index (scores in ``Document.metadata``)."""
        from .retriever import HybridRetriever

        return HybridRetriever(index=self, k=k, mode=mode, where=where)

    # ----------------------------------------------------------------- persistence
    def save(self, folder: str | Path, embedder_files: bool = True) -> dict:
        """Write the index to ``folder`` atomically (the old copy stays until the new one is complete).

        Args:
            embedder_files: False = record the embedder's spec only (segments of one knowledge base
                share one pretrained embedder, passed to :meth:`load`).

        Returns:
            The manifest written.
        """
        if self.dense is None and len(self):
            raise InvalidInputError("索引缺少向量部分, 无法保存 (index has no dense part)")
        with atomic_dir(folder) as tmp:
            files = [f"bm25/{f}" for f in self.bm25.save(tmp / "bm25")]
            if self.dense is not None:
                self.dense.save(tmp / "dense.faiss")
                files.append("dense.faiss")
            if self.embedder.fitted and embedder_files:
                files += [f"embedder/{f}" for f in self.embedder.save(tmp / "embedder")]
            self.store.save(tmp / "docs.sqlite")
            files.append("docs.sqlite")
            info = {"format": FORMAT, "version": VERSION, "count": len(self), "rows": self.bm25.n_rows,
                    "embedder": self.embedder.spec() if self.embedder.fitted else None,
                    "segmenter": self.segmenter.spec() if hasattr(self.segmenter, "spec") else repr(self.segmenter),
                    "dense_kind": self.dense_kind, "bm25": {"k1": self.bm25.k1, "b": self.bm25.b},
                    "rrf_k": self.rrf_k, "weights": list(self.weights)}
            manifest = write_manifest(tmp, files, info)
        return manifest

    @classmethod
    def load(cls, folder: str | Path, segmenter=None, verify: str = "crc32", embedder: Embedder | None = None) -> "HybridIndex":
        """Open a saved index, verifying its manifest and checksums first.

        Args:
            folder: the index folder written by :meth:`save`.
            segmenter: must tokenise like the one used at build time (default: the shared one).
            verify: ``"crc32"`` (default), ``"sha256"`` or ``"size"`` (file sizes only: opening the
                big corpus indexes then costs no read of their 400 MB; see ``corpus_indexes.verify``).
            embedder: the embedder of an index saved with ``embedder_files=False`` (its kind must be
                the one the manifest records).

        Raises:
            DataMissingError: the folder does not exist.
            IndexCorruptError: anything missing, truncated, altered or inconsistent.
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise DataMissingError(f"索引不存在 (index not found): {folder}")
        m = read_manifest(folder, FORMAT, READABLE_VERSIONS, verify=verify)
        if segmenter is None:
            from ..text import default_segmenter

            segmenter = default_segmenter()
        try:
            bm25 = BM25Index.load(folder / "bm25")
            if embedder is not None and "embedder/embedder.json" not in m["files"]:
                if m.get("embedder") and m["embedder"].get("kind") != embedder.kind:
                    raise corrupt(folder, f"向量模型不符 (embedder mismatch): saved with {m['embedder'].get('kind')}, "
                                          f"opened with {embedder.kind}")
                emb = embedder
            else:
                emb = load_embedder(folder / "embedder", segmenter=segmenter) if m.get("embedder") else None
            dense = DenseIndex.load(folder / "dense.faiss", kind=m.get("dense_kind", "flat")) if "dense.faiss" in m["files"] else None
            store = DocStore(folder / "docs.sqlite")
        except IndexCorruptError:
            raise
        except Exception as e:  # noqa: BLE001 - any parse failure means a bad file
            raise corrupt(folder, f"{type(e).__name__}: {e}") from None
        n, n_store = bm25.n_docs, store.count()  # counted before a close below: the message needs them
        if n != m.get("count") or (dense is not None and dense.ntotal != n) or n_store != n:
            store.close()
            raise corrupt(folder, f"各部分文档数不一致 (part counts disagree): manifest {m.get('count')}, bm25 {n}, "
                                  f"faiss {dense.ntotal if dense else None}, docs {n_store}")
        ix = cls(segmenter=segmenter, embedder=emb, dense_kind=m.get("dense_kind", "flat"),
                 k1=bm25.k1, b=bm25.b, rrf_k=m.get("rrf_k", 60), weights=m.get("weights", (1.0, 1.0)))
        ix.bm25, ix.dense, ix.store = bm25, dense, store
        ix.manifest = m
        return ix


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` highest positive scores, best first (ties: lower row first)."""
    cand = np.flatnonzero(scores > 0)
    if len(cand) > k:
        cand = cand[np.argpartition(-scores[cand], k - 1)[:k]]
    return cand[np.lexsort((cand, -scores[cand]))].astype(np.int64)
