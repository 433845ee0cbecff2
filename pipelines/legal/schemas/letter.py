"""律师函: firm, recipient, facts, legal basis (retrieved and verified), demands and a deadline."""

from __future__ import annotations

from .. import validators as v
from .base import Block, DocSchema, FieldSpec, cite_sentence, date_or_today, items



def build_letter(values, statutes, facts, say) -> list[Block]:
    lawyers = "、".join(values["lawyers"])
    return [
        Block("title", "律师函"),
        Block("subtitle", values.get("letter_no") or ""),
        Block("para", f"致：{values['recipient_name']}（地址：{values['recipient_address']}）"),
        Block("para", say("letter_opening", firm=values["firm_name"], client=values["client_name"], lawyers=lawyers,
                          subject=values["subject"])),
        Block("heading", "一、事实"),
        *[Block("para", p) for p in facts.split("\n") if p.strip()],
        Block("heading", "二、法律依据"),
        Block("para", say("letter_basis", cite=cite_sentence(statutes, "根据"))),
        Block("heading", "三、要求"),
        *items(values["demands"]),
        Block("para", say("letter_deadline", deadline=v.format_date(values["deadline"]))),
        Block("para", f"联系人：{lawyers}律师，电话：{values['firm_phone']}，地址：{values['firm_address']}。"),
        Block("right", values["firm_name"]),
        Block("right", f"律师：{lawyers}"),
        Block("right", date_or_today(values)),
    ]


def _check_deadline(values):
    if values.get("date") and values["deadline"] <= values["date"]:
        raise ValueError(f"履行期限须晚于发函日期 (deadline must be after the letter date): {values['deadline']}")


LETTER = DocSchema(
    name="律师函",
    description="律师事务所受委托向对方发出的律师函（事实、法律依据、要求和履行期限）",
    fields=(
        FieldSpec("firm_name", "律师事务所名称", "str", True),
        FieldSpec("firm_address", "律师事务所地址", "str", True),
        FieldSpec("firm_phone", "律师事务所电话", "phone", True),
        FieldSpec("lawyers", "承办律师", "list", True, "每行一名"),
        FieldSpec("letter_no", "函号", "str", False, "如 （2024）京星律函字第018号"),
        FieldSpec("client_name", "委托人", "str", True),
        FieldSpec("recipient_name", "收函方", "str", True),
        FieldSpec("recipient_address", "收函方地址", "str", True),
        FieldSpec("subject", "事由", "str", True, "如 贵方拖欠货款"),
        FieldSpec("facts", "事实", "text", True),
        FieldSpec("demands", "要求", "list", True, "每行一项"),
        FieldSpec("deadline", "履行期限", "date", True),
        FieldSpec("date", "发函日期", "date", False, "默认今天"),
    ),
    sections=("律师函", "致：", "律师事务所", "接受", "委托", "一、事实", "二、法律依据", "三、要求", "前履行"),
    basis=(),
    example={
        "firm_name": "北京星河律师事务所", "firm_address": "北京市东城区东长安街1号东方广场W2座8层",
        "firm_phone": "010-85201234", "lawyers": ["陈静", "刘洋"], "letter_no": "（2024）京星律函字第018号",
        "client_name": "北京星河软件科技有限公司", "recipient_name": "上海云帆贸易有限公司",
        "recipient_address": "上海市浦东新区世纪大道100号20层", "subject": "贵方拖欠软件开发服务费",
        "facts": "2023年10月8日，委托人与贵方签订《软件开发服务合同》，约定委托人为贵方开发订单管理系统，服务费共计人民币200000元，"
                 "贵方应于系统验收合格后十日内付清。委托人已于2024年3月1日交付系统并经贵方书面验收合格，但贵方至今仅支付人民币80000元，"
                 "尚欠人民币120000元，经委托人多次催告仍未支付。",
        "demands": ["向委托人支付拖欠的服务费人民币120000元；", "按合同约定支付逾期付款违约金。"],
        "deadline": "2024-07-15", "date": "2024-07-01",
    },
    build=build_letter,
    query=lambda vals: f"{vals['subject']} {' '.join(vals['demands'])} {vals['facts']}",
    facts_field="facts",
)

CHECKS = {"律师函": _check_deadline}
