"""Hybrid retrieval for Chinese text: chunking, BM25 (jieba), FAISS embeddings, RRF fusion.

Example:
    >>> from toolkit.index import Document, HybridIndex
    >>> ix = HybridIndex()
    >>> ix.add([Document("a", "借款人应当按期返还借款。", {"law": "民法典"})])
    1
    >>> ix.search("还钱", k=1)[0].id  # doctest: +SKIP
    'a'
"""

from .bm25 import BM25Index, CollectionStats
from .chunking import chunk_text
from .dense import DenseIndex
from .embedder_registry import load_embedder, make_embedder
from .embedders import Embedder, SentenceTransformerEmbedder
from .fusion import rrf
from .hybrid import MODES, HybridIndex
from .lsa import LSAEmbedder
from .records import Chunk, Document, Hit, HitList

__all__ = [
    "BM25Index",
    "Chunk",
    "DenseIndex",
    "Document",
    "Embedder",
    "Hit",
    "HitList",
    "HybridIndex",
    "LSAEmbedder",
    "MODES",
    "SentenceTransformerEmbedder",
    "chunk_text",
    "load_embedder",
    "make_embedder",
    "rrf",
]
