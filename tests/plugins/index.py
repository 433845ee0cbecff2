"""Fixtures for the index tests: a shared jieba segmenter and a tiny statute-like corpus."""

import pytest


@pytest.fixture(scope="session")
def segmenter():
    from toolkit.text import Segmenter

    return Segmenter(dicts=())


@pytest.fixture
def law_docs():
    from toolkit.index import Document

    rows = [
        ("mfd:667", "借款合同是借款人向贷款人借款，到期返还借款并支付利息的合同。", "民法典", 667),
        ("mfd:675", "借款人应当按照约定的期限返还借款。对借款期限没有约定或者约定不明确的，借款人可以随时返还。", "民法典", 675),
        ("mfd:1165", "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。", "民法典", 1165),
        ("ldht:47", "经济补偿按劳动者在本单位工作的年限，每满一年支付一个月工资的标准向劳动者支付。", "劳动合同法", 47),
        ("ldht:48", "用人单位违反本法规定解除或者终止劳动合同，劳动者要求继续履行劳动合同的，用人单位应当继续履行。", "劳动合同法", 48),
        ("ldht:82", "用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。", "劳动合同法", 82),
        ("xf:264", "盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，处三年以下有期徒刑。", "刑法", 264),
        ("hyf:1079", "夫妻一方要求离婚的，可以由有关组织进行调解或者直接向人民法院提起离婚诉讼。", "民法典", 1079),
    ]
    return [Document(i, t, {"law": law, "article_no": n}) for i, t, law, n in rows]
