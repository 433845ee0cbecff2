"""Peers and plain baselines for the statute benchmark: china-law-mcp's own search and bm25s over jieba words."""

from __future__ import annotations

import re
import time

_WORD = re.compile(r"[\u4e00-\u9fff\w]+")


def jieba_words(text: str) -> list[str]:
    """jieba's words with punctuation and whitespace dropped (no stopwords, no bigrams: the plain baseline)."""
    import jieba

    return [w for w in jieba.lcut(text) if _WORD.fullmatch(w)]


def bm25s_system(settings=None):
    """(search function, load seconds) for bm25s (default BM25 parameters) over jieba words of every article."""
    import bm25s
    import jieba

    from toolkit.index.corpus_indexes import open_index

    jieba.setLogLevel(60)
    t0 = time.perf_counter()
    keys, docs = [], []
    for _row, _id, text, m in open_index("laws", settings).iter_documents():
        keys.append((m["law_name"], m["article_label"]))
        docs.append(jieba_words(f"《{m.get('short_name', '')}》{m['article_label']} {text[m.get('body_start', 0):]}"))
    retriever = bm25s.BM25()
    retriever.index(docs, show_progress=False)
    load_s = time.perf_counter() - t0

    def search(question: str):
        toks = [w for w in jieba_words(question) if w in retriever.vocab_dict]
        if not toks:
            return []
        res, _scores = retriever.retrieve([toks], k=10, show_progress=False)
        return [keys[int(i)] for i in res[0]]

    return search, load_s


def china_law_mcp_system():
    """(search function, load seconds) for china-law-mcp 0.1.1's in-process BM25 search, or None."""
    try:
        from china_law_mcp import retrieval
    except ImportError:
        return None
    t0 = time.perf_counter()
    retrieval.load()  # builds its BM25 pickle on first use, then loads it
    load_s = time.perf_counter() - t0

    def search(question: str):
        return [(h["law_name"], h["article_no"]) for h in retrieval.search(question, top_k=10)]

    return search, load_s
