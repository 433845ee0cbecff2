"""The ranking signals of statute search: lexicon triggers with exceptions, law priors, citation
centrality and the re-splitting of words the law vocabulary has never seen."""

import numpy as np
import pytest

from toolkit.legal.search import StatuteSearcher, _citation_centrality, _fires
from toolkit.legal.store import LawStore, load_law_priors, load_synonyms


def test_trigger_fires_outside_its_exception_words():
    assert _fires("证人", "他愿意出庭当证人吗", ("保证人", "见证人"))
    assert not _fires("证人", "我给朋友做了保证人", ("保证人", "见证人"))
    # one free occurrence is enough
    assert _fires("证人", "保证人能不能当证人", ("保证人",))
    assert _fires("偷", "有人偷了我的手机", ("偷拍",))
    assert not _fires("偷", "有人偷拍我", ("偷拍",))
    assert _fires("借钱", "借钱不还", ())


def test_lexicon_rows_have_four_fields_and_unique_triggers():
    rows = load_synonyms()
    assert rows and all(len(r) == 4 for r in rows)
    triggers = [r[0] for r in rows]
    assert len(triggers) == len(set(triggers)), sorted({t for t in triggers if triggers.count(t) > 1})
    by_trigger = {r[0]: r for r in rows}
    assert "保证人" in by_trigger["证人"][3]


def test_law_priors_resolve_names_and_patterns(law_store):
    priors = load_law_priors(law_store)
    assert priors  # the fixture corpus holds 民法典, 劳动合同法 ...
    civil = law_store.resolve("民法典")
    assert priors[civil.law_name] == 1.0
    for name, value in priors.items():
        assert -1.0 <= value <= 1.0, (name, value)


def test_citation_centrality_counts_references_within_a_law():
    metas = [
        {"law_name": "甲法", "article_no": 1, "sub": 0, "body_start": 0},
        {"law_name": "甲法", "article_no": 2, "sub": 0, "body_start": 0},
        {"law_name": "甲法", "article_no": 3, "sub": 0, "body_start": 0},
        {"law_name": "乙法", "article_no": 1, "sub": 0, "body_start": 0},
    ]
    texts = ["总则。", "依照本法第一条的规定。", "违反本法第一条、第二条的，处罚款。", "依照甲法第三条。"]
    c = _citation_centrality(texts, metas)
    assert c[0] == pytest.approx(1.0)  # cited twice: the most central
    assert 0 < c[1] < c[0]
    assert c[2] == 0 and c[3] == 0  # 乙法 citing 第三条 refers to its own (missing) article 3
    assert _citation_centrality(["无"], [{"law_name": "甲法", "article_no": 1}]).tolist() == [0.0]


def test_unknown_words_are_resplit_into_known_parts(legal_settings):
    s = StatuteSearcher.open(legal_settings)
    vocab = s.index.bm25.vocab
    toks = s.query_tokens("朋友借我的车出了事故")
    assert all(t in vocab or len(t) == 1 for t in toks), toks
    assert "事故" in toks or "车" in toks


@pytest.mark.slow
def test_colloquial_situations_reach_the_statute():
    """Situations described without the statutory word, on the full corpus (make data)."""
    from toolkit.config import get_settings
    from toolkit.index.corpus_indexes import is_valid

    settings = get_settings()
    if not (settings.corpora_dir / "laws.sqlite").is_file() or not is_valid("laws", settings):
        pytest.skip("full laws corpus/index not present (make data)")
    s = StatuteSearcher.open(settings)
    cases = [
        ("朋友开我的车撞了人，我这个车主要赔吗", "民法典", {1209}),
        ("邻居在楼道装了摄像头对着我家门口", "民法典", {1032, 1033}),
        ("给朋友借款当了保证人，他不还钱我要还吗", "民法典", {681, 686, 687, 688}),
    ]
    for q, law, numbers in cases:
        hits = s.search(q, k=5)
        assert any(h.short_name == law and h.article_no in numbers for h in hits), (q, [(h.short_name, h.article_no) for h in hits])


def test_every_law_the_lexicon_names_exists():
    """Typos in data/synonyms.tsv or data/law_prior.tsv would silently do nothing: catch them (full corpus)."""
    from toolkit.config import get_settings
    from toolkit.legal.store import _read_tsv

    settings = get_settings()
    if not (settings.corpora_dir / "laws.sqlite").is_file():
        pytest.skip("full laws corpus not present (make data)")
    store = LawStore.open(settings)
    bad = sorted({law for _, _, laws, _ in load_synonyms() for law in laws
                  if store.resolve(law) is None or not store.resolve(law).current})
    assert not bad, f"synonyms.tsv names unknown or repealed laws: {bad}"
    exact = [row[0] for row in _read_tsv("law_prior.tsv") if not row[0].startswith("~")]
    bad = sorted(n for n in exact if store.resolve(n) is None)
    assert not bad, f"law_prior.tsv names unknown laws: {bad}"


def test_a_longer_trigger_speaks_for_the_shorter_one_inside_it(legal_settings):
    s = StatuteSearcher.open(legal_settings)
    s_rows = s.synonyms
    try:
        s.synonyms = (("转账", ("支付",), (), ()), ("帮忙转账", ("帮助", "支付结算"), (), ()),
                      ("银行卡", ("银行卡",), (), ()))
        fired = [r[0] for r in s.fired("帮忙转账用了银行卡")]
        assert fired == ["帮忙转账", "银行卡"]
        assert [r[0] for r in s.fired("先帮忙转账，后来又转账了一次")] == ["帮忙转账", "转账"]  # a free 转账 fires
    finally:
        s.synonyms = s_rows
