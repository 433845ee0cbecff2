"""Chunking: whole articles, no heading crossing, sentence-bounded splits with overlap, size bounds."""

import random

import pytest

from pipelines.qa.chunking import ChunkConfig, chunk_blocks
from pipelines.qa.retrieval import merge_rows
from pipelines.qa.catalog import ChunkRow
from pipelines.qa.structure import Block, blocks_from_lines, heading_level


def test_heading_levels():
    assert heading_level("第一编 总则") == 2
    assert heading_level("第三章　劳动合同的解除") == 4
    assert heading_level("第一节 一般规定") == 5
    assert heading_level("## 押金") == 2
    assert heading_level("第三章规定的情形下，用人单位应当支付经济补偿并且说明理由，这是一个很长的句子不是标题。") is None
    assert heading_level("第十条 建立劳动关系。") is None


def test_bracket_title_lines_are_headings():
    blocks = blocks_from_lines(["杜甫诗集", "【望岳】杜甫", "岱宗夫如何，齐鲁青未了。", "【春望】杜甫", "国破山河在。"])
    assert [(b.heading_path, b.text) for b in blocks] == [((), "杜甫诗集"), (("望岳 杜甫",), "岱宗夫如何，齐鲁青未了。"), (("春望 杜甫",), "国破山河在。")]
    assert heading_level("【注意】本合同一式两份，双方各执一份。") is None  # a sentence, not a title


def test_wrapped_pdf_lines_are_glued_but_articles_split():
    lines = ["第一条 为了保护劳动者的合法", "权益，制定本法。", "第二条 本法适用于", "企业。"]
    assert [b.text for b in blocks_from_lines(lines, wrapped=True)] == ["第一条 为了保护劳动者的合法权益，制定本法。", "第二条 本法适用于企业。"]


def test_articles_start_chunks_once_min_reached():
    blocks = [Block(f"第{i}条 " + "内容很长。" * 8, None, ("第一章",)) for i in range(1, 5)]
    pieces = chunk_blocks(blocks, ChunkConfig(max_chars=400, min_chars=40, overlap=0))
    assert [p.text.split(" ")[0] for p in pieces] == ["第1条", "第2条", "第3条", "第4条"]


def test_chunks_never_cross_headings():
    blocks = [Block("甲。", None, ("一",)), Block("乙。", None, ("二",))]
    pieces = chunk_blocks(blocks, ChunkConfig(max_chars=100, min_chars=50))
    assert [(p.text, p.heading_path, p.section) for p in pieces] == [("甲。", ("一",), 0), ("乙。", ("二",), 1)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_long_paragraph_split_at_sentences_with_overlap(seed):
    rng = random.Random(seed)
    sents = ["第%d句" % i + "字" * rng.randint(3, 40) + rng.choice("。！？；") for i in range(60)]
    text = "".join(sents)
    cfg = ChunkConfig(max_chars=120, min_chars=30, overlap=40)
    pieces = chunk_blocks([Block(text)], cfg)
    assert len(pieces) > 3
    assert all(len(p.text) <= cfg.max_chars for p in pieces)
    assert all(p.continued for p in pieces[1:])
    # every sentence survives whole in some chunk, and stitching the chunks back gives the text
    assert all(any(s in p.text for p in pieces) for s in sents)
    rows = [ChunkRow(f"d:{p.ord}", "d", p.ord, p.section, None, (), p.continued, p.text, p.overlap) for p in pieces]
    assert any(p.overlap for p in pieces)
    assert merge_rows(rows) == text


def test_overlong_sentence_is_hard_split():
    pieces = chunk_blocks([Block("字" * 250 + "。")], ChunkConfig(max_chars=100, min_chars=10, overlap=0))
    assert [len(p.text) for p in pieces] == [100, 100, 51]


def test_bad_config_rejected():
    with pytest.raises(ValueError):
        ChunkConfig(max_chars=100, min_chars=200)
