"""StatuteQA with fakes: extractive answers, verified citations, hallucinations dropped, follow-ups, bad input."""

import pytest

from pipelines.legal import Answer, StatuteQA
from pipelines.legal.conversation import is_followup, merge_terms, normalize_history
from tests.plugins.legal_pipelines import FakeLLM, tok
from toolkit.errors import InvalidInputError


@pytest.fixture
def qa(fake_legal):
    return StatuteQA(fake_legal.backend(), tokenize=tok)


def test_extractive_answer_has_the_four_parts_and_each_article_once(qa, fake_legal):
    a = qa.ask("用人单位解除劳动合同没有给经济补偿怎么办？")
    assert isinstance(a, Answer) and a.mode == "extractive" and a.kind == "labour"
    assert "《中华人民共和国劳动合同法》第四十七条" in [s.citation for s in a.citations[:3]]
    for heading in ("### 结论", "### 怎么办", "### 注意", "### 依据"):
        assert a.text.count(heading) == 1, heading
    assert "不构成法律意见" in a.text and "not legal advice" not in a.text  # one language per answer
    en = qa.ask("用人单位解除劳动合同没有给经济补偿怎么办？", lang="en")
    assert "### Conclusion" in en.text and "not legal advice" in en.text and "不构成法律意见" not in en.text
    for s in a.structured.basis:  # every basis article quoted in full, exactly once
        for line in s.statute.text.split("\n"):
            assert a.text.replace("**", "").count(line) == 1, line
    assert a.checks and all(c.ok for c in a.checks) and not a.unverified
    assert len(a.structured.basis) <= qa.n_cite
    assert "### 依据" not in a.summary and "### 结论" in a.summary  # for a UI that shows articles in panels


def test_conclusion_clauses_are_verbatim_operative_clauses(qa):
    a = qa.ask("出租人不履行租赁物维修义务怎么办？")
    points = a.structured.conclusion
    assert points and all(p.text.rstrip("。") in p.statute.text for p in points)
    assert any(w in p.text for p in points for w in ("应当", "可以", "不得", "承担"))
    assert any(b.highlight and f"**{b.highlight}**" in a.text for b in a.structured.basis)


def test_hallucinated_citations_dropped_and_flagged(fake_legal, hallucinating_llm):
    qa = StatuteQA(fake_legal.backend(), hallucinating_llm, tokenize=tok)
    a = qa.ask("公司违法辞退我，怎么赔偿？")
    assert a.mode == "generated"
    assert "第九百九十九条" not in a.text and "精神损害抚慰金" not in a.text  # made-up article gone
    assert "第一百零七条" not in a.text  # repealed law gone
    assert sorted(c.status for c in a.dropped) == ["no_such_article", "not_current"]
    assert "2 处引用未通过核验" in a.text
    assert [s.article_no for s in a.citations] == [87]
    assert a.checks and all(c.ok for c in a.checks)
    assert "不构成法律意见" in a.text and "### 依据" in a.text
    prompt = hallucinating_llm.prompts[0]
    assert "【可引用的法条】" in prompt and "第八十七条" in prompt


def test_generated_citation_outside_retrieval_is_dropped(fake_legal):
    # 民法典 第1165条 exists and verifies, but it was not among the retrieved articles for this question.
    llm = FakeLLM("借款应按期归还。依据《中华人民共和国民法典》第一千一百六十五条，被告应赔偿。", capable=True)
    qa = StatuteQA(fake_legal.backend(), llm, tokenize=tok, k=2)
    a = qa.ask("借款人到期不返还借款，利息怎么算？")
    assert "第一千一百六十五条" not in a.text.split("### 依据")[0]
    assert a.dropped and "not among the retrieved" in a.text


def test_stream_generated_drops_bad_sentences(fake_legal, hallucinating_llm):
    qa = StatuteQA(fake_legal.backend(), hallucinating_llm, tokenize=tok)
    pieces = list(qa.stream("公司违法辞退我，怎么赔偿？"))
    text = "".join(pieces)
    assert len(pieces) > 2 and "第九百九十九条" not in text and "第八十七条" in text and "不构成法律意见" in text


def test_stream_extractive_matches_ask(qa):
    q = "借款人到期不返还借款怎么办？"
    assert "".join(qa.stream(q)).strip() == qa.ask(q).text.strip()


@pytest.mark.parametrize("bad", ["", "   \n", None, "借" * 2001])
def test_bad_questions_raise(qa, bad):
    with pytest.raises(InvalidInputError):
        qa.ask(bad)


def test_english_and_non_legal_questions_are_answered_bilingually(qa):
    en = qa.ask("What happens if my landlord refuses to repair the flat?")
    assert en.mode == "rejected" and "中文" in en.text and "Chinese" in en.text and not en.citations
    off = qa.ask("今天天气怎么样？")
    assert off.mode == "rejected" and "法律" in off.text and "legal question" in off.text and not off.citations


def test_followup_rewritten_by_merging_terms(qa, fake_legal):
    conv = qa.conversation()
    conv.ask("公司辞退我，没有给经济补偿怎么办？")
    b = conv.ask("那如果是试用期呢？")
    assert "经济补偿" in b.query and "试用期" in b.query and b.query.endswith("那如果是试用期呢？")
    assert fake_legal.searches[-1] == b.query
    c = conv.ask("借款人到期不返还借款怎么办？")  # stands alone: not rewritten
    assert c.query == "借款人到期不返还借款怎么办？"


def test_followup_rewritten_by_capable_model(fake_legal):
    def reply(prompt):
        if "【改写后的问题】" in prompt:
            assert "公司辞退我" in prompt and "那如果是试用期呢" in prompt
            return "改写后的问题：试用期内公司辞退员工需要支付经济补偿吗？\n"
        return "依据《中华人民共和国劳动合同法》第四十七条，需要按工作年限支付经济补偿。"

    qa = StatuteQA(fake_legal.backend(), FakeLLM(reply, capable=True), tokenize=tok)
    a = qa.ask("那如果是试用期呢？", history=[("公司辞退我要给补偿吗？", "……")])
    assert a.query == "试用期内公司辞退员工需要支付经济补偿吗？"


def test_history_formats_and_followup_detection():
    assert normalize_history([("问", "答")]) == [{"role": "user", "content": "问"}, {"role": "assistant", "content": "答"}]
    assert normalize_history([{"role": "human", "content": "x"}])[0]["role"] == "user"
    with pytest.raises(TypeError):
        normalize_history([42])
    assert is_followup("那如果是试用期呢？") and is_followup("这种情况可以要求双倍工资吗")
    assert not is_followup("用人单位违法解除劳动合同应当如何赔偿劳动者的损失")
    assert merge_terms("那试用期呢", "公司辞退没有补偿", tok) == "公司 辞退 补偿 那试用期呢"


def test_runnable_invoke_batch_stream(qa):
    r = qa.as_runnable()
    a = r.invoke("借款人到期不返还借款怎么办？")
    assert isinstance(a, Answer) and a.citations
    assert [x.mode for x in r.batch(["借款人到期不返还借款怎么办？", "What is this?"])] == ["extractive", "rejected"]
    assert "### 依据" in "".join(r.stream({"question": "借款人到期不返还借款怎么办？", "history": []}))
    with pytest.raises(InvalidInputError):
        r.invoke(42)


def test_answer_to_dict_is_json_ready(qa):
    import json

    d = qa.ask("借款人到期不返还借款怎么办？").to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False))["citations"][0]["law_name"].startswith("中华人民共和国")


def test_question_citing_an_article_gets_exactly_it(qa):
    a = qa.ask("民法典第1165条是什么意思？")
    assert [b.statute.article_no for b in a.structured.basis] == [1165] and a.citations[0].article_no == 1165


def test_question_citing_repealed_law_is_told_so(qa, fake_legal):
    a = qa.ask("合同法第107条规定的当事人一方不履行合同义务的违约责任现在还适用吗？")
    assert "已经失效" in a.text and "民法典" in a.text
    assert not a.unverified  # the note names the law only, never the dead article
    assert "第107条" not in fake_legal.searches[0]  # searched in the successor without the dead number
    assert a.citations and {s.law_name for s in a.citations} == {"中华人民共和国民法典"}


def test_stream_is_lazy(fake_legal):
    seen = []

    class Slow:
        capable = True

        def generate(self, prompt, **gen):
            return "".join(self.stream(prompt))

        def stream(self, prompt, **gen):
            for s in ("用人单位违法解除劳动合同的，", "应当支付赔偿金。", "依据《中华人民共和国劳动合同法》第八十七条处理。"):
                seen.append(s)
                yield s

    qa = StatuteQA(fake_legal.backend(), Slow(), tokenize=tok)
    it = qa.stream("公司违法辞退我，怎么赔偿？")
    first = next(it)
    assert first == "用人单位违法解除劳动合同的，应当支付赔偿金。" and len(seen) == 2  # shown before the rest was generated
    assert "第八十七条处理" in "".join(it)


def test_everyday_words_are_mapped_to_the_statute_wording(fake_legal):
    from dataclasses import replace

    calls = []

    def bridges(query):
        calls.append(query)
        return [("被炒", ("工作的年限", "不存在的用语甲")), ("没关系", ("不存在的用语乙",))]

    qa = StatuteQA(replace(fake_legal.backend(), statutory_terms=bridges), tokenize=tok)
    a = qa.ask("我被炒了，用人单位要给经济补偿吗？")
    assert calls == ["我被炒了，用人单位要给经济补偿吗？"]
    # The bridged statutory words pick the clause that answers: 经济补偿按劳动者在本单位工作的年限……
    b47 = next(b for b in a.structured.basis if b.statute.article_no == 47)
    assert "工作的年限" in b47.highlight
    assert "不存在的用语" not in a.text and "没关系" not in a.text


def test_a_failing_term_bridge_never_costs_the_answer(fake_legal):
    from dataclasses import replace

    def broken(query):
        raise RuntimeError("lexicon unavailable")

    a = StatuteQA(replace(fake_legal.backend(), statutory_terms=broken), tokenize=tok).ask("用人单位解除劳动合同没有给经济补偿怎么办？")
    assert a.mode == "extractive" and a.citations and a.structured.conclusion
