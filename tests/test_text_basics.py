"""toolkit.text: segmentation, search tokens, sentences, conversion."""

import pytest

from toolkit.text import STOPWORDS, Segmenter, s2t, search_tokens, split_sentences, t2s
from toolkit.text.sentences import sentence_spans


def test_search_tokens_keep_negation_and_meaningful_single_chars(segmenter):
    toks = search_tokens("借钱不还怎么办？", segmenter)
    assert toks == ["借钱", "不", "还"]
    assert "怎么办" in STOPWORDS and "不" not in STOPWORDS


def test_search_tokens_lowercase_no_punct_and_no_numeral_fragments(segmenter):
    toks = search_tokens("Hello，劳动合同法第四十七条！", segmenter)
    assert "hello" in toks and "，" not in toks
    assert "第四十七条" in toks and "四十" not in toks and "七条" not in toks
    assert "合同" in toks  # search mode adds sub-words of 劳动合同法


def test_backends_agree():
    pytest.importorskip("rjieba")
    a, b = Segmenter(backend="jieba"), Segmenter(backend="rjieba")
    text = "用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。"
    assert search_tokens(text, a) == search_tokens(text, b)


def test_user_dictionary(tmp_path):
    d = tmp_path / "u.txt"
    d.write_text("翰林院士 10 n\n", encoding="utf-8")
    assert "翰林院士" in Segmenter(dicts=[d]).cut("他是翰林院士")
    with pytest.raises(Exception, match="user dictionary"):
        Segmenter(dicts=[tmp_path / "missing.txt"])


def test_split_sentences_quotes_and_numbers():
    assert split_sentences("他说：“好。”然后走了……真的吗？价格3.5元。") == ["他说：“好。”", "然后走了……", "真的吗？", "价格3.5元。"]


@pytest.mark.parametrize("text", ["", "a", "一。二！三？四；五……六", "“引号。”\n\n 下一行\n", "无标点"])
def test_sentence_spans_tile_the_text(text):
    spans = sentence_spans(text)
    assert "".join(text[s:e] for s, e in spans) == text
    assert all(e > s for s, e in spans)


def test_t2s_s2t():
    assert t2s("漢字與詩詞") == "汉字与诗词"
    assert s2t("汉字与诗词") == "漢字與詩詞"
