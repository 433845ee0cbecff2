"""Character tokenizer and text format of the embedded model."""

import pytest

from toolkit.errors import InvalidInputError
from toolkit.llm.embedded.format import CONTROL_TOKENS, SPECIAL_TOKENS, build_prompt, format_document, poem_kind, poem_title
from toolkit.llm.embedded.tokenizer import build_tokenizer, load_tokenizer, save_tokenizer, vocab_from_counts, count_chars

DOC = format_document("七绝", "枫桥夜泊", "月落乌啼霜满天，江枫渔火对愁眠。\n姑苏城外寒山寺，夜半钟声到客船。")


def test_prompt_format():
    assert build_prompt("七绝", "春夜喜雨") == "<bos><七绝><题>春夜喜雨<文>"
    assert build_prompt("法", "民法典 第一条") == "<bos><法><题>民法典 第一条<文>"
    assert DOC.endswith("到客船。<eos>") and "\n姑苏" in DOC
    with pytest.raises(InvalidInputError, match="八绝"):
        build_prompt("八绝")


def test_kind_and_title_mapping():
    assert poem_kind("五律") == "五律"
    assert poem_kind("浣溪沙", "浣溪沙") == "词"
    assert poem_kind("other") == "诗"
    assert poem_title("词", "春景", "浣溪沙") == "浣溪沙·春景"
    assert poem_title("词", "浣溪沙", "浣溪沙") == "浣溪沙"


def test_round_trip_with_control_tokens(tmp_path):
    tok = build_tokenizer([DOC], min_count=1)
    ids = tok(DOC)["input_ids"]
    assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id
    assert ids[1] == tok.convert_tokens_to_ids("<七绝>")
    # one token per character between the markup
    body = DOC.split("<文>")[1].removesuffix("<eos>")
    assert len(ids) == 4 + len("枫桥夜泊") + len(body) + 1
    assert tok.decode(ids) == DOC
    save_tokenizer(tok, tmp_path)
    again = load_tokenizer(tmp_path)  # plain AutoTokenizer
    assert again(DOC)["input_ids"] == ids
    assert again.decode(ids) == DOC
    assert [again.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS] == [0, 1, 2, 3]


def test_unknown_characters_and_threshold():
    counts = count_chars(["春春春风", "风花"])
    vocab = vocab_from_counts(counts, min_count=2)
    assert "春" in vocab and "风" in vocab and "花" not in vocab
    assert all(t in vocab for t in CONTROL_TOKENS) and "，" in vocab and "\n" in vocab
    assert "<" not in vocab[len(SPECIAL_TOKENS) + len(CONTROL_TOKENS):]  # markup is not counted as text
    tok = build_tokenizer(["春春春风", "风花"], min_count=2)
    ids = tok("春花")["input_ids"]
    assert ids[1] == tok.unk_token_id


def test_vocab_is_deterministic():
    texts = ["甲乙丙丁", "丁丙乙甲", "戊"]
    assert vocab_from_counts(count_chars(texts), 1) == vocab_from_counts(count_chars(reversed(texts)), 1)
