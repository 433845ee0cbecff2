"""Retrieval pieces: bigram tokens, relative score fusion, parent expansion."""

from toolkit.index import Hit

from pipelines.qa.catalog import ChunkRow
from pipelines.qa.ngrams import BigramSegmenter, cjk_bigrams
from pipelines.qa.retrieval import context_for, relative_fusion


class _Words:
    def cut(self, text):
        return ["润物", "细", "无声"]


def test_bigrams_added_once():
    assert cjk_bigrams("润物细无声, ok 好雨") == ["润物", "物细", "细无", "无声", "好雨"]
    toks = BigramSegmenter(_Words()).cut_for_search("润物细无声")
    assert toks == ["润物", "细", "无声", "物细", "细无"]  # 润物/无声 are words already


def _hit(i, bm25, dense):
    return Hit(id=str(i), text="", metadata={}, score=0.0, bm25_score=bm25, dense_score=dense)


def test_relative_fusion_keeps_bm25_margins_and_lets_dense_fill():
    hits = [_hit(0, 2.0, 0.1), _hit(1, 1.9, 0.9), _hit(2, 0.0, 0.95), _hit(3, 0.5, None)]
    assert [h.id for h in relative_fusion(hits, 0.0)] == ["0", "1", "3", "2"]
    assert [h.id for h in relative_fusion(hits, 1.0)][:2] == ["1", "0"]
    fused = relative_fusion(hits, 0.5)
    assert fused[0].score >= fused[-1].score and relative_fusion([], 1.0) == []


def _row(i, section, text, continued=False, overlap=0):
    return ChunkRow(f"d:{i}", "d", i, section, None, (), continued, text, overlap)


def test_context_section_then_neighbours():
    section = [_row(0, 0, "甲" * 50), _row(1, 0, "乙" * 50), _row(2, 0, "丙" * 50), _row(3, 0, "丁" * 50)]
    ctx, how, ids = context_for(section[1], section, parent_chars=500)
    assert how == "section" and ids == ("d:0", "d:1", "d:2", "d:3")
    ctx, how, ids = context_for(section[1], section, parent_chars=160)
    assert how == "neighbors" and ids == ("d:0", "d:1", "d:2") and "乙" * 50 in ctx
    ctx, how, ids = context_for(section[0], section[:1], parent_chars=500)
    assert how == "none" and ctx == "甲" * 50
