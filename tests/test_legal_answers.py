"""Structured legal answers (结论 / 依据 / 怎么办 / 注意) with fakes: procedure steps verified, the layout
template shared by both modes, follow-up facts, bad input. No data or model needed."""

import pytest

from pipelines.legal import StatuteQA
from pipelines.legal.qa import split_sections
from tests.plugins import legal_pipelines as lp
from tests.plugins.legal_pipelines import FakeLLM
from tests.plugins.legal_pipelines import tok

# Real texts of the procedural articles the labour / loan / tenancy steps rest on (from the pulled corpus).
PROCEDURE_ARTICLES = (
    ('中华人民共和国劳动争议调解仲裁法', 4, '第四条', '发生劳动争议，劳动者可以与用人单位协商，也可以请工会或者第三方共同与用人单位协商，达成和解协议。', '第一章 总则'),
    ('中华人民共和国劳动争议调解仲裁法', 5, '第五条', '发生劳动争议，当事人不愿协商、协商不成或者达成和解协议后不履行的，可以向调解组织申请调解；不愿调解、调解不成或者达成调解协议后不履行的，可以向劳动争议仲裁委员会申请仲裁；对仲裁裁决不服的，除本法另有规定的外，可以向人民法院提起诉讼。', '第一章 总则'),
    ('中华人民共和国劳动争议调解仲裁法', 6, '第六条', '发生劳动争议，当事人对自己提出的主张，有责任提供证据。与争议事项有关的证据属于用人单位掌握管理的，用人单位应当提供；用人单位不提供的，应当承担不利后果。', '第一章 总则'),
    ('中华人民共和国劳动争议调解仲裁法', 27, '第二十七条', '劳动争议申请仲裁的时效期间为一年。仲裁时效期间从当事人知道或者应当知道其权利被侵害之日起计算。\n前款规定的仲裁时效，因当事人一方向对方当事人主张权利，或者向有关部门请求权利救济，或者对方当事人同意履行义务而中断。从中断时起，仲裁时效期间重新计算。\n因不可抗力或者有其他正当理由，当事人不能在本条第一款规定的仲裁时效期间申请仲裁的，仲裁时效中止。从中止时效的原因消除之日起，仲裁时效期间继续计算。\n劳动关系存续期间因拖欠劳动报酬发生争议的，劳动者申请仲裁不受本条第一款规定的仲裁时效期间的限制；但是，劳动关系终止的，应当自劳动关系终止之日起一年内提出。', '第三章 仲裁'),
    ('中华人民共和国劳动争议调解仲裁法', 50, '第五十条', '当事人对本法第四十七条规定以外的其他劳动争议案件的仲裁裁决不服的，可以自收到仲裁裁决书之日起十五日内向人民法院提起诉讼；期满不起诉的，裁决书发生法律效力。', '第三章 仲裁'),
    ('中华人民共和国劳动合同法', 77, '第七十七条', '劳动者合法权益受到侵害的，有权要求有关部门依法处理，或者依法申请仲裁、提起诉讼。', '第六章 监督检查'),
    ('中华人民共和国民事诉讼法', 67, '第六十七条', '当事人对自己提出的主张，有责任提供证据。\n当事人及其诉讼代理人因客观原因不能自行收集的证据，或者人民法院认为审理案件需要的证据，人民法院应当调查收集。\n人民法院应当按照法定程序，全面地、客观地审查核实证据。', '第六章 证据'),
    ('中华人民共和国民事诉讼法', 122, '第一百二十二条', '起诉必须符合下列条件：\n（一）原告是与本案有直接利害关系的公民、法人和其他组织；\n（二）有明确的被告；\n（三）有具体的诉讼请求和事实、理由；\n（四）属于人民法院受理民事诉讼的范围和受诉人民法院管辖。', '第十二章 第一审普通程序'),
    ('中华人民共和国民事诉讼法', 225, '第二百二十五条', '债权人请求债务人给付金钱、有价证券，符合下列条件的，可以向有管辖权的基层人民法院申请支付令：\n（一）债权人与债务人没有其他债务纠纷的；\n（二）支付令能够送达债务人的。\n申请书应当写明请求给付金钱或者有价证券的数量和所根据的事实、证据。', '第十七章 督促程序'),
    ('中华人民共和国人民调解法', 17, '第十七条', '当事人可以向人民调解委员会申请调解；人民调解委员会也可以主动调解。当事人一方明确拒绝调解的，不得调解。', '第四章 调解程序'),
    ('中华人民共和国人民调解法', 33, '第三十三条', '经人民调解委员会调解达成调解协议后，双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认，人民法院应当及时对调解协议进行审查，依法确认调解协议的效力。\n人民法院依法确认调解协议有效，一方当事人拒绝履行或者未全部履行的，对方当事人可以向人民法院申请强制执行。\n人民法院依法确认调解协议无效的，当事人可以通过人民调解方式变更原调解协议或者达成新的调解协议，也可以向人民法院提起诉讼。', '第五章 调解协议'),
    ('中华人民共和国民法典', 188, '第一百八十八条', '向人民法院请求保护民事权利的诉讼时效期间为三年。法律另有规定的，依照其规定。\n诉讼时效期间自权利人知道或者应当知道权利受到损害以及义务人之日起计算。法律另有规定的，依照其规定。但是，自权利受到损害之日起超过二十年的，人民法院不予保护，有特殊情况的，人民法院可以根据权利人的申请决定延长。', '第九章 诉讼时效'),
    ('中华人民共和国民法典', 195, '第一百九十五条', '有下列情形之一的，诉讼时效中断，从中断、有关程序终结时起，诉讼时效期间重新计算：\n（一）权利人向义务人提出履行请求；\n（二）义务人同意履行义务；\n（三）权利人提起诉讼或者申请仲裁；\n（四）与提起诉讼或者申请仲裁具有同等效力的其他情形。', '第九章 诉讼时效'),
)
LAWS = {**lp.SHORT, **{law.removeprefix("中华人民共和国"): law for law, *_ in PROCEDURE_ARTICLES}}


class ProcedureLegal(lp.FakeLegal):
    """The fake statute DB plus the procedural articles (and their laws' short names)."""

    def __init__(self):
        super().__init__(lp.ARTICLES + PROCEDURE_ARTICLES)

    def _law(self, name):
        name = name.strip("《》")
        return LAWS.get(name) or (name if name in LAWS.values() else None)

    def search_statutes(self, query, k=10, law=None):  # search finds substantive law only, as in the real DB
        hits = super().search_statutes(query, k=50, law=law)
        return [s for s in hits if (s.law_name, s.article_no) not in {(a[0], a[1]) for a in PROCEDURE_ARTICLES}][:k]


@pytest.fixture
def legal():
    return ProcedureLegal()


@pytest.fixture
def qa(legal):
    return StatuteQA(legal.backend(), tokenize=tok)


def test_labour_answer_steps_follow_labour_procedure_with_the_one_year_limit(qa):
    a = qa.ask("用人单位解除劳动合同没有给经济补偿怎么办？")
    assert a.kind == "labour" and not a.unverified and "这属于劳动争议" in a.text
    steps = a.structured.steps
    assert [v.step.stage for v in steps][:2] == ["证据", "协商"]
    limit = next(v for v in steps if v.statute.article_no == 27)
    assert limit.step.limit and "一年" in limit.step.action
    todo = a.text.split("### 怎么办")[1].split("### 注意")[0]
    assert "《中华人民共和国劳动争议调解仲裁法》第二十七条：“劳动争议申请仲裁的时效期间为一年" in todo and "⏰" in todo
    # every step's article is cited and verified; the basis articles come first
    assert a.citations[: len(a.structured.basis)] == [b.statute for b in a.structured.basis]
    assert {v.statute for v in steps} <= set(a.citations)
    assert all(c.ok for c in a.checks)


def test_loan_answer_gets_civil_steps_and_the_three_year_limit(qa):
    a = qa.ask("朋友借款到期不返还借款怎么办？")
    assert a.kind == "loan_contract"
    cited = {(v.statute.law_name, v.statute.article_no) for v in a.structured.steps}
    assert ("中华人民共和国民法典", 188) in cited and ("中华人民共和国民事诉讼法", 225) in cited  # 支付令 for money
    assert "诉讼时效期间为三年" in a.text


def test_steps_whose_article_is_missing_are_left_out(fake_legal):
    a = StatuteQA(fake_legal.backend(), tokenize=tok).ask("用人单位解除劳动合同没有给经济补偿怎么办？")
    assert a.structured.steps == () and not a.unverified  # the plain fake has no procedural articles
    assert "### 怎么办" in a.text


def test_layout_template_edit_changes_both_modes(legal, tmp_path):
    from toolkit.prompts import PromptRegistry

    reg = PromptRegistry(user_dir=tmp_path)
    text = reg.get("legal_answer_layout").text.replace("### {{ \"What to do\" if en else \"怎么办\" }}", "### 下一步（已改版式）")
    reg.save("legal_answer_layout", text)
    extractive = StatuteQA(legal.backend(), prompts=reg, tokenize=tok).ask("借款人到期不返还借款怎么办？")
    reply = "结论：借款人应当按期返还借款（《中华人民共和国民法典》第六百七十五条）。\n怎么办：先催告，再起诉。\n注意：以上仅供参考。"
    generated = StatuteQA(legal.backend(), FakeLLM(reply, capable=True), prompts=reg, tokenize=tok).ask("借款人到期不返还借款怎么办？")
    for a in (extractive, generated):
        assert "### 下一步（已改版式）" in a.text and "### 怎么办" not in a.text, a.mode
    assert {extractive.mode, generated.mode} == {"extractive", "generated"}


def test_english_headings_when_asked(qa):
    a = qa.ask("借款人到期不返还借款怎么办？", lang="en")
    assert "### Conclusion" in a.text and "### What to do" in a.text and "### 结论" not in a.text


def test_generated_answer_sections_are_kept_and_a_missing_time_limit_added(legal):
    reply = ("结论：公司违法解除劳动合同，应当按经济补偿标准的二倍支付赔偿金（《中华人民共和国劳动合同法》第八十七条）。"
             "依《劳动合同法》第九百九十九条还须支付十万元。\n"
             "怎么办：\n1. 保留劳动合同和解除通知。\n2. 向劳动争议仲裁委员会申请仲裁。\n"
             "注意：\n工作年限不同，金额不同。")
    qa = StatuteQA(legal.backend(), FakeLLM(reply, capable=True), tokenize=tok)
    a = qa.ask("公司违法解除劳动合同，怎么赔偿？")
    assert a.mode == "generated" and not a.unverified
    assert "第九百九十九条" not in a.text and "十万元" not in a.text and "未通过核验" in a.text
    assert "二倍" in a.text.split("### 怎么办")[0] and "申请仲裁" in a.text
    assert "工作年限不同" in a.text.split("### 注意")[1]
    # the model named no time limit: the table's are added, each with its verified article
    assert [v.statute.article_no for v in a.structured.steps] == [27, 50]
    assert a.citations[0].article_no == 87


def test_split_sections():
    parts = split_sections("开头。\n**结论**：可以。\n## 怎么办\n1. 起诉。\n【注意】事实不同结论不同。\n法律依据：略")
    assert parts == {"结论": "开头。\n可以。", "怎么办": "1. 起诉。", "注意": "事实不同结论不同。"}


def test_followup_keeps_the_facts_and_never_shows_the_search_string(qa, legal):
    conv = qa.conversation()
    conv.ask("朋友2023年5月向我借款3000元，到期不返还借款怎么办？")
    b = conv.ask("那如果没有借条呢？")
    assert b.query != "那如果没有借条呢？" and legal.searches[-1] == b.query
    assert "3000元" in b.text and "2023年5月" in b.text and "朋友" in b.text
    assert "检索用语" not in b.text and b.query not in b.text


@pytest.mark.parametrize("question, expect", [
    ("我该怎么办？", "太笼统"),
    ("律师你好，请问一下", "太笼统"),
    ("写一首诗", "写作请求"),
])
def test_bad_input_gets_a_specific_reply(qa, legal, question, expect):
    a = qa.ask(question)
    assert a.mode == "rejected" and expect in a.text and not a.citations
    assert "第" not in a.text  # never a list of articles


def test_english_question_answered_in_english_first(qa):
    a = qa.ask("My landlord keeps my deposit, what can I do?")
    assert a.mode == "rejected" and a.text.startswith("Please ask in Chinese") and "请用中文提问" in a.text


def test_vague_followup_in_a_conversation_is_not_rejected(qa):
    conv = qa.conversation()
    conv.ask("用人单位解除劳动合同没有给经济补偿怎么办？")
    assert conv.ask("我该怎么办？").mode == "extractive"
