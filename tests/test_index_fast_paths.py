"""The fast indexing paths give exactly what the plain ones give: memoised search tokens, vectorised
bigram counts, BM25 from count matrices, LSA from BM25 counts, a bounded-sample LSA fit."""

import json

import numpy as np
import pytest

from toolkit.index import BM25Index, Document, HybridIndex, LSAEmbedder
from toolkit.index.bigram_terms import BigramTerms
from toolkit.text import STOPWORDS, search_tokens
from toolkit.text.bigrams import BigramSegmenter, bigram_keys, cjk_bigrams, key_text
from toolkit.text.tokens import _WORDISH

TEXTS = [
    "第一条 为了保护民事主体的合法权益，调整民事关系，制定本法。",
    "Hello，劳动合同法第四十七条！ ABC Def  借钱不还怎么办？",
    "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
    "用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。",
    "",
    "   \n\t ",
    "C# 和 c++ 编程 第1165条 𠀀𠀁 好雨知时节",
    "没有什么我们可以",
]


def _plain(text, seg):
    words = seg.cut_for_search(text)
    return [w for w in (t.strip().lower() for t in words) if w and w not in STOPWORDS and _WORDISH.search(w)]


def test_memoised_search_tokens_match_the_plain_filter(segmenter, law_docs):
    texts = TEXTS + [d.text for d in law_docs]
    for seg in (segmenter, BigramSegmenter(segmenter)):
        for _ in range(2):  # cold and warm memo
            assert [search_tokens(t, seg) for t in texts] == [_plain(t, seg) for t in texts]


def test_bigram_keys_match_the_regex_bigrams():
    doc, key = bigram_keys(TEXTS)
    for i, t in enumerate(TEXTS):
        assert [key_text(k) for k in key[doc == i]] == cjk_bigrams(t)


def _as_dicts(m, terms):
    m = m.tocsr()
    return [{terms[j]: float(v) for j, v in zip(m.indices[m.indptr[i]:m.indptr[i + 1]], m.data[m.indptr[i]:m.indptr[i + 1]])}
            for i in range(m.shape[0])]


def test_vectorised_bigram_counts_equal_counting_the_tokens(segmenter, law_docs):
    seg = BigramSegmenter(segmenter)
    texts = TEXTS + [d.text for d in law_docs]
    ref = BM25Index()
    want = _as_dicts(ref.count_matrix([search_tokens(t, seg) for t in texts]), ref.terms)
    fast = BM25Index()
    terms = BigramTerms(fast)
    got = []
    for part in (texts[:5], texts[5:]):  # the second batch meets known and new bigram terms
        words = fast.count_matrix([search_tokens(t, segmenter) for t in part])
        bigrams = terms.counts(part, words)
        words.resize(bigrams.shape)
        got += _as_dicts(words + bigrams, fast.terms)
    assert got == want


def test_hybrid_with_bigram_segmenter_equals_token_path(segmenter, law_docs):
    seg = BigramSegmenter(segmenter)
    fast = HybridIndex(segmenter=seg)
    fast.add(law_docs)
    ref = BM25Index()
    ref.add([search_tokens(d.text, seg) for d in law_docs])
    q = fast.tokens("借款人 返还借款 劳动合同")
    np.testing.assert_allclose(fast.bm25.scores(q), ref.scores(q), rtol=1e-6)
    assert sorted(fast.bm25.terms) == sorted(ref.terms)


def test_bm25_count_matrix_path_equals_token_path(segmenter, law_docs):
    toks = [search_tokens(d.text, segmenter) for d in law_docs]
    a, b = BM25Index(merge_min=10**9), BM25Index(merge_min=10**9)
    a.add(toks[:5])
    a.add(toks[5:])
    b.add_counts(b.count_matrix(toks[:5]), merge=False)
    b.add_counts(b.count_matrix(toks[5:]), merge=False)
    q = ["借款", "劳动者", "合同"]
    np.testing.assert_allclose(a.scores(q), b.scores(q), rtol=1e-6)
    b.remove([1, 6])
    a.remove([1, 6])
    np.testing.assert_allclose(a.scores(q), b.scores(q), rtol=1e-6)
    assert b.row_counts([0, 7]).shape == (2, len(b.terms))
    assert sorted(b.terms[j] for j in b.row_counts([0]).indices) == sorted(set(toks[0]))


def test_lsa_from_counts_equals_lsa_from_tokens(segmenter, law_docs):
    texts = [d.text for d in law_docs]
    toks = [search_tokens(t, segmenter) for t in texts]
    a = LSAEmbedder(dim=4, segmenter=segmenter).fit(texts, toks)
    bm = BM25Index()
    counts = bm.count_matrix(toks)
    b = LSAEmbedder(dim=4, segmenter=segmenter).fit_counts(texts, counts, bm.terms)
    assert a.features == b.features
    np.testing.assert_allclose(np.abs(a.embed(texts, toks)), np.abs(b.embed_counts(texts, counts, bm.terms)), atol=1e-5)
    # ... and the features are the plain ones: words plus "#"-prefixed CJK bigrams
    assert set(a.features) == {*(t for ts in toks for t in ts), *("#" + g for t in texts for g in cjk_bigrams(t))}


def test_lsa_fits_on_a_bounded_seeded_sample(segmenter):
    rng = np.random.default_rng(0)
    words = ["借款", "合同", "劳动", "工资", "赔偿", "婚姻", "财产", "继承", "侵权", "责任"]
    texts = ["".join(rng.choice(words, 6)) for _ in range(300)]
    e1 = LSAEmbedder(dim=4, segmenter=segmenter, fit_max_docs=50, seed=1).fit(texts)
    e2 = LSAEmbedder(dim=4, segmenter=segmenter, fit_max_docs=50, seed=1).fit(texts)
    assert e1.n_fit_docs == 300 and e1.features == e2.features
    np.testing.assert_allclose(e1.embed(texts[:5]), e2.embed(texts[:5]), atol=1e-6)
    assert len(e1.sample(300)) == 50 and len(set(e1.sample(300).tolist())) == 50


def test_refit_reuses_bm25_counts_and_keeps_search_working(segmenter, law_docs):
    ix = HybridIndex(segmenter=segmenter, refit_ratio=0)
    ix.add(law_docs[:3])
    assert ix.embedder.n_fit_docs == 3
    ix.add(law_docs[3:])
    assert ix.embedder.n_fit_docs == 3  # no automatic refit (ratio 0): new documents are only projected
    ix.refit()
    assert ix.embedder.n_fit_docs == len(law_docs) and ix.dense.ntotal == len(law_docs)
    assert ix.search("二倍工资", k=1, mode="dense")[0].id == "ldht:82"


def test_bulk_add_merges_bm25_once(segmenter, law_docs):
    ix = HybridIndex(segmenter=segmenter)
    ix.add(law_docs, batch_size=2)
    assert ix.bm25.main_rows == len(law_docs) and not ix.bm25._delta
    json.dumps(ix.bm25.df.tolist())  # plain ints


def test_worker_processes_tokenise_exactly_like_this_process(law_docs):
    from toolkit.index.parallel import tokenize_batches, tokenize_many
    from toolkit.text import Segmenter

    segmenter = Segmenter(dicts=())
    segmenter.add_word("二倍的工资", 10**6)  # the forked workers must see it too
    batches = [[d.text for d in law_docs[:4]], [d.text for d in law_docs[4:]], TEXTS]
    got = list(tokenize_batches(segmenter, batches, total_chars=10**9, workers=2))
    assert got == [tokenize_many(segmenter, b) for b in batches]
    assert any("二倍的工资" in toks for b in got for toks in b)


def test_hybrid_add_with_workers_equals_serial(segmenter, law_docs, monkeypatch):
    import toolkit.index.parallel as par

    monkeypatch.setattr(par, "PARALLEL_MIN_CHARS", 1)
    seg = BigramSegmenter(segmenter)
    a, b = HybridIndex(segmenter=seg), HybridIndex(segmenter=seg)
    a.add(law_docs, batch_size=3, workers=2)
    b.add(law_docs, batch_size=3, workers=1)
    q = a.tokens("借款 劳动合同 二倍工资")
    np.testing.assert_allclose(a.bm25.scores(q), b.bm25.scores(q), rtol=1e-6)
    assert a.search("离婚诉讼", k=1)[0].id == b.search("离婚诉讼", k=1)[0].id == "hyf:1079"
