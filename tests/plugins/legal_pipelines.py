"""Fakes for the legal pipelines: a tiny statute backend and scripted LLMs (no data, no model needed).

The article texts are real (copied from the pulled corpus) so the drafter's and StatuteQA's output
looks like the real thing; search is a character-bigram overlap ranking, verification a regex.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from tests.plugins.llm import ScriptedLLM

from toolkit.legal.numerals import cn_to_int
from toolkit.legal.records import CitationCheck, Statute

ARTICLES = (
    ('中华人民共和国民法典', 470, '第四百七十条', '合同的内容由当事人约定，一般包括下列条款：\n（一）当事人的姓名或者名称和住所；\n（二）标的；\n（三）数量；\n（四）质量；\n（五）价款或者报酬；\n（六）履行期限、地点和方式；\n（七）违约责任；\n（八）解决争议的方法。\n当事人可以参照各类合同的示范文本订立合同。', '第二章 合同的订立'),
    ('中华人民共和国民法典', 577, '第五百七十七条', '当事人一方不履行合同义务或者履行合同义务不符合约定的，应当承担继续履行、采取补救措施或者赔偿损失等违约责任。', '第八章 违约责任'),
    ('中华人民共和国民法典', 668, '第六百六十八条', '借款合同应当采用书面形式，但是自然人之间借款另有约定的除外。\n借款合同的内容一般包括借款种类、币种、用途、数额、利率、期限和还款方式等条款。', '第十二章 借款合同'),
    ('中华人民共和国民法典', 675, '第六百七十五条', '借款人应当按照约定的期限返还借款。对借款期限没有约定或者约定不明确，依据本法第五百一十条的规定仍不能确定的，借款人可以随时返还；贷款人可以催告借款人在合理期限内返还。', '第十二章 借款合同'),
    ('中华人民共和国民法典', 676, '第六百七十六条', '借款人未按照约定的期限返还借款的，应当按照约定或者国家有关规定支付逾期利息。', '第十二章 借款合同'),
    ('中华人民共和国民法典', 704, '第七百零四条', '租赁合同的内容一般包括租赁物的名称、数量、用途、租赁期限、租金及其支付期限和方式、租赁物维修等条款。', '第十四章 租赁合同'),
    ('中华人民共和国民法典', 708, '第七百零八条', '出租人应当按照约定将租赁物交付承租人，并在租赁期限内保持租赁物符合约定的用途。', '第十四章 租赁合同'),
    ('中华人民共和国民法典', 712, '第七百一十二条', '出租人应当履行租赁物的维修义务，但是当事人另有约定的除外。', '第十四章 租赁合同'),
    ('中华人民共和国民法典', 721, '第七百二十一条', '承租人应当按照约定的期限支付租金。对支付租金的期限没有约定或者约定不明确，依据本法第五百一十条的规定仍不能确定，租赁期限不满一年的，应当在租赁期限届满时支付；租赁期限一年以上的，应当在每届满一年时支付，剩余期限不满一年的，应当在租赁期限届满时支付。', '第十四章 租赁合同'),
    ('中华人民共和国民法典', 1165, '第一千一百六十五条', '行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。\n依照法律规定推定行为人有过错，其不能证明自己没有过错的，应当承担侵权责任。', '第一章 一般规定'),
    ('中华人民共和国民法典', 1179, '第一千一百七十九条', '侵害他人造成人身损害的，应当赔偿医疗费、护理费、交通费、营养费、住院伙食补助费等为治疗和康复支出的合理费用，以及因误工减少的收入。造成残疾的，还应当赔偿辅助器具费和残疾赔偿金；造成死亡的，还应当赔偿丧葬费和死亡赔偿金。', '第二章 损害赔偿'),
    ('中华人民共和国劳动合同法', 17, '第十七条', '劳动合同应当具备以下条款：\n（一）用人单位的名称、住所和法定代表人或者主要负责人；\n（二）劳动者的姓名、住址和居民身份证或者其他有效身份证件号码；\n（三）劳动合同期限；\n（四）工作内容和工作地点；\n（五）工作时间和休息休假；\n（六）劳动报酬；\n（七）社会保险；\n（八）劳动保护、劳动条件和职业危害防护；\n（九）法律、法规规定应当纳入劳动合同的其他事项。\n劳动合同除前款规定的必备条款外，用人单位与劳动者可以约定试用期、培训、保守秘密、补充保险和福利待遇等其他事项。', '第二章 劳动合同的订立'),
    ('中华人民共和国劳动合同法', 19, '第十九条', '劳动合同期限三个月以上不满一年的，试用期不得超过一个月；劳动合同期限一年以上不满三年的，试用期不得超过二个月；三年以上固定期限和无固定期限的劳动合同，试用期不得超过六个月。\n同一用人单位与同一劳动者只能约定一次试用期。\n以完成一定工作任务为期限的劳动合同或者劳动合同期限不满三个月的，不得约定试用期。\n试用期包含在劳动合同期限内。劳动合同仅约定试用期的，试用期不成立，该期限为劳动合同期限。', '第二章 劳动合同的订立'),
    ('中华人民共和国劳动合同法', 39, '第三十九条', '劳动者有下列情形之一的，用人单位可以解除劳动合同：\n（一）在试用期间被证明不符合录用条件的；\n（二）严重违反用人单位的规章制度的；\n（三）严重失职，营私舞弊，给用人单位造成重大损害的；\n（四）劳动者同时与其他用人单位建立劳动关系，对完成本单位的工作任务造成严重影响，或者经用人单位提出，拒不改正的；\n（五）因本法第二十六条第一款第一项规定的情形致使劳动合同无效的；\n（六）被依法追究刑事责任的。', '第四章 劳动合同的解除和终止'),
    ('中华人民共和国劳动合同法', 40, '第四十条', '有下列情形之一的，用人单位提前三十日以书面形式通知劳动者本人或者额外支付劳动者一个月工资后，可以解除劳动合同：\n（一）劳动者患病或者非因工负伤，在规定的医疗期满后不能从事原工作，也不能从事由用人单位另行安排的工作的；\n（二）劳动者不能胜任工作，经过培训或者调整工作岗位，仍不能胜任工作的；\n（三）劳动合同订立时所依据的客观情况发生重大变化，致使劳动合同无法履行，经用人单位与劳动者协商，未能就变更劳动合同内容达成协议的。', '第四章 劳动合同的解除和终止'),
    ('中华人民共和国劳动合同法', 47, '第四十七条', '经济补偿按劳动者在本单位工作的年限，每满一年支付一个月工资的标准向劳动者支付。六个月以上不满一年的，按一年计算；不满六个月的，向劳动者支付半个月工资的经济补偿。\n劳动者月工资高于用人单位所在直辖市、设区的市级人民政府公布的本地区上年度职工月平均工资三倍的，向其支付经济补偿的标准按职工月平均工资三倍的数额支付，向其支付经济补偿的年限最高不超过十二年。\n本条所称月工资是指劳动者在劳动合同解除或者终止前十二个月的平均工资。', '第四章 劳动合同的解除和终止'),
    ('中华人民共和国劳动合同法', 82, '第八十二条', '用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。\n用人单位违反本法规定不与劳动者订立无固定期限劳动合同的，自应当订立无固定期限劳动合同之日起向劳动者每月支付二倍的工资。', '第七章 法律责任'),
    ('中华人民共和国劳动合同法', 87, '第八十七条', '用人单位违反本法规定解除或者终止劳动合同的，应当依照本法第四十七条规定的经济补偿标准的二倍向劳动者支付赔偿金。', '第七章 法律责任'),
    ('中华人民共和国民事诉讼法', 124, '第一百二十四条', '起诉状应当记明下列事项：\n（一）原告的姓名、性别、年龄、民族、职业、工作单位、住所、联系方式，法人或者其他组织的名称、住所和法定代表人或者主要负责人的姓名、职务、联系方式；\n（二）被告的姓名、性别、工作单位、住所等信息，法人或者其他组织的名称、住所等信息；\n（三）诉讼请求和所根据的事实与理由；\n（四）证据和证据来源，证人姓名和住所。', '第十二章 第一审普通程序'),
)

SHORT = {"民法典": "中华人民共和国民法典", "劳动合同法": "中华人民共和国劳动合同法", "民事诉讼法": "中华人民共和国民事诉讼法"}
REPEALED = {"合同法": "中华人民共和国民法典", "中华人民共和国合同法": "中华人民共和国民法典"}
_CITE = re.compile(r"《?((?:中华人民共和国)?[\u4e00-\u9fff]{1,12}?法典?)》?第([0-9零〇一二两三四五六七八九十百千]+)条")


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return {a + b for a, b in zip(chars, chars[1:])}


class FakeLegal:
    """search_statutes / get_article / verify_citations over ARTICLES (counts calls for assertions)."""

    def __init__(self, articles=ARTICLES):
        self.statutes = [Statute(law, no, label, text, chapter, 1.0, short_name=law.replace("中华人民共和国", ""))
                         for law, no, label, text, chapter in articles]
        self.searches: list[str] = []

    def _law(self, name: str) -> str | None:
        name = name.strip("《》")
        return SHORT.get(name) or (name if name in SHORT.values() else None)

    def search_statutes(self, query: str, k: int = 10, law: str | None = None) -> list[Statute]:
        self.searches.append(query)
        q = _bigrams(query)
        pool = [s for s in self.statutes if law is None or s.law_name == self._law(law)]
        scored = sorted(((len(q & _bigrams(s.text)) / (1 + len(q)), i, s) for i, s in enumerate(pool)),
                        key=lambda t: (-t[0], t[1]))
        return [replace(s, score=round(sc, 4)) for sc, _, s in scored[:k] if sc > 0]

    def get_article(self, law: str, article_no: int, sub: int = 0) -> Statute | None:
        full = self._law(law)
        return next((s for s in self.statutes
                     if s.law_name == full and s.article_no == int(article_no) and s.sub == sub), None)

    def verify_citations(self, text: str) -> list[CitationCheck]:
        out = []
        for m in _CITE.finditer(text):
            name, no = m.group(1), cn_to_int(m.group(2))
            if name.endswith(("本法", "该法")):  # internal cross-reference inside an article
                continue
            full = self._law(name)
            s = self.get_article(full, no) if full else None
            if name.strip("《》") in REPEALED:
                status, law_name = "not_current", "中华人民共和国" + name.strip("《》").replace("中华人民共和国", "")
            elif full is None:
                status, law_name = "unknown_law", None
            else:
                status, law_name = ("ok" if s else "no_such_article"), full
            out.append(CitationCheck(m.group(0), law_name, no, status, s.text if s else None,
                                     span=(m.start(), m.end()), article_label=s.article_label if s else None,
                                     successor=REPEALED.get(name.strip("《》")) if status == "not_current" else None))
        return out

    def backend(self):
        from pipelines.legal.backend import LegalBackend

        return LegalBackend(self.search_statutes, self.get_article, self.verify_citations)


class FakeLLM(ScriptedLLM):
    """A scripted model: ``generate`` returns ``reply`` (a str, or a callable of the prompt)."""

    def __init__(self, reply="", capable: bool = False):
        super().__init__(reply, capable=capable, piece=7)


# A capable model that cites one real retrieved article, one it made up, and one repealed law.
HALLUCINATING_ANSWER = (
    "结论：用人单位违法解除劳动合同的，劳动者可以要求赔偿。"
    "根据《中华人民共和国劳动合同法》第八十七条，用人单位应当依照经济补偿标准的二倍向劳动者支付赔偿金。"
    "另依《劳动合同法》第九百九十九条，公司还须支付精神损害抚慰金十万元。"
    "《合同法》第一百零七条也规定了违约责任。"
    "建议保留劳动合同、工资流水等证据。"
)


@pytest.fixture
def fake_legal() -> FakeLegal:
    return FakeLegal()


@pytest.fixture
def hallucinating_llm() -> FakeLLM:
    return FakeLLM(HALLUCINATING_ANSWER, capable=True)


def tok(text):  # a deterministic tokenizer for tests: the known legal words present in the text
    words = ["用人单位", "劳动合同", "经济补偿", "辞退", "解除", "试用期", "借款", "返还", "利息", "租赁物", "维修",
             "出租人", "承租人", "租金", "赔偿金", "公司", "补偿", "工资", "侵权", "过错"]
    return sorted((w for w in words if w in text), key=text.find)
