"""langchain-core adapter: a ``BaseRetriever`` over a :class:`~toolkit.index.HybridIndex`."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever


class HybridRetriever(BaseRetriever):
    """Returns langchain ``Document``s; each carries ``id``, ``score``, ``bm25_score``, ``dense_score``,
    ``bm25_rank`` and ``dense_rank`` in its metadata next to the stored metadata.

    Example:
        >>> retriever = index.as_retriever(k=3)  # doctest: +SKIP
        >>> chain = retriever | (lambda docs: "\\n".join(d.page_content for d in docs))  # doctest: +SKIP
    """

    index: Any
    k: int = 4
    mode: str = "hybrid"
    where: Any = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        hits = self.index.search(query, k=self.k, mode=self.mode, where=self.where)
        out = []
        for h in hits:
            meta = dict(h.metadata)
            meta.update(id=h.id, score=h.score, bm25_score=h.bm25_score, dense_score=h.dense_score,
                        bm25_rank=h.bm25_rank, dense_rank=h.dense_rank)
            if hits.warnings:
                meta["warnings"] = list(hits.warnings)
            out.append(LCDocument(page_content=h.text, metadata=meta, id=h.id))
        return out
