"""Retrieval pieces: bigram tokens, score fusion, parent expansion."""

from pipelines.qa.catalog import ChunkRow
from pipelines.qa.ngrams import BigramSegmenter, cjk_bigrams
from pipelines.qa.retrieval import context_for
from pipelines.qa.segments import Fusion


class _Words:
    def cut(self, text):
        return ["润物", "细", "无声"]


def test_bigrams_added_once():
    assert cjk_bigrams("润物细无声, ok 好雨") == ["润物", "物细", "细无", "无声", "好雨"]
    toks = BigramSegmenter(_Words()).cut_for_search("润物细无声")
    assert toks == ["润物", "细", "无声", "物细", "细无"]  # 润物/无声 are words already


def test_fusion_keeps_bm25_margins_and_counts_cosine_above_the_floor():
    pool = {"0": (2.0, 0.1), "1": (1.9, 0.9), "2": (0.0, 0.95), "3": (0.5, None)}

    def order(f):
        return sorted(pool, key=lambda i: -f.score(pool[i][0], 2.0, pool[i][1]))

    assert order(Fusion(0.0, 0.0)) == ["0", "1", "3", "2"]
    assert order(Fusion(1.0, 0.0))[:2] == ["1", "0"]
    assert Fusion(1.0, 0.5).dense_part(0.4) == 0.0 and Fusion(1.0, 0.5).dense_part(0.75) == 0.5
    assert Fusion(2.0, 0.2).score(0.0, 0.0, None) == 0.0


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
