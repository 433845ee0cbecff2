"""Law names: short names, derived aliases and a curated table of common abbreviations.

The curated tables are facts (what practitioners call a law; which laws the Civil Code replaced), not
heuristics; everything else is derived from the law names by small pure rules.
"""

from __future__ import annotations

import re

PRC = "中华人民共和国"
NPCSC = "全国人民代表大会常务委员会"

# Laws the Civil Code (民法典) replaced when it took effect on 2021-01-01 (民法典 第一千二百六十条).
# (law name, publish date of the last version, repeal date, successor)
CIVIL_CODE_PREDECESSORS: tuple[tuple[str, str, str, str], ...] = tuple(
    (f"{PRC}{n}", pub, "2021-01-01", f"{PRC}民法典")
    for n, pub in (
        ("婚姻法", "2001-04-28"), ("继承法", "1985-04-10"), ("民法通则", "2009-08-27"),
        ("收养法", "1998-11-04"), ("担保法", "1995-06-30"), ("合同法", "1999-03-15"),
        ("物权法", "2007-03-16"), ("侵权责任法", "2009-12-26"), ("民法总则", "2017-03-15"),
    )
)

# Abbreviation → the short name it stands for (only used when that law exists in the data).
COMMON_ABBREVIATIONS: dict[str, str] = {
    "消法": "消费者权益保护法", "消保法": "消费者权益保护法", "消费者保护法": "消费者权益保护法",
    "道交法": "道路交通安全法", "交通安全法": "道路交通安全法", "交通法": "道路交通安全法",
    "个保法": "个人信息保护法", "个人信息法": "个人信息保护法",
    "民诉法": "民事诉讼法", "刑诉法": "刑事诉讼法", "行诉法": "行政诉讼法",
    "劳动仲裁法": "劳动争议调解仲裁法", "劳动争议仲裁法": "劳动争议调解仲裁法",
    "治安处罚法": "治安管理处罚法", "治安法": "治安管理处罚法",
    "不正当竞争法": "反不正当竞争法", "反垄断": "反垄断法", "版权法": "著作权法",
    "未保法": "未成年人保护法", "环保法": "环境保护法", "食安法": "食品安全法",
    "网安法": "网络安全法", "数安法": "数据安全法", "个税法": "个人所得税法",
    "税收征管法": "税收征收管理法", "征管法": "税收征收管理法", "反家暴法": "反家庭暴力法",
    "社保法": "社会保险法", "破产法": "企业破产法", "土地承包法": "农村土地承包法",
    "房地产管理法": "城市房地产管理法", "招投标法": "招标投标法", "电商法": "电子商务法",
    "出入境管理法": "出境入境管理法", "国安法": "国家安全法", "反恐法": "反恐怖主义法",
    "香港国安法": "香港特别行政区维护国家安全法",
    "老年法": "老年人权益保障法", "残保法": "残疾人保障法", "义教法": "义务教育法",
    "侵权法": "侵权责任法", "妇女法": "妇女权益保障法",
}

_BRACKETS = re.compile(r"[（(]([^（）()]*)[）)]")


def short_name(name: str) -> str:
    """``中华人民共和国劳动合同法`` → ``劳动合同法``; other names unchanged (trimmed)."""
    name = name.strip()
    if name.startswith(PRC) and len(name) > len(PRC):
        return name[len(PRC):]
    return name


def derived_aliases(name: str) -> list[str]:
    """Other names people write for a law, derived from its official name.

    Example:
        >>> derived_aliases("中华人民共和国刑法修正案（十一）")
        ['刑法修正案十一', '刑法修正案(十一)']
        >>> derived_aliases("中华人民共和国香港特别行政区基本法")
        ['香港基本法']
    """
    out: list[str] = []
    short = short_name(name)
    if _BRACKETS.search(short):
        out.append(_BRACKETS.sub(r"\1", short))
        out.append(_BRACKETS.sub(r"(\1)", short))
    m = re.match(r"^(.+?)特别行政区(.*)$", short)
    if m and short != name:
        out.append(m.group(1) + m.group(2))
    if short.startswith(NPCSC):
        out.append("全国人大常委会" + short[len(NPCSC):])
    return [a for a in dict.fromkeys(out) if a and a != short and a != name]
