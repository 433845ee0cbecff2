"""chunk_text: coverage, size limits, article and heading boundaries, overlap in whole sentences."""

import random

import pytest

from toolkit.index import chunk_text
from toolkit.text.sentences import sentence_spans

LAW = """第一章 总则
第一条 为了完善劳动合同制度，明确劳动合同双方当事人的权利和义务，制定本法。
第二条 中华人民共和国境内的企业订立劳动合同，适用本法。
第二章 劳动合同的订立
第一节 一般规定
第三条 订立劳动合同，应当遵循合法、公平、平等自愿、协商一致、诚实信用的原则。
"""


def _check_cover(text, chunks, max_chars):
    covered = [False] * len(text)
    for c in chunks:
        assert c.text == text[c.start:c.end]
        assert len(c.text) <= max_chars
        for i in range(c.start, c.end):
            covered[i] = True
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not missing, f"uncovered chars at {missing[:5]}"


def test_articles_start_chunks_and_carry_headings():
    chunks = chunk_text(LAW, max_chars=200, overlap=40)
    arts = [c for c in chunks if c.kind == "article"]
    assert len(arts) == 3
    assert arts[1].text.startswith("第二条")
    assert arts[2].heading_path == ("第二章 劳动合同的订立", "第一节 一般规定")
    assert arts[2].text.startswith("第二章")  # the headings lead into the article they open
    _check_cover(LAW, chunks, 200)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_chars,overlap", [(13, 0), (37, 9), (120, 50)])
def test_random_text_oracle(seed, max_chars, overlap):
    rng = random.Random(seed)
    pieces = ["借款人应当按期返还借款。", "他说：“好。”", "很长的句子，" * rng.randint(1, 12) + "完。", "\n", "\n\n",
              "第十条 条文内容。", "# 标题\n", "一、要点\n", "- 列表项\n", "数字3.5不拆。", "无标点的一行\n"]
    text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
    chunks = chunk_text(text, max_chars=max_chars, overlap=overlap)
    _check_cover(text, chunks, max_chars)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_overlap_is_whole_sentences():
    text = "".join(f"第{i}句话在这里。" for i in range(1, 30))
    chunks = chunk_text(text, max_chars=40, overlap=15)
    assert len(chunks) > 3
    sent_starts = {s for s, _ in sentence_spans(text)}
    for a, b in zip(chunks, chunks[1:]):
        assert b.start in sent_starts
        assert b.start < a.end  # overlapping
        assert a.end - b.start <= 15


def test_long_sentence_cut_at_commas():
    text = "甲，" * 100 + "乙。"
    chunks = chunk_text(text, max_chars=50, overlap=0)
    assert all(len(c.text) <= 50 for c in chunks)
    assert all(c.text.endswith(("，", "。")) for c in chunks)


def test_bad_arguments():
    with pytest.raises(ValueError):
        chunk_text("x", max_chars=100, overlap=100)
    assert chunk_text("") == []
