"""Slow: the full statute index, built from the pulled corpus, answers known questions."""

import time

import pytest

from toolkit.errors import DataMissingError


@pytest.mark.slow
def test_full_law_index(tmp_path):
    from toolkit.corpus import iter_articles
    from toolkit.index import HybridIndex
    from toolkit.index.corpus_indexes import article_document

    try:
        docs = [article_document(a) for a in iter_articles()]
    except DataMissingError:
        pytest.skip("laws corpus not pulled (hanlin data pull)")
    t0 = time.perf_counter()
    ix = HybridIndex()
    ix.add(docs)
    ix.save(tmp_path / "laws")
    build_s = time.perf_counter() - t0
    ix = HybridIndex.load(tmp_path / "laws")
    assert len(ix) == len(docs) > 20_000
    cases = [("侵权责任 过错 损害", "民法典", 1165), ("借款合同 返还借款 利息", "民法典", 667),
             ("未订立书面劳动合同 二倍工资", "劳动合同法", 82)]
    for q, law, no in cases:
        hits = ix.search(q, k=10)
        assert any(h.metadata["short_name"] == law and h.metadata["article_no"] == no for h in hits), (q, [h.id for h in hits])
    hits = ix.search("经济补偿", k=5, where={"short_name": "劳动合同法"})
    assert hits and all(h.metadata["short_name"] == "劳动合同法" for h in hits)
    print(f"law index: {len(docs)} docs built in {build_s:.1f}s")
