"""Which laws a document's facts belong to, so statute suggestions stay in the right field of law.

Retrieval over all 350 current laws happily returns 商业银行法 for a loan between friends or 产品质量法
for a renovation dispute; a civil pleading's 事实与理由 should cite the substantive law of its
domain. Rules are data: trigger words → laws to search (first match wins, default 民法典).
"""

from __future__ import annotations

DOMAIN_LAWS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("劳动合同", "用人单位", "工资", "辞退", "解除劳动", "加班", "社会保险", "工伤", "试用期"), ("劳动合同法", "劳动法")),
    (("交通事故", "机动车", "撞"), ("民法典", "道路交通安全法")),
    (("商标",), ("商标法", "民法典")),
    (("著作权", "作品", "版权"), ("著作权法", "民法典")),
    (("专利",), ("专利法", "民法典")),
    (("消费者", "假货", "欺诈"), ("消费者权益保护法", "民法典")),
    (("个人信息",), ("个人信息保护法", "民法典")),
    (("股东", "股权", "公司章程"), ("公司法", "民法典")),
)
DEFAULT_LAWS = ("民法典",)


def domain_laws(text: str) -> tuple[str, ...]:
    """The laws to search for suggestions about ``text``."""
    for triggers, laws in DOMAIN_LAWS:
        if any(t in text for t in triggers):
            return laws
    return DEFAULT_LAWS


def suggest_statutes(search, query: str, n: int) -> list:
    """Top ``n`` articles for ``query`` from its domain laws, merged by score (best first)."""
    hits = []
    for law in domain_laws(query):
        try:
            hits += search(query, k=n, law=law)
        except Exception:  # a law missing from an older corpus must not break drafting
            continue
    return sorted(hits, key=lambda s: -s.score)[:n]
