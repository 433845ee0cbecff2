"""DocQA: extractive answers with the right citation, not-found, follow-ups, packing, generation, Runnable."""

import pytest

from pipelines.qa.docqa import DocQA, DocQAConfig
from pipelines.qa.extractive import confidence, is_followup, merge_followup
from pipelines.qa.packing import pack_chunks
from pipelines.qa.records import Chunk
from pipelines.qa.runnables import DocQARunnable, KBRetriever
from tests.plugins.kb import FakeLLM


def test_extractive_answer_cites_the_right_chunk(small_kb):
    a = DocQA(small_kb).ask("押金什么时候退还？")
    assert a.found and a.mode == "extractive"
    assert "七日内无息退还押金" in a.text and "[1]" in a.text
    assert a.citations[0].n == 1 and a.citations[0].source == "租赁合同.md"
    assert "七日内无息退还押金" in a.citations[0].chunk.context
    assert a.citations[0].chunk.heading_path == ("房屋租赁合同", "押金")


def test_every_quoted_sentence_is_in_its_cited_chunk(small_kb):
    a = DocQA(small_kb).ask("试用期工资最低是多少？")
    import re

    for quote, n in re.findall(r"“(.+?)” \[(\d+)\]", a.text):
        assert quote in a.citations[int(n) - 1].chunk.context


def test_not_found(small_kb):
    a = DocQA(small_kb).ask("火星探测器的发射窗口是哪一年？")
    assert not a.found and a.text.startswith("在文档中没有找到") and a.citations == ()


def test_confidence_rule_uses_terms_and_dense():
    seg = __import__("toolkit.text", fromlist=["default_segmenter"]).default_segmenter()
    hit = Chunk("押金七日内退还。", "a", "d", 1.0, bm25_score=2.0, dense_score=0.2)
    assert confidence("押金多久退还", [hit], seg).found
    miss = Chunk("押金七日内退还。", "a", "d", 1.0, bm25_score=0.0, dense_score=0.2)
    assert not confidence("火星探测器发射", [miss], seg).found
    partial = Chunk("押金七日内退还。", "a", "d", 1.0, bm25_score=1.0, dense_score=0.9)
    assert confidence("押金返还的规则", [partial], seg).found  # some terms + strong dense evidence
    assert not confidence("押金返还的规则", [partial], seg, min_dense=0.95).found


def test_followup_rewrite_without_capable_model(small_kb):
    history = [{"role": "user", "content": "劳动合同的试用期最长多久？"}, {"role": "assistant", "content": "…"}]
    assert is_followup("那工资呢？", history) and not is_followup("押金什么时候退还？", [])
    qa = DocQA(small_kb)
    q = qa.rewrite("那工资呢？", history)
    assert "试用期" in q and q.endswith("那工资呢？")
    a = qa.ask("那工资呢？", history)
    assert a.search_query == q and "百分之八十" in a.text
    assert merge_followup("押金什么时候退还？", [], qa.segmenter) == "押金什么时候退还？"


def test_followup_rewrite_with_capable_model(small_kb):
    llm = FakeLLM(reply="劳动合同试用期的工资标准是多少？\n多余的行")
    qa = DocQA(small_kb, llm=llm)
    q = qa.rewrite("那工资呢？", [{"role": "user", "content": "试用期最长多久？"}])
    assert q == "劳动合同试用期的工资标准是多少？"
    assert "那工资呢？" in llm.prompts[0] and "试用期最长多久？" in llm.prompts[0]


def _chunks(n, size):
    return [Chunk("字" * size, "s.txt", "d", 1.0 / (i + 1), chunk_id=f"d:{i}") for i in range(n)]


def test_packing_keeps_whole_chunks_and_reports_drops():
    chunks = _chunks(5, 100)
    p = pack_chunks(chunks, budget=250, count_tokens=len)
    assert [c.chunk_id for c in p.chunks] == ["d:0", "d:1"]
    assert all(c.context == "字" * 100 for c in p.chunks)  # nothing cut
    assert [c.chunk_id for c in p.dropped] == ["d:2", "d:3", "d:4"] and "left out" in p.note


def test_packing_falls_back_from_section_to_chunk():
    big = Chunk("甲" * 50, "s.txt", "d", 1.0, chunk_id="d:1", context="乙" * 500, expansion="section", context_chunk_ids=("d:0", "d:1", "d:2"))
    p = pack_chunks([big], budget=100, count_tokens=len)
    assert p.chunks[0].context == "甲" * 50 and p.chunks[0].expansion == "none"


def test_generative_answer_packs_to_small_context_and_checks_citations(kb_factory):
    kb = kb_factory()
    texts = [f"第{i}号合同。承租人交付押金{i}千元，租赁期满后出租人应当在{i}日内退还押金。" + "其他条款从略。" * 8 for i in range(1, 7)]
    kb.add_texts(texts, [{"source": f"合同{i}.txt"} for i in range(1, 7)])
    llm = FakeLLM(reply="押金在租期届满后七日内退还 [1]，另见 [9]。", context_length=700)
    qa = DocQA(kb, llm=llm, config=DocQAConfig(answer_tokens=100))
    a = qa.ask("押金什么时候退还？")
    assert a.mode == "generative" and a.found
    assert a.invalid_citations == (9,) and "[9]" not in a.text and "[1]" in a.text
    prompt = llm.prompts[-1]
    assert len(prompt) <= 700 - 100  # the fake tokenizer counts characters
    for c in a.citations:  # every chunk given to the model is there whole
        assert c.chunk.context in prompt
    assert a.dropped and any("left out" in n for n in a.notes)  # the rest is reported, not cut


def test_context_too_small_is_an_error(small_kb):
    from toolkit.errors import InvalidInputError

    qa = DocQA(small_kb, llm=FakeLLM(context_length=200), config=DocQAConfig(answer_tokens=150))
    with pytest.raises(InvalidInputError, match="context too short"):
        qa.ask("押金什么时候退还？")


def test_stream_and_runnable(small_kb):
    llm = FakeLLM(reply="押金七日内退还 [1]。")
    qa = DocQA(small_kb, llm=llm)
    pieces = list(qa.stream("押金什么时候退还？"))
    assert len(pieces) > 1 and "".join(pieces) == llm.reply
    chain = DocQARunnable(DocQA(small_kb))
    a = chain.invoke("押金什么时候退还？")
    assert a.citations[0].source == "租赁合同.md"
    batch = chain.batch(["押金什么时候退还？", {"question": "试用期最长多久？", "history": None}])
    assert [b.citations[0].source for b in batch] == ["租赁合同.md", "劳动合同法.txt"]
    assert "押金" in "".join(chain.stream("押金什么时候退还？"))
    docs = KBRetriever(kb=small_kb, k=2).invoke("押金")
    assert docs[0].metadata["source"] == "租赁合同.md"


def test_extractive_quote_runs_on_and_skips_labels():
    from pipelines.qa.extractive import best_sentences, confidence, evidence_text
    from pipelines.qa.records import Chunk
    from toolkit.text import Segmenter

    seg = Segmenter(dicts=())
    poem = Chunk("", "李清照集.md", "d1", 1.0, heading_path=("李清照集", "如梦令"), bm25_score=1.0,
                 dense_score=0.0, context="李清照集\n常记溪亭日暮，沉醉不知归路。兴尽晚回舟，误入藕花深处。争渡，争渡，惊起一滩鸥鹭。")
    picks = best_sentences("李清照误入藕花深处，惊起了什么", [poem], seg, max_sentences=1, quote_chars=20)
    assert picks[0][1].startswith("兴尽晚回舟") and "惊起一滩鸥鹭" in picks[0][1]  # the answer follows the match
    alone = best_sentences("李清照误入藕花深处", [poem], seg, max_sentences=3)
    assert all(q != "李清照集" for _, q, _ in alone)  # the document's title is not quoted
    assert "李清照集.md" in evidence_text(poem)
    # the poet's name lives in the document name: it counts as evidence that the text answers the question
    assert confidence("李清照 藕花", [poem], seg).coverage == 1.0


def test_expansion_terms_count_as_evidence_for_lay_words():
    from pipelines.qa.expansion import legal_expander
    from pipelines.qa.extractive import coverage

    text = "用人单位由于生产经营需要，经与工会和劳动者协商后可以延长工作时间，每月不得超过三十六小时。"
    alternatives = {"加班": ("延长工作时间", "加班费"), "足球": ("风险",)}
    assert coverage(["加班", "小时"], text) == 0.5
    assert coverage(["加班", "小时"], text, alternatives) == 1.0  # 加班 → 延长工作时间, in the text
    assert coverage(["足球"], "具有一定风险的活动", alternatives) == 0.0  # two-character formal terms are not evidence
    alts = legal_expander().alternatives("公司让我天天加班")
    assert alts and all(p in "公司让我天天加班" for p in alts)
