"""verify_citations on the 50-article fixture corpus: forms, statuses, quotes."""

import pytest

from toolkit.legal.quotes import quote_matches

A1165 = "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。"


def _one(checks):
    assert len(checks) == 1, checks
    return checks[0]


@pytest.mark.parametrize("text", [
    "《中华人民共和国民法典》第一千一百六十五条",
    "《民法典》第1165条",
    "民法典第1165条",
    "根据民法典第一千一百六十五条的规定",
    "依照《中华人民共和国民法典》（2020年）第 1165 条",
    "中华人民共和国民法典第１１６５条",
    "民法典1165条",  # no 第: fine right after a known law
    "依据《民法典》1165条",
])
def test_forms_resolve_to_the_same_article(verify, text):
    c = _one(verify(text))
    assert (c.law_name, c.article_no, c.status) == ("中华人民共和国民法典", 1165, "ok")
    assert c.article_text.startswith(A1165)
    assert text[c.span[0]:c.span[1]] == c.raw


def test_lists_inherit_the_law(verify):
    checks = verify("离婚纠纷适用民法典第1079条、第1087条；另见第一千零六十二条和第一千零六十四条，以及1254条")
    assert [(c.law_name, c.article_no) for c in checks] == [("中华人民共和国民法典", n) for n in (1079, 1087, 1062, 1064, 1254)]
    assert all(c.status == "ok" for c in checks)


def test_same_law_references(verify):
    checks = verify("劳动合同法第四十七条规定了经济补偿；该法第八十七条规定赔偿金，本法第三十九条规定过失性辞退，同法第999条并不存在。")
    assert [c.article_no for c in checks] == [47, 87, 39, 999]
    assert all(c.law_name == "中华人民共和国劳动合同法" for c in checks)
    assert [c.status for c in checks] == ["ok", "ok", "ok", "no_such_article"]
    assert "999" in checks[-1].raw and "没有" in checks[-1].message


def test_sub_articles_paragraphs_items(verify):
    checks = verify("刑法第一百二十条之一，刑法第一百三十三条之一第一款第（二）项，民法典第1165条第二款，刑法第133条之1")
    assert [(c.article_no, c.sub, c.paragraph, c.item) for c in checks] == [
        (120, 1, None, None), (133, 1, 1, 2), (1165, 0, 2, None), (133, 1, None, None)]
    assert all(c.status == "ok" for c in checks), [c.message for c in checks]
    assert checks[0].article_label == "第一百二十条之一"


def test_missing_paragraph_and_item(verify):
    para, item = verify("民法典第1165条第三款；刑法第一百三十三条之一第一款第（九）项")
    assert para.status == "no_such_article" and "第3款" in para.message
    assert item.status == "no_such_article" and "第9项" in item.message


def test_no_such_sub_article(verify):
    c = _one(verify("刑法第二百六十四条之三"))
    assert c.status == "no_such_article" and c.sub == 3


@pytest.mark.parametrize("text, short", [("合同法第52条", "合同法"), ("《中华人民共和国婚姻法》第三十二条", "婚姻法"),
                                         ("物权法第二百四十条", "物权法"), ("侵权责任法第6条", "侵权责任法"),
                                         ("民法总则第十条", "民法总则"), ("担保法第18条", "担保法")])
def test_repealed_civil_laws_name_the_successor(verify, text, short):
    c = _one(verify(text))
    assert c.status == "not_current"
    assert c.law_name == "中华人民共和国" + short
    assert c.successor == "中华人民共和国民法典"
    assert "中华人民共和国民法典" in c.message and "2021-01-01" in c.message
    assert c.article_text is None


def test_repealed_law_then_same_law_reference(verify):
    a, b = verify("根据合同法第52条，合同无效。该法第107条也有规定。")
    assert a.status == b.status == "not_current" and b.article_no == 107


def test_unknown_law_suggests_names(verify):
    c = _one(verify("依据网络交易保护法第十条"))
    assert c.status == "unknown_law" and c.law_name is None
    assert "网络交易保护法" in c.message


def test_judicial_interpretations_are_reported_as_not_verifiable(verify):
    c = _one(verify("依据《最高人民法院关于审理民间借贷案件适用法律若干问题的规定》第二十五条"))
    assert c.status == "unknown_law" and "司法解释" in c.message


def test_aliases(verify):
    checks = verify("消保法第五十五条、个保法第13条、道交法第七十六条")
    assert [c.law_name for c in checks] == ["中华人民共和国消费者权益保护法", "中华人民共和国个人信息保护法",
                                           "中华人民共和国道路交通安全法"]
    assert all(c.status == "ok" for c in checks)


def test_bare_article_without_any_law_is_ignored(verify):
    assert verify("第十条规定了这个问题。") == []
    assert verify("他家养了3条狗，买了两条烟。") == []  # a number + 条 with no law before it is no citation
    assert verify("") == [] and verify("   ") == []


def test_quote_match_and_mismatch(verify):
    good = _one(verify(f"《民法典》第1165条规定：“{A1165}”"))
    assert good.quote_ok is True and good.ok
    loose = _one(verify("民法典第1165条规定，“行为人因过错侵害他人民事权益造成损害的应当承担侵权责任”"))
    assert loose.quote_ok is True  # punctuation differences are tolerated
    bad = _one(verify("民法典第1165条规定：“行为人因故意侵害他人民事权益造成损害的，应当承担刑事责任。”"))
    assert bad.status == "ok" and bad.quote_ok is False and not bad.ok
    assert "引文" in bad.message
    none = _one(verify("民法典第1165条是过错责任的一般条款。"))
    assert none.quote is None and none.quote_ok is None


def test_quote_of_a_paragraph_with_ellipsis(verify):
    c = _one(verify("民法典第1165条第二款规定：“依照法律规定推定行为人有过错……应当承担侵权责任。”"))
    assert c.quote_ok is True


@pytest.mark.parametrize("quote, ok", [
    (A1165, True), ("行为人因过错侵害他人民事权益", True), ("行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任", True),
    ("行为人侵害他人权益的，应当承担刑事责任", False), ("完全无关的一句话内容", False),
    ("行为人因过错侵害他人民事权益造成损害，应当承担侵权责任", True),  # a dropped 的 is tolerated
    ("行为人因过错侵害他人民事权益造成损害的，可以承担侵权责任", False),  # 应当 → 可以 changes the law
    ("行为人因过错侵害他人民事权益造成损害的，不应当承担侵权责任", False),
    ("依照法律规定推定行为人有过错……应当承担侵权责任", True), ("应当承担侵权责任……行为人因过错", False),
])
def test_quote_matches(quote, ok):
    assert quote_matches(quote, A1165 + "\n依照法律规定推定行为人有过错，其不能证明自己没有过错的，应当承担侵权责任。") is ok


def test_rejects_non_text(legal_settings):
    from toolkit.errors import InvalidInputError
    from toolkit.legal import verify_citations

    with pytest.raises(InvalidInputError):
        verify_citations(None, settings=legal_settings)
