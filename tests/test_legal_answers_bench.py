"""The lawyer-answer bench's pure parts: the md5 split, citation parsing, anonymising, ratings."""

import json

import pytest

from bench import legal_answers_bench as B


def test_split_is_md5_parity_and_fixed():
    import hashlib

    for q in ("借钱不还怎么办？", "房东不退押金", "公司辞退我"):
        expect = "dev" if int(hashlib.md5(q.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "test"
        assert B.half(q) == expect
    assert {B.half(f"问题{i}") for i in range(20)} == {"dev", "test"}


def test_cited_refs_carry_the_law_to_bare_article_numbers():
    answer = ("回答:可以起诉。法律依据:2021生效的《民法典》第二百零九条不动产物权的设立、变更……第二百三十八条侵害物权，"
              "造成权利人损害的。《劳动合同法》第47条经济补偿按劳动者在本单位工作的年限。律师解答第九百条不算")
    refs = [(law, no) for law, no, _, _ in B.cited_refs(answer)]
    assert refs == [("民法典", 209), ("民法典", 238), ("劳动合同法", 47)]
    assert B.cited_refs(answer)[1][3].startswith("侵害物权")


def test_sheet_texts_are_anonymised():
    from pipelines.legal.extractive import DISCLAIMER

    ours = B.plain_text(f"### 结论\n- **甲**⏰\n\n> 条文\n\n{DISCLAIMER}\n")
    assert ours == "结论\n- 甲\n\n条文" and "系统" not in ours
    assert B.lawyer_text("回答:可以。律师解答再说一遍") == "可以。\n再说一遍"


def test_ratings_are_validated_against_the_key(tmp_path):
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"seed": 1, "items": {"q01": {"A": "hanlin", "B": "lawyer"},
                                                      "q02": {"A": "lawyer", "B": "hanlin"}}}), encoding="utf-8")
    ratings = tmp_path / "r.tsv"
    ratings.write_text("# reader\nq01\tB\nq02\ttie\n", encoding="utf-8")
    assert B.read_ratings(ratings, key) == {"q01": "lawyer", "q02": "tie"}
    ratings.write_text("q01\tA\n", encoding="utf-8")
    with pytest.raises(ValueError, match="q02"):
        B.read_ratings(ratings, key)
    ratings.write_text("q01\tC\nq02\tA\n", encoding="utf-8")
    with pytest.raises(ValueError, match="A\\|B\\|tie"):
        B.read_ratings(ratings, key)


def test_report_shows_the_pairwise_share():
    r = {"n": 2, "top3": 0.5, "all": 1.0, "cover3": 0.5, "search3": 0.5, "other3": 0.0, "has_other": True,
         "unverified": 0, "conclusion": 1.0, "todo": 1.0, "limit": 1.0, "kind_acc": 1.0, "kind_n": 2,
         "ms_mean": 10, "ms_median": 10, "ms_max": 20}
    halves = {"dev": [1], "test": [1], "dev_all": [1], "test_all": [1]}
    text = B.report({"test": r}, halves, [("问", "答", "律师答")], {"q01": "hanlin", "q02": "tie", "q03": "lawyer"})
    assert "wins or ties on **67%**" in text and "| test | 2 | 0.500 |" in text and "律师答" in text
