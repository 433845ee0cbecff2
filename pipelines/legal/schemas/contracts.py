"""Contracts: 借款合同 (民法典第470、668条), 房屋租赁合同 (第470、704条), 劳动合同 (劳动合同法第17条)."""

from __future__ import annotations

from .. import validators as v
from .base import Block, DocSchema, FieldSpec, cite_sentence, date_or_today, party_fields, party_line
from .pleadings import ID_A, ID_B, ID_C

CC = "民法典"


def _articles(clauses: list[tuple[str, str]]) -> list[Block]:
    """第一条 xxx：text ... as heading + paragraph pairs with Chinese ordinal numbers."""
    from toolkit.legal.numerals import int_to_cn

    out = []
    for i, (head, text) in enumerate(clauses, 1):
        out.append(Block("heading", f"第{int_to_cn(i)}条 {head}"))
        out += [Block("para", p) for p in text.split("\n") if p.strip()]
    return out


def _preamble(say, statutes, first: str, second: str) -> Block:
    return Block("para", say("contract_preamble", cite=cite_sentence(statutes, "根据"), first=first, second=second))


def _signatures(values, a_role, a_key, b_role, b_key) -> list[Block]:
    place = f"（签订地点：{values['sign_place']}）" if values.get("sign_place") else ""
    return [
        Block("right", f"{a_role}（签名或盖章）：{values[a_key]}"),
        Block("right", f"{b_role}（签名或盖章）：{values[b_key]}"),
        Block("right", f"签订日期：{date_or_today(values)}{place}"),
    ]


TAIL = (
    FieldSpec("breach", "违约责任", "text", True),
    FieldSpec("dispute", "争议解决方法", "str", False, "默认 协商不成向合同签订地人民法院起诉",
              "双方协商解决；协商不成的，任何一方均可向合同签订地有管辖权的人民法院提起诉讼。"),
    FieldSpec("other", "其他约定", "text", False),
    FieldSpec("sign_place", "签订地点", "str", False),
    FieldSpec("date", "签订日期", "date", False, "默认今天"),
)


def _tail(values) -> list[tuple[str, str]]:
    out = [("违约责任", values["breach"]), ("争议解决", values["dispute"])]
    if values.get("other"):
        out.append(("其他约定", values["other"]))
    out.append(("合同生效", "本合同自双方签名或盖章之日起生效。本合同一式两份，双方各执一份，具有同等法律效力。"))
    return out


# ---- 借款合同 ------------------------------------------------------------------------------------
def build_loan(values, statutes, facts, say) -> list[Block]:
    clauses = [
        ("借款种类和币种", f"本合同项下借款种类为{values['loan_type']}，币种为{values['currency']}。"),
        ("借款用途", f"借款用途为{values['purpose']}。借款人不得将借款挪作他用。"),
        ("借款数额", f"借款金额为{v.format_money(values['amount'])}。"),
        ("借款利率", f"{values['interest_rate']}。"),
        ("借款期限", f"借款期限自{v.format_date(values['start_date'])}起至{v.format_date(values['end_date'])}止。"),
        ("借款交付", values["disbursement"]),
        ("还款方式", values["repayment_method"]),
        *_tail(values),
    ]
    return [
        Block("title", "借款合同"),
        Block("para", party_line(values, "lender", "出借人（甲方）")),
        Block("para", party_line(values, "borrower", "借款人（乙方）")),
        _preamble(say, statutes, "出借人", "借款人"),
        *_articles(clauses),
        *_signatures(values, "出借人", "lender_name", "借款人", "borrower_name"),
    ]


def _check_dates(values):
    if values["end_date"] <= values["start_date"]:
        raise ValueError(f"结束日期须晚于开始日期 (end must be after start): {values['start_date']} → {values['end_date']}")


LOAN = DocSchema(
    name="借款合同",
    description="自然人之间或与单位之间的借款合同（民法典第四百七十条、第六百六十八条）",
    fields=(
        *party_fields("lender", "出借人"),
        *party_fields("borrower", "借款人"),
        FieldSpec("loan_type", "借款种类", "str", False, "如 个人消费借款、经营周转借款", "个人借款"),
        FieldSpec("currency", "币种", "str", False, "", "人民币"),
        FieldSpec("purpose", "借款用途", "str", True),
        FieldSpec("amount", "借款数额", "money", True, "阿拉伯数字，自动生成大写"),
        FieldSpec("interest_rate", "借款利率", "str", True, "如 年利率3.65%；无息写 本借款不计利息"),
        FieldSpec("start_date", "借款期限起始日", "date", True),
        FieldSpec("end_date", "借款期限到期日", "date", True),
        FieldSpec("disbursement", "借款交付方式", "str", False, "",
                  "出借人应于本合同签订之日起三日内将借款转入借款人指定的银行账户，借款人收到后出具收条。"),
        FieldSpec("repayment_method", "还款方式", "str", True, "如 到期一次性还本付息"),
        *TAIL,
    ),
    sections=("借款合同", "出借人", "借款人", "借款种类", "币种", "借款用途", "借款数额", "借款利率", "借款期限",
              "还款方式", "违约责任", "争议解决"),
    basis=((CC, 470), (CC, 668)),
    example={
        "lender_name": "张明", "lender_id_number": ID_A, "lender_address": "北京市朝阳区建国路88号院3号楼502室",
        "lender_phone": "13800138000",
        "borrower_name": "李华", "borrower_id_number": ID_B, "borrower_address": "北京市海淀区中关村大街27号1单元301室",
        "borrower_phone": "13900139000",
        "loan_type": "个人消费借款", "purpose": "家庭装修", "amount": "50000",
        "interest_rate": "年利率3.65%，按月计息，利随本清",
        "start_date": "2024-01-01", "end_date": "2024-12-31", "repayment_method": "借款到期时一次性归还本金和利息",
        "breach": "借款人未按期还款的，应按本合同约定利率加计50%支付逾期利息，并承担出借人为实现债权支出的律师费等合理费用。",
        "sign_place": "北京市朝阳区", "date": "2024-01-01",
    },
    build=build_loan,
    cite_basis=True,
    query=lambda vals: "借款合同 借款人应当按照约定的期限返还借款 利息",
)


# ---- 房屋租赁合同 -------------------------------------------------------------------------------
def build_lease(values, statutes, facts, say) -> list[Block]:
    deposit = f"乙方应于签约时向甲方支付押金{v.format_money(values['deposit'])}，租期届满无违约的，甲方应无息退还。" \
        if values.get("deposit") else "本合同不设押金。"
    clauses = [
        ("租赁物的名称和数量", f"甲方将坐落于{values['property_address']}的房屋（{values['property_desc']}，"
                        f"建筑面积{values['area']}平方米）出租给乙方，共一套。"),
        ("租赁用途", f"该房屋用途为{values['use']}，乙方不得擅自改变房屋用途。"),
        ("租赁期限", f"租赁期限自{v.format_date(values['start_date'])}起至{v.format_date(values['end_date'])}止。"),
        ("租金及其支付期限和方式", f"月租金为{v.format_money(values['rent'])}，{values['payment']}。\n{deposit}"),
        ("租赁物维修", values["repair"]),
        ("其他费用", values["fees"]),
        *_tail(values),
    ]
    return [
        Block("title", "房屋租赁合同"),
        Block("para", party_line(values, "lessor", "出租人（甲方）")),
        Block("para", party_line(values, "lessee", "承租人（乙方）")),
        _preamble(say, statutes, "出租人", "承租人"),
        *_articles(clauses),
        *_signatures(values, "出租人", "lessor_name", "承租人", "lessee_name"),
    ]


LEASE = DocSchema(
    name="房屋租赁合同",
    description="住宅或商业用房租赁合同（民法典第四百七十条、第七百零四条）",
    fields=(
        *party_fields("lessor", "出租人"),
        *party_fields("lessee", "承租人"),
        FieldSpec("property_address", "房屋坐落", "str", True),
        FieldSpec("property_desc", "房屋描述", "str", False, "如 两室一厅，附家具家电", "房屋及附属设施"),
        FieldSpec("area", "建筑面积（平方米）", "str", True),
        FieldSpec("use", "租赁用途", "str", True, "如 居住"),
        FieldSpec("start_date", "租赁期限起始日", "date", True),
        FieldSpec("end_date", "租赁期限到期日", "date", True, "租赁期限不得超过二十年"),
        FieldSpec("rent", "月租金", "money", True),
        FieldSpec("payment", "租金支付期限和方式", "str", True, "如 每三个月支付一次，于每期首月5日前银行转账支付"),
        FieldSpec("deposit", "押金", "money", False),
        FieldSpec("repair", "租赁物维修", "text", False, "",
                  "租赁期间房屋及设施的自然损耗由甲方负责维修；因乙方使用不当造成损坏的，由乙方负责维修或赔偿。"),
        FieldSpec("fees", "其他费用", "str", False, "", "租赁期间的水费、电费、燃气费、物业费由乙方承担。"),
        *TAIL,
    ),
    sections=("房屋租赁合同", "出租人", "承租人", "租赁物的名称和数量", "租赁用途", "租赁期限", "租金及其支付期限和方式",
              "租赁物维修", "违约责任", "争议解决"),
    basis=((CC, 470), (CC, 704)),
    example={
        "lessor_name": "王强", "lessor_id_number": ID_C, "lessor_address": "广州市越秀区东风中路300号",
        "lessor_phone": "13700137000",
        "lessee_name": "李华", "lessee_id_number": ID_B, "lessee_address": "北京市海淀区中关村大街27号1单元301室",
        "lessee_phone": "13900139000",
        "property_address": "广州市天河区体育西路1号5栋1203房", "property_desc": "两室一厅，附空调、冰箱、洗衣机",
        "area": "85.5", "use": "居住", "start_date": "2024-03-01", "end_date": "2025-02-28", "rent": "4500",
        "payment": "按季度支付，乙方于每季度首月5日前通过银行转账支付当季租金", "deposit": "9000",
        "breach": "乙方逾期支付租金超过十五日的，甲方有权解除合同；甲方提前收回房屋的，应退还剩余租金并支付一个月租金作为违约金。",
        "sign_place": "广州市天河区", "date": "2024-02-20",
    },
    build=build_lease,
    cite_basis=True,
    query=lambda vals: "租赁合同 出租人应当履行租赁物的维修义务 承租人应当按照约定的期限支付租金",
)


# ---- 劳动合同 ------------------------------------------------------------------------------------
def build_labor(values, statutes, facts, say) -> list[Block]:
    term = values["term_type"]
    if values.get("end_date"):
        term += f"，自{v.format_date(values['start_date'])}起至{v.format_date(values['end_date'])}止"
    else:
        term += f"，自{v.format_date(values['start_date'])}起"
    if values.get("probation"):
        term += f"。其中试用期为{values['probation']}"
    employer = (f"用人单位（甲方）：{values['employer_name']}，住所：{values['employer_address']}，"
                f"法定代表人（主要负责人）：{values['employer_representative']}。")
    clauses = [
        ("劳动合同期限", term + "。"),
        ("工作内容和工作地点", f"乙方同意根据甲方工作需要担任{values['job']}岗位工作；工作地点为{values['work_place']}。"),
        ("工作时间和休息休假", values["work_hours"]),
        ("劳动报酬", f"乙方月工资为{v.format_money(values['salary'])}，甲方于每月{values['pay_day']}日前以货币形式足额支付。"
                  + ("" if not values.get("probation_salary") else f"试用期月工资为{v.format_money(values['probation_salary'])}。")),
        ("社会保险", values["social_insurance"]),
        ("劳动保护、劳动条件和职业危害防护", values["protection"]),
        *_tail(values),
    ]
    return [
        Block("title", "劳动合同"),
        Block("para", employer),
        Block("para", party_line(values, "employee", "劳动者（乙方）")),
        _preamble(say, statutes, "甲方", "乙方"),
        *_articles(clauses),
        Block("right", f"甲方（盖章）：{values['employer_name']}"),
        Block("right", f"法定代表人或委托代理人（签名）：{values['employer_representative']}"),
        Block("right", f"乙方（签名）：{values['employee_name']}"),
        Block("right", f"签订日期：{date_or_today(values)}"),
    ]


LABOR = DocSchema(
    name="劳动合同",
    description="用人单位与劳动者订立的书面劳动合同（劳动合同法第十七条必备条款）",
    fields=(
        FieldSpec("employer_name", "用人单位名称", "str", True),
        FieldSpec("employer_address", "用人单位住所", "str", True),
        FieldSpec("employer_representative", "法定代表人或主要负责人", "str", True),
        *party_fields("employee", "劳动者"),
        FieldSpec("term_type", "劳动合同期限类型", "str", True, "固定期限 / 无固定期限 / 以完成一定工作任务为期限"),
        FieldSpec("start_date", "合同起始日", "date", True),
        FieldSpec("end_date", "合同终止日", "date", False, "固定期限合同必填"),
        FieldSpec("probation", "试用期", "str", False, "如 二个月（三年以上固定期限不得超过六个月）"),
        FieldSpec("probation_salary", "试用期月工资", "money", False),
        FieldSpec("job", "工作内容（岗位）", "str", True),
        FieldSpec("work_place", "工作地点", "str", True),
        FieldSpec("work_hours", "工作时间和休息休假", "text", False, "",
                  "甲方实行标准工时制度，乙方每日工作时间不超过八小时，平均每周工作时间不超过四十小时，每周至少休息一日；"
                  "乙方依法享有法定节假日、年休假、婚丧假、产假等假期。"),
        FieldSpec("salary", "月工资", "money", True),
        FieldSpec("pay_day", "每月发薪日", "int", False, "", 15),
        FieldSpec("social_insurance", "社会保险", "text", False, "",
                  "甲方依法为乙方办理基本养老、基本医疗、工伤、失业、生育等社会保险，乙方个人缴纳部分由甲方代扣代缴。"),
        FieldSpec("protection", "劳动保护、劳动条件和职业危害防护", "text", False, "",
                  "甲方为乙方提供符合国家规定的劳动安全卫生条件和必要的劳动防护用品，对可能产生职业病危害的岗位如实告知并采取防护措施。"),
        *TAIL,
    ),
    sections=("劳动合同", "用人单位", "法定代表人", "劳动者", "公民身份号码", "劳动合同期限", "工作内容和工作地点",
              "工作时间和休息休假", "劳动报酬", "社会保险", "劳动保护、劳动条件和职业危害防护"),
    basis=(("劳动合同法", 17),),
    example={
        "employer_name": "北京星河软件科技有限公司", "employer_address": "北京市海淀区上地十街10号",
        "employer_representative": "赵敏",
        "employee_name": "张明", "employee_id_number": ID_A, "employee_address": "北京市朝阳区建国路88号院3号楼502室",
        "employee_phone": "13800138000",
        "term_type": "固定期限", "start_date": "2024-03-01", "end_date": "2027-02-28", "probation": "三个月",
        "probation_salary": "12000", "job": "软件开发工程师", "work_place": "北京市海淀区", "salary": "15000",
        "pay_day": 10,
        "breach": "任何一方违反本合同约定的，依照《中华人民共和国劳动合同法》的规定承担责任。",
        "date": "2024-02-26",
    },
    build=build_labor,
    cite_basis=True,
    query=lambda vals: "劳动合同 必备条款 试用期 劳动报酬 社会保险",
)

def _check_labor(values):
    if values["term_type"] not in TERM_TYPES:
        raise ValueError(f"劳动合同期限类型无效 (invalid term type): {values['term_type']!r}；可选 (valid): {', '.join(TERM_TYPES)}")
    if values["term_type"] == "固定期限" and not values.get("end_date"):
        raise ValueError("固定期限劳动合同须填写合同终止日 end_date (a fixed-term contract needs end_date)")
    if values.get("end_date"):
        _check_dates(values)


TERM_TYPES = ("固定期限", "无固定期限", "以完成一定工作任务为期限")
CHECKS = {"借款合同": _check_dates, "房屋租赁合同": _check_dates, "劳动合同": _check_labor}
