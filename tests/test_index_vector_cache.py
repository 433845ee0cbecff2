"""The on-disk vector cache: round trip, per-model separation, corrupt shards rebuilt with a warning."""

import logging

import numpy as np

from toolkit.index.vector_cache import VectorCache


def _vecs(n, dim=4, seed=0):
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def test_round_trip_and_missing(tmp_path):
    c = VectorCache(tmp_path, "m1", 4)
    v = _vecs(3)
    c.put(["甲", "乙", "丙"], v)
    again = VectorCache(tmp_path, "m1", 4)  # a fresh process reads the shards back
    got, missing = again.get(["丙", "丁", "甲"])
    assert missing == [1]
    np.testing.assert_array_equal(got[0], v[2])
    np.testing.assert_array_equal(got[2], v[0])
    assert not got[1].any()


def test_models_do_not_share_vectors(tmp_path):
    VectorCache(tmp_path, "m1", 4).put(["甲"], _vecs(1))
    _, missing = VectorCache(tmp_path, "m2", 4).get(["甲"])
    assert missing == [0]


def test_wrong_shape_is_rejected(tmp_path):
    import pytest

    with pytest.raises(ValueError):
        VectorCache(tmp_path, "m1", 4).put(["甲", "乙"], _vecs(1))


def test_corrupt_shard_is_removed_and_reported(tmp_path, caplog):
    c = VectorCache(tmp_path, "m1", 4)
    c.put(["甲"], _vecs(1))
    c.put(["乙"], _vecs(1, seed=1))
    shards = sorted(c.folder.glob("shard-*.npz"))
    assert len(shards) == 2
    shards[0].write_bytes(shards[0].read_bytes()[:40])  # truncated
    with caplog.at_level(logging.WARNING):
        got, missing = VectorCache(tmp_path, "m1", 4).get(["甲", "乙"])
    assert len(missing) == 1 and "corrupt vector cache" in caplog.text
    assert len(list(c.folder.glob("shard-*.npz"))) == 1  # the bad shard is gone: its texts get re-encoded


def test_non_finite_or_foreign_shard_is_not_trusted(tmp_path, caplog):
    c = VectorCache(tmp_path, "m1", 4)
    c.folder.mkdir(parents=True)
    keys = np.array([b"x" * 16], dtype="S16")
    np.savez(c.folder / "shard-nan.npz", keys=keys, vectors=np.full((1, 4), np.nan, dtype=np.float32))
    np.savez(c.folder / "shard-dim.npz", keys=keys, vectors=np.zeros((1, 3), dtype=np.float32))
    (c.folder / "shard-junk.npz").write_bytes(b"not a zip")
    with caplog.at_level(logging.WARNING):
        assert len(VectorCache(tmp_path, "m1", 4)) == 0
    assert caplog.text.count("corrupt vector cache") == 3
