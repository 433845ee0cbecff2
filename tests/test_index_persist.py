"""Save/load round trip and corrupt-index detection."""

import json

import pytest

from toolkit.errors import DataMissingError, IndexCorruptError
from toolkit.index import Document, HybridIndex


@pytest.fixture
def saved(tmp_path, segmenter, law_docs):
    ix = HybridIndex(segmenter=segmenter)
    ix.add(law_docs)
    ix.remove(["mfd:1165"])
    ix.save(tmp_path / "ix")
    return ix, tmp_path / "ix"


def test_round_trip(saved, segmenter):
    ix, path = saved
    back = HybridIndex.load(path, segmenter=segmenter)
    assert len(back) == len(ix)
    for q in ("盗窃财物", "借款合同", "劳动者经济补偿"):
        assert [h.id for h in back.search(q, k=3)] == [h.id for h in ix.search(q, k=3)]
    assert "mfd:1165" not in back
    back.add([Document("x", "网络服务提供者知道网络用户利用其网络服务侵害他人民事权益。", {})])  # copy-on-write
    assert back.search("网络服务", k=1)[0].id == "x"
    assert len(HybridIndex.load(path, segmenter=segmenter)) == len(ix)  # disk copy untouched


def test_no_pickle_files(saved):
    _, path = saved
    for p in path.rglob("*.npy"):
        import numpy as np

        np.load(p, allow_pickle=False)


@pytest.mark.parametrize("damage", ["manifest", "truncate_faiss", "flip_bm25", "drop_file"])
def test_corruption_detected(saved, segmenter, damage):
    _, path = saved
    if damage == "manifest":
        (path / "manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "truncate_faiss":
        data = (path / "dense.faiss").read_bytes()
        (path / "dense.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "flip_bm25":
        p = path / "bm25" / "data.npy"
        b = bytearray(p.read_bytes())
        b[-1] ^= 0xFF
        p.write_bytes(bytes(b))
    else:
        (path / "docs.sqlite").unlink()
    before = sorted(p.name for p in path.rglob("*"))
    with pytest.raises(IndexCorruptError, match="corrupt"):
        HybridIndex.load(path, segmenter=segmenter)
    assert sorted(p.name for p in path.rglob("*")) == before  # nothing touched


def test_missing_index(tmp_path, segmenter):
    with pytest.raises(DataMissingError):
        HybridIndex.load(tmp_path / "nope", segmenter=segmenter)


def test_manifest_contents(saved):
    _, path = saved
    m = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    assert m["format"] == "hanlin-hybrid-index" and m["count"] == 7
    assert m["embedder"]["kind"] == "lsa" and "dense.faiss" in m["files"]
