"""RRF maths, BM25 exactness vs bm25s, hybrid search, incremental add/remove, filters, retriever."""

import numpy as np
import pytest

from toolkit.errors import InvalidInputError
from toolkit.index import BM25Index, Document, HybridIndex, rrf


def test_rrf_maths():
    fused = rrf([["a", "b", "c"], ["c", "a"]], k=60)
    scores = dict(fused)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert [d for d, _ in fused] == ["a", "c", "b"]
    assert dict(rrf([["x"], ["y"]], weights=[2.0, 1.0]))["x"] == pytest.approx(2 / 61)
    with pytest.raises(InvalidInputError):
        rrf([["x"]], weights=[1, 2])


def test_bm25_matches_bm25s_and_stays_exact_after_updates():
    bm25s = pytest.importorskip("bm25s")
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(30)]
    docs = [list(rng.choice(vocab, size=rng.integers(3, 15))) for _ in range(40)]
    query = ["w1", "w7", "w20"]

    def reference(corpus):
        r = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
        r.index(bm25s.tokenization.Tokenized(ids=[[vocab.index(t) for t in d] for d in corpus],
                                             vocab={t: i for i, t in enumerate(vocab)}), show_progress=False)
        return r.get_scores([vocab.index(t) for t in query])

    ix = BM25Index(merge_min=10**9)
    ix.add(docs[:30])
    ix.add(docs[30:])  # lands in the delta segment
    np.testing.assert_allclose(ix.scores(query), reference(docs), rtol=1e-5)
    ix.remove([3, 35])
    live = [d for i, d in enumerate(docs) if i not in (3, 35)]
    got = np.delete(ix.scores(query), [3, 35])
    np.testing.assert_allclose(got, reference(live), rtol=1e-5)
    ix.merge()
    np.testing.assert_allclose(np.delete(ix.scores(query), [3, 35]), reference(live), rtol=1e-5)


@pytest.fixture
def index(segmenter, law_docs):
    ix = HybridIndex(segmenter=segmenter)
    ix.add(law_docs)
    return ix


@pytest.mark.parametrize("query,expected", [("盗窃财物", "xf:264"), ("离婚诉讼", "hyf:1079"),
                                            ("没有签书面劳动合同 二倍工资", "ldht:82"), ("借款合同", "mfd:667")])
def test_bm25_ranks_obvious_doc_first(index, query, expected):
    assert index.search(query, k=3, mode="bm25")[0].id == expected


def test_dense_finds_paraphrase(index):
    # no shared word with the query's segmentation, but shared characters/bigrams
    hits = index.search("借了钱到期不还", k=3, mode="dense")
    assert hits[0].id in {"mfd:675", "mfd:667"}


def test_hybrid_hit_has_both_scores(index):
    h = index.search("劳动者经济补偿", k=2)[0]
    assert h.id == "ldht:47"
    assert h.bm25_rank == 1 and h.bm25_score > 0 and h.dense_score is not None


def test_incremental_add_remove(index, law_docs):
    index.remove(["xf:264"])
    assert all(h.id != "xf:264" for h in index.search("盗窃财物", k=10))
    assert all(h.id != "xf:264" for h in index.search("盗窃财物", k=10, mode="dense"))
    assert len(index) == len(law_docs) - 1
    index.add([Document("new:1", "饲养的动物造成他人损害的，动物饲养人或者管理人应当承担侵权责任。", {"law": "民法典"})])
    assert index.search("狗咬人 动物饲养人", k=1)[0].id == "new:1"
    index.add([Document("new:1", "完全不同的内容：网络交易平台。", {})])  # replace by id
    assert index.get("new:1").text.startswith("完全不同")
    assert len(index) == len(law_docs)


def test_filters(index):
    hits = index.search("应当", k=10, where={"law": "劳动合同法"})
    assert hits and all(h.metadata["law"] == "劳动合同法" for h in hits)
    hits = index.search("应当", k=10, where={"law": ["刑法", "民法典"]})
    assert {h.metadata["law"] for h in hits} <= {"刑法", "民法典"}
    hits = index.search("应当", k=10, where=lambda m: m["article_no"] > 1000)
    assert hits and all(h.metadata["article_no"] > 1000 for h in hits)


def test_bad_queries(index):
    for q in ("", "   \n"):
        with pytest.raises(InvalidInputError):
            index.search(q)
    with pytest.raises(InvalidInputError, match="valid"):
        index.search("借款", mode="fuzzy")
    hits = index.search("借款" * 50_000, k=2)
    assert hits.truncated and len(hits.query) == index.max_query_chars


def test_retriever_in_lcel_chain(index):
    from langchain_core.runnables import RunnableLambda

    chain = index.as_retriever(k=2) | RunnableLambda(lambda docs: [d.metadata["id"] for d in docs])
    out = chain.invoke("劳动者经济补偿")
    assert out[0] == "ldht:47" and len(out) == 2
    doc = index.as_retriever(k=1).invoke("盗窃")[0]
    assert doc.metadata["score"] > 0 and doc.metadata["law"] == "刑法"
