"""Cheap opening of saved indexes: sorted vocabulary look-ups, memory-mapped postings, no scipy on
the search path, the format-1 fallback, and size-only verification of the corpus indexes."""

import json
import subprocess
import sys

import numpy as np
import pytest

from toolkit.errors import IndexCorruptError, InvalidInputError
from toolkit.index import BM25Index, Document, HybridIndex, LSAEmbedder
from toolkit.index.vocab_file import SortedVocab, save_vocab


def _poem_docs(poems200_path, n=200):
    rows = [json.loads(line) for line in poems200_path.read_text(encoding="utf-8").splitlines()[:n]]
    return [Document(r["id"], f"{r['title']}\n{r['author']}\n{r['text']}", {"dynasty": r["dynasty"]}) for r in rows]


QUERIES = ["春风", "明月 故乡", "秋夜 思乡", "江南", "黄河远上白云间", "离别", "xyz", "山", "酒 月", "边塞征人"]


def _results(ix, mode="hybrid"):
    return [[(h.id, h.score, h.bm25_score, h.dense_score) for h in ix.search(q, k=8, mode=mode)] for q in QUERIES]


# ----------------------------------------------------------------- SortedVocab
@pytest.mark.parametrize("terms", [[], [""], ["a"], ["春风", "明月", "a", "ab", "", "𠀀字", "\uffff", "Z", "春"]])
def test_sorted_vocab_matches_a_dict(tmp_path, terms):
    save_vocab(tmp_path, terms)
    v = SortedVocab.load(tmp_path)
    assert len(v) == len(terms) and v.terms() == terms and list(v) == terms
    assert {t: v[t] for t in terms} == {t: i for i, t in enumerate(terms)}
    for miss in ("秋", "春风起", "b", " ", "\ud800", "𠀁"):
        assert miss not in v and v.get(miss, -1) == -1
    assert v.get(3) is None
    with pytest.raises(KeyError):
        v["不在"]


def test_sorted_vocab_refuses_newlines_and_bad_arrays(tmp_path):
    with pytest.raises(ValueError, match="newline"):
        save_vocab(tmp_path, ["a\nb", "c"])
    save_vocab(tmp_path, ["甲", "乙"])
    with pytest.raises(ValueError, match="do not match"):
        SortedVocab(b"x", np.array([0, 2, 4]), np.array([0, 1]))
    assert SortedVocab.load(tmp_path / "nowhere") is None


# ----------------------------------------------------------------- BM25
def _bm25(segmenter, docs):
    from toolkit.text import search_tokens

    ix = BM25Index()
    ix.add([search_tokens(d.text, segmenter) for d in docs])
    return ix


def test_bm25_loads_without_a_dict_and_scores_the_same(tmp_path, segmenter, poems200_path):
    from toolkit.text import search_tokens

    docs = _poem_docs(poems200_path)
    ix = _bm25(segmenter, docs)
    ix.remove([3, 50])
    ix.save(tmp_path)
    back = BM25Index.load(tmp_path)
    assert back._vocab is None and back._terms is None  # nothing built yet
    assert isinstance(back.vocab, SortedVocab) and len(back.vocab) == back.n_terms == len(ix.terms)
    for q in QUERIES:
        toks = search_tokens(q, segmenter)
        np.testing.assert_array_equal(back.scores(toks), ix.scores(toks))
    assert back._main is None and back._vocab is None  # a search builds neither the scipy matrix nor the dict
    assert all(back.vocab[t] == i for i, t in enumerate(ix.terms))
    # changes after the load: the dict is built then, and the result equals a fresh build
    extra = [search_tokens("新词汇霹雳火 春风", segmenter), ["前所未有之词"]]
    back.add(extra)
    ix.add(extra)
    assert isinstance(back.vocab, dict) and back.terms == ix.terms
    for q in [*QUERIES, "霹雳火", "前所未有之词"]:
        toks = search_tokens(q, segmenter) or [q]
        np.testing.assert_array_equal(back.scores(toks), ix.scores(toks))


def test_bm25_format_1_still_loads(tmp_path, segmenter, poems200_path):
    from toolkit.text import search_tokens

    ix = _bm25(segmenter, _poem_docs(poems200_path, 60))
    ix.save(tmp_path)
    for f in ("vocab_offsets.npy", "vocab_order.npy"):
        (tmp_path / f).unlink()
    params = json.loads((tmp_path / "bm25.json").read_text())
    (tmp_path / "bm25.json").write_text(json.dumps({**params, "format": 1}))
    back = BM25Index.load(tmp_path)
    assert isinstance(back.vocab, dict)
    toks = search_tokens("明月 春风", segmenter)
    np.testing.assert_array_equal(back.scores(toks), ix.scores(toks))
    (tmp_path / "bm25.json").write_text(json.dumps({**params, "format": 2}))
    with pytest.raises(ValueError, match="vocabulary arrays"):
        BM25Index.load(tmp_path)
    (tmp_path / "bm25.json").write_text(json.dumps({**params, "format": 9}))
    with pytest.raises(ValueError, match="unsupported bm25 format 9"):
        BM25Index.load(tmp_path)


# ----------------------------------------------------------------- LSA
def test_lsa_single_text_path_is_bit_identical(tmp_path, segmenter, poems200_path):
    docs = _poem_docs(poems200_path)
    texts = [d.text for d in docs]
    emb = LSAEmbedder(dim=16, segmenter=segmenter).fit(texts)
    emb.save(tmp_path)
    back = LSAEmbedder.load(tmp_path, segmenter=segmenter)
    assert back._vocab is None and isinstance(back.vocab, SortedVocab)
    probes = [*texts[:80], *QUERIES, "春风春风春风 明月明月", "", "abc 123", texts[5][:7] * 3]
    for model in (emb, back):
        for t in probes:
            want = model._project(model.matrix([t]))  # the scipy path
            np.testing.assert_array_equal(model.embed([t]), want)
    np.testing.assert_array_equal(back.embed(texts[:10]), emb.embed(texts[:10]))
    assert back.features == emb.features and back.spec() == emb.spec()


def test_lsa_format_1_still_loads(tmp_path, segmenter, poems200_path):
    texts = [d.text for d in _poem_docs(poems200_path, 80)]
    emb = LSAEmbedder(dim=8, segmenter=segmenter).fit(texts)
    emb.save(tmp_path)
    for f in ("vocab_offsets.npy", "vocab_order.npy", "bigram_keys.npy", "bigram_cols.npy"):
        (tmp_path / f).unlink()
    spec = json.loads((tmp_path / "embedder.json").read_text())
    del spec["format"]
    (tmp_path / "embedder.json").write_text(json.dumps(spec))
    back = LSAEmbedder.load(tmp_path, segmenter=segmenter)
    assert isinstance(back.vocab, dict)
    np.testing.assert_array_equal(back.embed(texts[:5] + ["明月"]), emb.embed(texts[:5] + ["明月"]))


# ----------------------------------------------------------------- HybridIndex
@pytest.fixture
def saved_poems(tmp_path, segmenter, poems200_path):
    ix = HybridIndex(segmenter=segmenter)
    ix.add(_poem_docs(poems200_path))
    ix.remove([ix.get(d.id).id for d in _poem_docs(poems200_path, 3)])
    ix.save(tmp_path / "ix")
    return ix, tmp_path / "ix"


def test_hybrid_round_trip_is_identical(saved_poems, segmenter):
    ix, path = saved_poems
    back = HybridIndex.load(path, segmenter=segmenter)
    assert json.loads((path / "manifest.json").read_text())["version"] == 2
    for mode in ("hybrid", "bm25", "dense"):
        assert _results(back, mode) == _results(ix, mode)
    for i in (back, ix):  # changes after a load: postings leave the memory map, terms join the vocabulary
        i.remove([h.id for h in i.search("明月", k=2, mode="bm25")])
        i.add([Document("new", "春风又绿江南岸，明月何时照我还。霹雳火", {})])
    assert _results(back) == _results(ix)
    got = [(h.id, h.score) for h in back.search("霹雳火", k=5)]
    assert got == [(h.id, h.score) for h in ix.search("霹雳火", k=5)] and "new" in dict(got)


def test_open_and_search_do_not_import_scipy(saved_poems):
    _, path = saved_poems
    code = (
        "import sys\n"
        "from toolkit.text import Segmenter\n"
        "from toolkit.index import HybridIndex\n"
        f"ix = HybridIndex.load({str(path)!r}, segmenter=Segmenter(dicts=()), verify='size')\n"
        "hits = ix.search('春风 明月', k=5)\n"
        "assert hits, 'no hits'\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_version_1_folder_still_opens(saved_poems, segmenter):
    ix, path = saved_poems
    for f in ("vocab_offsets.npy", "vocab_order.npy"):
        (path / "bm25" / f).unlink()
    (path / "bm25" / "bm25.json").write_text(json.dumps({**json.loads((path / "bm25" / "bm25.json").read_text()), "format": 1}))
    m = json.loads((path / "manifest.json").read_text())
    m["version"] = 1
    m["files"] = {k: v for k, v in m["files"].items() if "vocab_o" not in k}
    (path / "manifest.json").write_text(json.dumps(m))
    back = HybridIndex.load(path, segmenter=segmenter, verify="size")
    assert _results(back) == _results(ix)
    m["version"] = 7
    (path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexCorruptError, match="unsupported version"):
        HybridIndex.load(path, segmenter=segmenter)


# ----------------------------------------------------------------- corpus indexes
@pytest.fixture
def built_poems(corpus_settings):
    from toolkit.index import corpus_indexes as ci

    ci.build("poems", corpus_settings, progress=False)
    yield ci, corpus_settings
    ci.open_index.cache_clear()


def _flip_last_byte(p):
    b = bytearray(p.read_bytes())
    b[-1] ^= 0xFF
    p.write_bytes(bytes(b))


def test_corpus_open_checks_sizes_and_verify_checks_checksums(built_poems, monkeypatch):
    ci, s = built_poems
    assert ci.is_valid("poems", s)
    assert ci.verify("poems", s)["version"] == 2
    path = ci.index_path("poems", s)
    _flip_last_byte(path / "embedder" / "idf.npy")
    assert ci.open_index("poems", s).search("春风", k=3)  # size-only check at open: still opens
    with pytest.raises(IndexCorruptError, match="checksum mismatch"):
        ci.verify("poems", s)
    ci.open_index.cache_clear()
    monkeypatch.setenv(ci.VERIFY_ENV, "crc32")
    with pytest.raises(IndexCorruptError, match="checksum mismatch"):
        ci.open_index("poems", s)
    monkeypatch.setenv(ci.VERIFY_ENV, "md5")
    with pytest.raises(InvalidInputError, match="valid"):
        ci.open_index("poems", s)


def test_corpus_open_reports_a_truncated_file(built_poems):
    ci, s = built_poems
    p = ci.index_path("poems", s) / "bm25" / "data.npy"
    p.write_bytes(p.read_bytes()[:-100])
    with pytest.raises(IndexCorruptError, match="truncated"):
        ci.open_index("poems", s)
    assert not ci.is_valid("poems", s)


def test_old_version_is_rebuilt_by_if_missing(built_poems, capsys):
    from pipelines.cli import main

    ci, s = built_poems
    mpath = ci.index_path("poems", s) / "manifest.json"
    m = json.loads(mpath.read_text())
    mpath.write_text(json.dumps({**m, "version": 1}))
    assert not ci.is_valid("poems", s)
    assert main(["--lang", "en", "index", "build", "--if-missing", "--only", "poems", "--quiet"]) == 0
    assert "docs" in capsys.readouterr().out and ci.is_valid("poems", s)
    assert main(["--lang", "en", "index", "build", "--if-missing", "--only", "poems", "--quiet"]) == 0
    assert "skipped" in capsys.readouterr().out


def test_cli_verify(built_poems, capsys):
    from pipelines.cli import main

    ci, s = built_poems
    assert main(["--lang", "en", "index", "verify", "--only", "poems"]) == 0
    assert "ok, crc32" in capsys.readouterr().out
    _flip_last_byte(ci.index_path("poems", s) / "docs.sqlite")
    assert main(["--lang", "en", "index", "verify", "--only", "poems", "--mode", "size"]) == 0
    assert main(["--lang", "en", "index", "verify"]) == 1  # poems altered, laws not built
    out = capsys.readouterr().out
    assert "checksum mismatch" in out and "hanlin index build --only laws" in out
