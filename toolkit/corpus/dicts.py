"""jieba user dictionaries generated from the corpora (format: ``word freq tag`` per line).

- ``laws.txt``: full law names, short names and aliases;
- ``legal_terms.txt``: terms the statutes define (``本法所称X，是指``, ``“X”是指``, ``X，是指``) plus a
  curated list of everyday legal vocabulary;
- ``poets.txt``: authors with at least 3 poems; ``cipai.txt``: 词牌 with at least 5 ci.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

from toolkit.atomic import write_text

MIN_POEMS_PER_POET = 3
MIN_CI_PER_TUNE = 5
# jieba frequencies: high enough to keep these words whole against the default dictionary.
FREQ = {"law": 3000, "alias": 2000, "term": 1000, "poet": 500, "cipai": 800}

CURATED_TERMS = (
    "不可抗力 善意取得 诉讼时效 除斥期间 格式条款 违约金 定金 预付款 经济补偿 赔偿金 经济补偿金 劳动合同 "
    "劳务派遣 试用期 竞业限制 服务期 无固定期限劳动合同 工伤 加班费 带薪年休假 最低工资 社会保险 住房公积金 "
    "民间借贷 借款合同 利息 逾期利息 保证人 连带责任 一般保证 连带责任保证 抵押权 质权 留置权 所有权 用益物权 "
    "担保物权 居住权 地役权 宅基地使用权 建设用地使用权 土地承包经营权 相邻关系 共有 按份共有 共同共有 "
    "不当得利 无因管理 侵权责任 过错责任 无过错责任 过错推定 精神损害赔偿 惩罚性赔偿 高空抛物 产品责任 "
    "机动车交通事故责任 医疗损害责任 饲养动物损害责任 夫妻共同财产 夫妻共同债务 离婚冷静期 抚养费 赡养费 "
    "扶养费 监护人 法定代理人 委托代理 表见代理 无权代理 民事行为能力 限制民事行为能力 无民事行为能力 "
    "法定继承 遗嘱继承 遗赠 遗赠扶养协议 遗产管理人 正当防卫 紧急避险 故意犯罪 过失犯罪 犯罪未遂 犯罪中止 "
    "自首 立功 累犯 缓刑 假释 有期徒刑 无期徒刑 拘役 管制 罚金 没收财产 剥夺政治权利 盗窃罪 诈骗罪 "
    "抢劫罪 故意伤害罪 危险驾驶罪 交通肇事罪 行政处罚 行政复议 行政诉讼 行政拘留 罚款 吊销 责令停产停业 "
    "消费者 经营者 三包 退一赔三 七日无理由退货 个人信息 敏感个人信息 个人信息处理者 知识产权 著作权 "
    "商标权 专利权 商业秘密 不正当竞争 垄断协议 滥用市场支配地位 股东 有限责任公司 股份有限公司 "
    "法定代表人 注册资本 认缴出资 股东会 董事会 监事会 公司章程 破产清算 仲裁协议 管辖 举证责任 "
    "财产保全 先予执行 强制执行 上诉 再审 调解书 判决书 裁定书 支付令"
).split()

_TERM_PATTERNS = (
    re.compile(r"本(?:法|条例|决定|规定)所称(?:的)?([\u4e00-\u9fff]{2,16}?)，?(?:是指|指|包括)"),
    re.compile(r"[“\"]([\u4e00-\u9fff]{2,14})[”\"]，?(?:是指|指|，是指)"),
    re.compile(r"(?:^|\n)([\u4e00-\u9fff]{2,12})，是指"),
)
_BAD_TERM = re.compile(r"^(?:本法|本条|前款|其他|下列|这里|所称|有关)|[的之和与或及]$")


def extract_terms(text: str) -> list[str]:
    """Defined terms in one article text.

    Example:
        >>> extract_terms("本法所称经营者，是指……\\n发明，是指对产品、方法或者其改进所提出的新的技术方案。")
        ['经营者', '发明']
    """
    out = []
    for pat in _TERM_PATTERNS:
        for m in pat.finditer(text):
            term = m.group(1)
            if 2 <= len(term) <= 14 and not _BAD_TERM.search(term):
                out.append(term)
    return list(dict.fromkeys(out))


def _lines(entries: dict[str, tuple[int, str]]) -> str:
    return "".join(f"{w} {f} {t}\n" for w, (f, t) in sorted(entries.items()) if w and " " not in w)


def build_dicts(laws_db: Path, poems_jsonl: Path, out_dir: Path) -> dict:
    """Write the four dictionaries into ``out_dir`` (each atomically); returns entry counts."""
    laws: dict[str, tuple[int, str]] = {}
    terms: dict[str, tuple[int, str]] = {t: (FREQ["term"], "n") for t in CURATED_TERMS}
    con = sqlite3.connect(f"file:{laws_db}?mode=ro", uri=True)
    try:
        for name, short in con.execute("SELECT law_name, short_name FROM laws"):
            if len(name) <= 40:  # long resolutions are never typed as one word
                laws[name] = (FREQ["law"], "nz")
            laws.setdefault(short, (FREQ["law"], "nz"))
        for alias, in con.execute("SELECT alias FROM law_aliases"):
            if len(alias) <= 40:
                laws.setdefault(alias, (FREQ["alias"], "nz"))
        found: Counter = Counter()
        for text, in con.execute("SELECT text FROM articles"):
            found.update(extract_terms(text))
    finally:
        con.close()
    for t in found:
        terms.setdefault(t, (FREQ["term"], "n"))
    poets: Counter = Counter()
    tunes: Counter = Counter()
    with open(poems_jsonl, encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            poets[p["author"]] += 1
            if p.get("tune"):
                tunes[p["tune"]] += 1
    poet_entries = {a: (FREQ["poet"], "nr") for a, n in poets.items()
                    if n >= MIN_POEMS_PER_POET and 2 <= len(a) <= 6 and re.fullmatch(r"[\u4e00-\u9fff]+", a)
                    and a not in {"佚名", "无名氏", "不详", "阙名"}}
    cipai_entries = {t: (FREQ["cipai"], "nz") for t, n in tunes.items() if n >= MIN_CI_PER_TUNE}
    out_dir = Path(out_dir)
    for name, entries in (("laws", laws), ("legal_terms", terms), ("poets", poet_entries),
                          ("cipai", cipai_entries)):
        write_text(out_dir / f"{name}.txt", _lines(entries))
    return {"laws": len(laws), "legal_terms": len(terms), "legal_terms_extracted": len(found),
            "poets": len(poet_entries), "cipai": len(cipai_entries)}
