"""Pleadings: 民事起诉状 (民事诉讼法第123、124条), its 民间借贷 要素式 variant, 民事答辩状 (第128条)
and 民事上诉状 (第171-173条)."""

from __future__ import annotations

from .. import validators as v
from .base import Block, DocSchema, FieldSpec, cite_sentence, date_or_today, items, party_fields, party_line

CPL = "民事诉讼法"
ID_A = v.make_id_number("110105", "19850301", 12, True)  # fictional, checksum-valid
ID_B = v.make_id_number("310104", "19900715", 3, False)
ID_C = v.make_id_number("440106", "19780520", 7, True)


def _reasons(say, statutes, facts: str) -> list[Block]:
    blocks = [Block("para", p) for p in facts.split("\n") if p.strip()]
    blocks.append(Block("para", say("reasons_closing", cite=cite_sentence(statutes))))
    return blocks


def _evidence(values: dict) -> list[Block]:
    out = items(values.get("evidence") or ["（待补充）"])
    if values.get("witnesses"):
        out.append(Block("para", "证人：" + "；".join(values["witnesses"])))
    return out


def _ending(values: dict, court: str, signer_role: str, signer_key: str, copies_note: str) -> list[Block]:
    return [
        Block("para", "此致"),
        Block("flush", court),  # the addressee starts at the left margin, under the indented 此致
        Block("para", copies_note),
        Block("right", f"{signer_role}（签名或盖章）：{values[signer_key]}"),
        Block("right", date_or_today(values)),
    ]


COMMON_TAIL = (
    FieldSpec("evidence", "证据和证据来源", "list", True, "每行一项，写明证据名称和来源"),
    FieldSpec("witnesses", "证人姓名和住所", "list", False),
    FieldSpec("date", "落款日期", "date", False, "默认今天"),
)


# ---- 民事起诉状 -----------------------------------------------------------------------------------
def build_complaint(values, statutes, facts, say) -> list[Block]:
    copies = values.get("copies") or 1
    return [
        Block("title", "民事起诉状"),
        Block("para", party_line(values, "plaintiff", "原告")),
        Block("para", party_line(values, "defendant", "被告")),
        Block("heading", "诉讼请求"),
        *items(values["claims"]),
        Block("heading", "事实与理由"),
        *_reasons(say, statutes, facts),
        Block("heading", "证据和证据来源，证人姓名和住所"),
        *_evidence(values),
        *_ending(values, values["court"], "具状人", "plaintiff_name", f"附：本起诉状副本{copies}份"),
    ]


COMPLAINT = DocSchema(
    name="民事起诉状",
    description="向人民法院提起民事诉讼的起诉状（民事诉讼法第一百二十四条）",
    fields=(
        *party_fields("plaintiff", "原告"),
        *party_fields("defendant", "被告", id_required=False, phone_required=False),
        FieldSpec("court", "受诉人民法院", "str", True, "如 北京市朝阳区人民法院"),
        FieldSpec("cause", "案由", "str", False, "如 民间借贷纠纷（用于检索法律依据）"),
        FieldSpec("claims", "诉讼请求", "list", True, "每行一项请求"),
        FieldSpec("facts", "事实与理由", "text", True, "按时间顺序写明事实经过"),
        FieldSpec("copies", "副本份数", "int", False, "按被告人数", 1),
        *COMMON_TAIL,
    ),
    sections=("民事起诉状", "原告：", "被告：", "诉讼请求", "事实与理由", "证据和证据来源", "此致", "具状人"),
    basis=((CPL, 123), (CPL, 124)),
    example={
        "plaintiff_name": "张明", "plaintiff_ethnicity": "汉族", "plaintiff_occupation": "个体经营者",
        "plaintiff_address": "北京市朝阳区建国路88号院3号楼502室", "plaintiff_id_number": ID_A,
        "plaintiff_phone": "13800138000",
        "defendant_name": "李华", "defendant_address": "北京市海淀区中关村大街27号1单元301室",
        "defendant_id_number": ID_B, "defendant_phone": "13900139000",
        "court": "北京市朝阳区人民法院", "cause": "民间借贷纠纷",
        "claims": ["判令被告偿还借款本金人民币50000元；",
                   "判令被告按年利率3.45%支付自2024年7月1日起至实际清偿之日止的逾期利息；",
                   "本案诉讼费用由被告承担。"],
        "facts": "2024年1月1日，被告因资金周转需要向原告借款人民币50000元，双方签订借条，约定于2024年6月30日前归还。"
                 "原告当日通过银行转账向被告支付了全部借款。借款到期后，经原告多次催讨，被告至今未归还借款本金及利息。",
        "evidence": ["借条原件一份，证明双方存在借贷关系（来源：原告持有）",
                     "银行转账记录一份，证明原告已实际交付借款（来源：中国工商银行）",
                     "微信聊天记录截图若干，证明原告多次催讨（来源：原告手机）"],
        "date": "2024-09-01",
    },
    build=build_complaint,
    query=lambda vals: f"{vals.get('cause') or ''} {' '.join(vals['claims'])} {vals['facts']}",
    facts_field="facts",
)


# ---- 民事起诉状（民间借贷·要素式） ------------------------------------------------------------------
ELEMENT_FIELDS = (
    ("loan_amount", "借款本金", "money", True, ""),
    ("interest_claim", "利息（请求）", "str", True, "如 以50000元为基数按年利率3.45%自2024年7月1日起计算至实际清偿之日止"),
    ("guarantee_claim", "是否主张担保权利", "str", False, "如 否"),
    ("costs_claim", "是否主张实现债权的费用", "str", False, "如 律师费5000元"),
    ("contract_signing", "合同签订情况（名称、编号、签订日期、地点）", "str", True, ""),
    ("loan_date", "借款提供时间", "date", True, ""),
    ("loan_term", "借款期限", "str", True, "如 2024年1月1日至2024年6月30日"),
    ("interest_rate", "借款利率", "str", True, "如 年利率3.45%；未约定填 未约定"),
    ("delivery", "借款提供方式", "str", True, "如 银行转账至被告账户"),
    ("repayment", "还款情况", "str", True, "如 未归还任何本金和利息"),
    ("guarantee", "担保情况", "str", False, "如 无"),
    ("other", "其他需要说明的内容", "text", False, ""),
)


def build_loan_elements(values, statutes, facts, say) -> list[Block]:
    amount = values["loan_amount"]
    claims = [f"本金：{v.format_money(amount)}", f"利息：{values['interest_claim']}",
              f"是否主张担保权利：{values.get('guarantee_claim') or '否'}",
              f"是否主张实现债权的费用：{values.get('costs_claim') or '否'}"]
    claims += [f"其他请求：{c}" for c in values.get("claims") or []]
    facts_items = [
        f"合同签订情况：{values['contract_signing']}",
        f"借款金额：{v.format_money(amount)}",
        f"借款期限：{values['loan_term']}",
        f"借款利率：{values['interest_rate']}",
        f"借款提供时间：{v.format_date(values['loan_date'])}",
        f"借款提供方式：{values['delivery']}",
        f"还款情况：{values['repayment']}",
        f"担保情况：{values.get('guarantee') or '无'}",
    ]
    if values.get("other"):
        facts_items.append(f"其他需要说明的内容：{values['other']}")
    cite = cite_sentence(statutes, "请求依据：")
    return [
        Block("title", "民事起诉状"),
        Block("subtitle", "（民间借贷纠纷·要素式）"),
        Block("heading", "当事人信息"),
        Block("para", party_line(values, "plaintiff", "原告")),
        Block("para", party_line(values, "defendant", "被告")),
        Block("heading", "诉讼请求"),
        *items(claims),
        Block("heading", "事实与理由"),
        *items(facts_items),
        *([Block("para", cite + "。")] if cite else []),
        Block("heading", "证据和证据来源，证人姓名和住所"),
        *_evidence(values),
        *_ending(values, values["court"], "具状人", "plaintiff_name", f"附：本起诉状副本{values.get('copies') or 1}份"),
    ]


LOAN_ELEMENTS = DocSchema(
    name="民事起诉状",
    variant="要素式",
    description="民间借贷纠纷要素式起诉状（按要素逐项填写）",
    fields=(
        *party_fields("plaintiff", "原告"),
        *party_fields("defendant", "被告", id_required=False, phone_required=False),
        FieldSpec("court", "受诉人民法院", "str", True),
        *(FieldSpec(n, lab, t, r, h) for n, lab, t, r, h in ELEMENT_FIELDS),
        FieldSpec("claims", "其他诉讼请求", "list", False, "如 诉讼费用由被告承担", ()),
        FieldSpec("copies", "副本份数", "int", False, "", 1),
        *COMMON_TAIL,
    ),
    sections=("民事起诉状", "要素式", "当事人信息", "诉讼请求", "本金", "利息", "事实与理由", "借款金额",
              "借款期限", "借款利率", "还款情况", "证据和证据来源", "此致", "具状人"),
    basis=((CPL, 124),),
    example={
        **{k: COMPLAINT.example[k] for k in COMPLAINT.example if k.startswith(("plaintiff", "defendant"))},
        "court": "北京市朝阳区人民法院",
        "loan_amount": "50000",
        "interest_claim": "以50000元为基数，按年利率3.45%自2024年7月1日起计算至实际清偿之日止",
        "guarantee_claim": "否", "costs_claim": "否",
        "contract_signing": "2024年1月1日在北京市朝阳区签订借条一份",
        "loan_date": "2024年1月1日", "loan_term": "2024年1月1日至2024年6月30日",
        "interest_rate": "借期内未约定利息，逾期利息按年利率3.45%计算", "delivery": "银行转账至被告尾号1234的账户",
        "repayment": "被告未归还任何本金和利息", "guarantee": "无",
        "claims": ["本案诉讼费用由被告承担"],
        "evidence": COMPLAINT.example["evidence"],
        "date": "2024-09-01",
    },
    build=build_loan_elements,
    query=lambda vals: f"民间借贷 借款人未按照约定期限返还借款 逾期利息 {vals['repayment']}",
)


# ---- 民事答辩状 -----------------------------------------------------------------------------------
def build_defense(values, statutes, facts, say) -> list[Block]:
    return [
        Block("title", "民事答辩状"),
        Block("para", party_line(values, "respondent", "答辩人")),
        Block("para", party_line(values, "plaintiff", "被答辩人")),
        Block("para", say("defense_opening", plaintiff=values["plaintiff_name"], cause=values["cause"],
                          case_no=values.get("case_no"))),
        Block("heading", "答辩请求"),
        *items(values["defense_requests"]),
        Block("heading", "答辩意见（事实与理由）"),
        *_reasons(say, statutes, facts),
        Block("heading", "证据和证据来源，证人姓名和住所"),
        *_evidence(values),
        *_ending(values, values["court"], "答辩人", "respondent_name", "附：本答辩状副本1份"),
    ]


DEFENSE = DocSchema(
    name="民事答辩状",
    description="被告收到起诉状副本后十五日内提出的答辩状（民事诉讼法第一百二十八条）",
    fields=(
        *party_fields("respondent", "答辩人"),
        *party_fields("plaintiff", "被答辩人", id_required=False, phone_required=False),
        FieldSpec("court", "受诉人民法院", "str", True),
        FieldSpec("cause", "案由", "str", True, "如 民间借贷纠纷"),
        FieldSpec("case_no", "案号", "str", False, "如 （2024）京0105民初12345号"),
        FieldSpec("defense_requests", "答辩请求", "list", True),
        FieldSpec("facts", "答辩意见（事实与理由）", "text", True),
        *COMMON_TAIL,
    ),
    sections=("民事答辩状", "答辩人：", "被答辩人：", "答辩请求", "事实与理由", "证据和证据来源", "此致", "答辩人（签名"),
    basis=((CPL, 128),),
    example={
        "respondent_name": "李华", "respondent_ethnicity": "汉族", "respondent_id_number": ID_B,
        "respondent_address": "北京市海淀区中关村大街27号1单元301室", "respondent_phone": "13900139000",
        "plaintiff_name": "张明", "plaintiff_address": "北京市朝阳区建国路88号院3号楼502室",
        "court": "北京市朝阳区人民法院", "cause": "民间借贷纠纷", "case_no": "（2024）京0105民初12345号",
        "defense_requests": ["请求依法驳回被答辩人关于逾期利息的诉讼请求。"],
        "facts": "答辩人确于2024年1月1日向被答辩人借款人民币50000元。2024年5月10日，答辩人已通过银行转账向被答辩人归还人民币20000元，"
                 "被答辩人在起诉时隐瞒了该部分还款。双方借条未约定利息，剩余本金答辩人愿意分期归还。",
        "evidence": ["银行转账凭证一份，证明答辩人已归还20000元（来源：中国建设银行）"],
        "date": "2024-09-20",
    },
    build=build_defense,
    query=lambda vals: f"{vals['cause']} {' '.join(vals['defense_requests'])} {vals['facts']}",
    facts_field="facts",
)


# ---- 民事上诉状 -----------------------------------------------------------------------------------
def build_appeal(values, statutes, facts, say) -> list[Block]:
    judged = v.format_date(values["judgment_date"]) if values.get("judgment_date") else ""
    return [
        Block("title", "民事上诉状"),
        Block("para", party_line(values, "appellant", "上诉人（原审" + values["appellant_role"] + "）")),
        Block("para", party_line(values, "appellee", "被上诉人（原审" + values["appellee_role"] + "）")),
        Block("para", say("appeal_opening", cause=values["cause"], original_court=values["original_court"],
                          judged=judged, original_case_no=values["original_case_no"])),
        Block("heading", "原审人民法院名称、案件编号和案由"),
        Block("para", f"原审人民法院：{values['original_court']}；案号：{values['original_case_no']}；案由：{values['cause']}。"),
        Block("heading", "上诉请求"),
        *items(values["appeal_requests"]),
        Block("heading", "上诉理由"),
        *_reasons(say, statutes, facts),
        Block("heading", "证据和证据来源，证人姓名和住所"),
        *_evidence(values),
        *_ending(values, values["appellate_court"], "上诉人", "appellant_name",
                 f"附：本上诉状副本{values.get('copies') or 1}份（通过{values['original_court']}提出）"),
    ]


APPEAL = DocSchema(
    name="民事上诉状",
    description="不服一审判决或裁定提起上诉的上诉状（民事诉讼法第一百七十一条至第一百七十三条）",
    fields=(
        *party_fields("appellant", "上诉人"),
        FieldSpec("appellant_role", "上诉人原审地位", "str", True, "原告 或 被告"),
        *party_fields("appellee", "被上诉人", id_required=False, phone_required=False),
        FieldSpec("appellee_role", "被上诉人原审地位", "str", True, "原告 或 被告"),
        FieldSpec("original_court", "原审人民法院", "str", True),
        FieldSpec("original_case_no", "原审案号", "str", True, "如 （2024）京0105民初12345号"),
        FieldSpec("cause", "案由", "str", True),
        FieldSpec("judgment_date", "一审判决日期", "date", False),
        FieldSpec("appellate_court", "上诉审人民法院", "str", True, "原审法院的上一级法院"),
        FieldSpec("appeal_requests", "上诉请求", "list", True),
        FieldSpec("facts", "上诉理由", "text", True),
        FieldSpec("copies", "副本份数", "int", False, "按对方当事人人数", 1),
        FieldSpec("evidence", "证据和证据来源", "list", False, "", ("一审卷宗材料",)),
        *COMMON_TAIL[1:],
    ),
    sections=("民事上诉状", "上诉人", "被上诉人", "原审人民法院", "案号", "上诉请求", "上诉理由", "此致", "上诉人（签名"),
    basis=((CPL, 171), (CPL, 172), (CPL, 173)),
    example={
        "appellant_name": "王强", "appellant_role": "被告", "appellant_ethnicity": "汉族", "appellant_id_number": ID_C,
        "appellant_address": "广州市越秀区东风中路300号", "appellant_phone": "020-83331234",
        "appellee_name": "广州市明达装饰工程有限公司", "appellee_role": "原告",
        "appellee_address": "广州市天河区天河路100号", "original_court": "广州市越秀区人民法院",
        "original_case_no": "（2024）粤0104民初6789号", "cause": "装饰装修合同纠纷", "judgment_date": "2024年8月15日",
        "appellate_court": "广东省广州市中级人民法院",
        "appeal_requests": ["撤销广州市越秀区人民法院（2024）粤0104民初6789号民事判决第一项，改判上诉人仅需支付工程款人民币30000元；",
                            "一、二审诉讼费用由被上诉人承担。"],
        "facts": "被上诉人承包的装修工程存在墙面开裂、防水渗漏等质量问题，经第三方检测机构鉴定属实，修复费用为人民币20000元。"
                 "一审法院未采纳上诉人提交的检测报告，认定事实不清，应予纠正。",
        "evidence": ["房屋质量检测报告一份（来源：广州市某建设工程质量检测中心）"],
        "date": "2024-08-25",
    },
    build=build_appeal,
    query=lambda vals: f"{vals['cause']} {' '.join(vals['appeal_requests'])} {vals['facts']}",
    facts_field="facts",
)
