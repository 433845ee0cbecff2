"""LawBench gold extraction (bench/lawbench.py) on inline records over the fixture corpus; no wheel needed."""

from bench import lawbench


def test_only_the_two_allowed_files_can_be_read():
    import pytest

    with pytest.raises(ValueError, match="only"):
        lawbench.read_task("1-1")


def test_halves_are_fixed_by_question_text():
    qs = [f"问题{i}" for i in range(200)]
    halves = [lawbench.half_of(q) for q in qs]
    assert halves == [lawbench.half_of(q) for q in qs]
    assert 60 < halves.count("dev") < 140


def test_quote_match():
    art = "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。"
    assert lawbench.quote_match("行为人因过错侵害他人民事权益，造成损害的，应当承担侵权责任", art) > 0.9
    assert lawbench.quote_match("当事人应当按照约定全面履行自己的义务", art) < 0.3
    assert lawbench.quote_match("", art) == 0.0


def test_3_8_gold_needs_the_quoted_text(law_store):
    mapper = lawbench.GoldMapper(law_store)
    art = law_store.article("中华人民共和国民法典", 1165)
    good = f"回答:可以索赔。法律依据:《民法典》第一千一百六十五条{art.text[:60]}"
    assert lawbench._gold_3_8(good, mapper) == [("中华人民共和国民法典", "第一千一百六十五条")]
    wrong_text = "回答:可以。法律依据:《民法典》第一千一百六十五条当事人应当按照约定全面履行自己的义务。"
    assert lawbench._gold_3_8(wrong_text, mapper) == []


def test_repealed_law_maps_by_text_to_the_civil_code(law_store):
    mapper = lawbench.GoldMapper(law_store)
    art = law_store.article("中华人民共和国民法典", 1165)
    old = f"法律依据:《侵权责任法》第六条{art.text[:60]}"
    assert lawbench._gold_3_8(old, mapper) == [("中华人民共和国民法典", "第一千一百六十五条")]


def test_3_1_lists(law_store):
    got = lawbench._gold_3_1("法条:刑法第133条之一、第99999条", law_store)
    assert got == [("中华人民共和国刑法", "第一百三十三条之一")]
