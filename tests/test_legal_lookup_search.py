"""get_article and search_statutes on the 50-article fixture corpus and its tiny index."""

import pytest

from toolkit.errors import DataMissingError, InvalidInputError
from toolkit.legal import get_article, search_statutes
from toolkit.legal.search import StatuteSearcher


def test_get_article_by_full_short_and_alias(legal_settings):
    a = get_article("民法典", 1165, settings=legal_settings)
    assert (a.law_name, a.article_no, a.article_label) == ("中华人民共和国民法典", 1165, "第一千一百六十五条")
    assert a.text.startswith("行为人因过错侵害他人民事权益") and "\n" in a.text
    assert get_article("中华人民共和国民法典", "第一千一百六十五条", settings=legal_settings) == a
    assert get_article("《民法典》", "1165", settings=legal_settings) == a
    assert get_article("消保法", 55, settings=legal_settings).law_name == "中华人民共和国消费者权益保护法"


def test_get_article_sub(legal_settings):
    a = get_article("刑法", "第一百三十三条之一", settings=legal_settings)
    assert (a.article_no, a.sub, a.article_label) == (133, 1, "第一百三十三条之一")
    assert get_article("刑法", 133, sub=1, settings=legal_settings) == a
    assert get_article("刑法", 133, settings=legal_settings) is None  # base article not in the fixture


def test_get_article_missing_and_repealed(legal_settings):
    assert get_article("民法典", 99999, settings=legal_settings) is None
    assert get_article("合同法", 52, settings=legal_settings) is None


def test_get_article_bad_input(legal_settings):
    with pytest.raises(InvalidInputError, match="民法典"):
        get_article("民法点", 1165, settings=legal_settings)  # suggests the close name
    with pytest.raises(InvalidInputError, match="条号"):
        get_article("民法典", "第X条", settings=legal_settings)
    with pytest.raises(InvalidInputError):
        get_article("民法典", 0, settings=legal_settings)


def test_missing_data_tells_to_pull(tmp_path):
    from toolkit.config import load_settings

    s = load_settings(env={"HANLIN_DATA_DIR": str(tmp_path / "nothing")})
    with pytest.raises(DataMissingError, match="hanlin data pull"):
        get_article("民法典", 1165, settings=s)


def test_corrupt_corpus_file_is_reported(tmp_path):
    from toolkit.config import load_settings

    s = load_settings(env={"HANLIN_DATA_DIR": str(tmp_path / "data")})
    s.corpora_dir.mkdir(parents=True)
    (s.corpora_dir / "laws.sqlite").write_bytes(b"not a database" * 100)
    with pytest.raises(DataMissingError, match="hanlin data pull"):
        get_article("民法典", 1165, settings=s)


def _search(settings, q, **kw):
    return StatuteSearcher.open(settings).search(q, **kw)


def test_direct_lookup_comes_first(legal_settings):
    hits = _search(legal_settings, "民法典第1165条是什么意思", k=3)
    assert (hits[0].law_name, hits[0].article_no) == ("中华人民共和国民法典", 1165)
    hits = _search(legal_settings, "第四十七条", law="劳动合同法", k=3)
    assert (hits[0].short_name, hits[0].article_no) == ("劳动合同法", 47)


@pytest.mark.parametrize("question, law, numbers", [
    ("被公司辞退没有补偿", "中华人民共和国劳动合同法", {46, 47, 87}),
    ("朋友借钱不还怎么办", "中华人民共和国民法典", {667, 675, 676, 679}),
    ("楼上扔东西砸伤了人", "中华人民共和国民法典", {1254}),
    ("网上买到假货能赔三倍吗", "中华人民共和国消费者权益保护法", {55}),
])
def test_colloquial_questions(legal_settings, question, law, numbers):
    hits = _search(legal_settings, question, k=3)
    assert any(h.law_name == law and h.article_no in numbers for h in hits), [(h.short_name, h.article_no) for h in hits]


def test_law_filter_by_alias(legal_settings):
    hits = _search(legal_settings, "赔偿", law="消保法", k=5)
    assert hits and all(h.law_name == "中华人民共和国消费者权益保护法" for h in hits)
    assert hits == search_statutes("赔偿", k=5, law="消保法", settings=legal_settings)


def test_results_are_full_articles(legal_settings):
    hits = _search(legal_settings, "经济补偿 工作年限", k=2)
    art = get_article(hits[0].law_name, hits[0].article_no, hits[0].sub, settings=legal_settings)
    assert hits[0].text == art.text and hits[0].chapter == art.chapter


def test_bad_filters_and_queries(legal_settings):
    with pytest.raises(InvalidInputError, match="劳动合同法"):
        _search(legal_settings, "辞退", law="劳动合同发")
    with pytest.raises(InvalidInputError, match="中华人民共和国民法典"):
        _search(legal_settings, "违约", law="合同法")  # repealed: names the successor
    for q in ("", "   \n\t", None):
        with pytest.raises(InvalidInputError):
            _search(legal_settings, q)
    for k in (0, -1, 10_000, "5"):
        with pytest.raises(InvalidInputError):
            _search(legal_settings, "辞退", k=k)


def test_huge_query_is_truncated_with_a_note(legal_settings):
    hits = _search(legal_settings, "公司辞退没有经济补偿" * 10_000, k=3)
    assert hits and hits.warnings and "truncated" in hits.warnings[0]


def test_query_without_searchable_words(legal_settings):
    assert _search(legal_settings, "？？？！！！", k=3) == []


@pytest.mark.parametrize("q", ["How do I sue my employer for unpaid wages?", "Article 1165", "12345"])
def test_questions_without_chinese_ask_for_chinese(legal_settings, q):
    hits = _search(legal_settings, q, k=3)
    assert hits == [] and "请用中文提问" in hits.warnings[0] and "ask in Chinese" in hits.warnings[0]


def test_features_cover_candidates_and_unused_features_stay_zero(legal_settings):
    from toolkit.legal.ranking import FEATURES, Fusion

    s = StatuteSearcher.open(legal_settings)
    rows, X = s.candidates("被公司辞退没有补偿", None, Fusion({"bm25": 1.0, "dense": 1.0}))
    assert len(rows) == len(X) > 0 and X.shape[1] == len(FEATURES)
    assert X[:, FEATURES.index("bm25")].max() == pytest.approx(1.0)
    assert X[:, FEATURES.index("dense")].max() == pytest.approx(1.0)
    assert not X[:, FEATURES.index("expansion")].any()  # unused: not computed
