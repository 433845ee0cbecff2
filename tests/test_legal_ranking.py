"""The fitted fusion of statute search: feature names, rank/law features, the listwise fit."""

import numpy as np
import pytest

from toolkit.errors import InvalidInputError
from toolkit.legal.ranking import FEATURES, Fusion, fit, law_feature, rank_feature


def test_fusion_validates_and_round_trips(tmp_path):
    with pytest.raises(InvalidInputError, match="bm25"):
        Fusion({"bm_25": 1.0})
    with pytest.raises(InvalidInputError):
        Fusion({"bm25": 1.0}, pool=0)
    f = Fusion({"bm25": 2.0, "dense": 1.0}, pool=50, source="test")
    f.save(tmp_path / "f.json")
    g = Fusion.load(tmp_path / "f.json")
    assert g.weights == {"bm25": 2.0, "dense": 1.0} and g.pool == 50 and g.uses("dense") and not g.uses("law_prior")
    assert g.vector[FEATURES.index("bm25")] == 2.0
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(InvalidInputError):
        Fusion.load(tmp_path / "bad.json")


def test_shipped_fusion_file_loads():
    assert Fusion.load().weights


def test_rank_feature_decays_with_rank():
    r = rank_feature(np.array([3, 0, 2]), 5)
    assert r[3] == 1.0 and r[0] > r[2] > 0 and r[1] == 0 and r[4] == 0


def test_law_feature_rewards_laws_matching_with_several_articles():
    # law 0: one strong article; law 1: three good ones → law 1 matches better as a whole
    scores = np.array([1.0, 0.8, 0.8, 0.8, 0.1], dtype=np.float32)
    laws = np.array([0, 1, 1, 1, 0])
    f = law_feature(scores, laws)
    assert f[1] == f[2] == f[3] == 1.0 and f[0] == f[4] < 1.0


def test_fit_learns_which_feature_separates_gold():
    rng = np.random.default_rng(0)
    groups = []
    for _ in range(40):
        X = rng.random((20, len(FEATURES))).astype(np.float32)
        gold = np.zeros(20, dtype=bool)
        g = int(np.argmax(X[:, FEATURES.index("dense")]))  # gold = best by dense; bm25 is noise
        gold[g] = True
        groups.append((X, gold, 1.0))
    w = fit(groups, ("bm25", "dense"))
    assert w["dense"] > 1.0 and abs(w["bm25"]) < w["dense"] / 3
