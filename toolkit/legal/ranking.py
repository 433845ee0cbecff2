"""The fitted fusion of statute search: named features per candidate article, one linear score.

Statute search gathers candidates from three rankings (BM25 of the question's words, BM25 of the
lexicon's statutory terms, dense similarity), describes each candidate by the features below, and
orders them by ``features @ weights``. The weights are *fitted* (``bench/fit_fusion.py``, a listwise
softmax loss on the dev halves of the public benchmarks and the project's dev set) and stored with
their provenance in ``data/fusion.json``; a feature whose weight is absent or zero is not computed.
Hand features (law prior, citation count, lexicon, named law, amendment penalty) stay only where the
ablation in ``bench/results/statute_ablation.md`` shows them helping on every test half and own set.

Example:
    >>> f = Fusion({"bm25": 1.0, "dense": 2.0})
    >>> f.uses("dense"), f.uses("law_prior")
    (True, False)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from ..atomic import write_json
from ..errors import InvalidInputError

FEATURES = (
    "bm25",  # BM25 of the question's own words / the best among all articles
    "bm25_rr",  # 1 / (1 + rank / 10) by that BM25 (rank-based: robust to score scale)
    "dense",  # cosine of question and article vectors / the best cosine
    "dense_rr",  # 1 / (1 + rank / 10) by the dense similarity
    "coverage",  # idf-weighted share of the question's words found in the article
    "law_bm25",  # how well the article's law as a whole matches: mean BM25 of its best 3 candidates / best law
    "law_dense",  # the same by dense similarity
    "expansion",  # BM25 of the lexicon's statutory terms for the question / their best
    "coverage_exp",  # idf-weighted share of the lexicon's terms found in the article
    # The two above × the share of the question's characters inside fired lexicon triggers: terms
    # added for a question the lexicon reads whole say more than terms one incidental word added.
    "expansion_x",
    "coverage_exp_x",
    "implied_law",  # a lexicon cue implies the article's law (辞退 → 劳动合同法)
    "named_law",  # the question names the article's law (刑法, 民诉法 ...)
    "law_prior",  # how often the public asks about the article's law (data/law_prior.tsv)
    "cited",  # how often other articles of the same law refer to this one (log-scaled)
    "amendment",  # the article belongs to an amendment act or decision (restates other laws)
)
# Hand-made signals, grouped as the ablation removes them. The lexicon's statutory terms are judged
# per lexicon file instead (bench/statute_ablation_bench.py), since rows, not a weight, decide them.
HAND_FEATURES: dict[str, tuple[str, ...]] = {
    "lexicon law boost": ("implied_law",),
    "named-law boost": ("named_law",),
    "law prior": ("law_prior",),
    "citation boost": ("cited",),
    "amendment penalty": ("amendment",),
}
FUSION_FILE = Path(__file__).parent / "data" / "fusion.json"
RANK_SCALE = 10.0  # rank features fall to one half at rank 10
LAW_TOP = 3  # a law's match is the mean of its best LAW_TOP candidate articles


@dataclass(frozen=True)
class Fusion:
    """Feature weights plus the candidate depth per ranking.

    Args:
        weights: feature name → weight (names from :data:`FEATURES`; absent = 0 = unused).
        pool: candidates taken from the top of each ranking.
        source: how the weights were obtained (data, objective, date).
    """

    weights: Mapping[str, float]
    pool: int = 100
    source: str = ""
    metrics: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        bad = sorted(set(self.weights) - set(FEATURES))
        if bad:
            raise InvalidInputError(f"未知的排序特征 (unknown ranking features) {bad}; 可选 (valid): {', '.join(FEATURES)}")
        if not isinstance(self.pool, int) or self.pool < 1:
            raise InvalidInputError(f"pool 必须是正整数 (pool must be a positive integer), got {self.pool!r}")

    def uses(self, name: str) -> bool:
        return bool(self.weights.get(name, 0.0))

    @property
    def vector(self) -> np.ndarray:
        return np.array([float(self.weights.get(f, 0.0)) for f in FEATURES], dtype=np.float32)

    def save(self, path: str | Path = FUSION_FILE) -> None:
        write_json(path, {"weights": {f: round(float(self.weights[f]), 6) for f in FEATURES if f in self.weights},
                          "pool": self.pool, "source": self.source, "metrics": dict(self.metrics)})

    @classmethod
    def load(cls, path: str | Path = FUSION_FILE) -> "Fusion":
        try:
            d = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(dict(d["weights"]), int(d.get("pool", 100)), str(d.get("source", "")), dict(d.get("metrics", {})))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise InvalidInputError(f"排序权重文件无效 (invalid fusion weights file) {path}: {e}") from None


def rank_feature(order: np.ndarray, n: int) -> np.ndarray:
    """Per row: 1 / (1 + rank / RANK_SCALE) for the rows in ``order`` (best first), 0 for the rest."""
    out = np.zeros(n, dtype=np.float32)
    out[order] = 1.0 / (1.0 + np.arange(len(order), dtype=np.float32) / RANK_SCALE)
    return out


def law_feature(scores: np.ndarray, laws: np.ndarray) -> np.ndarray:
    """Per candidate: the mean of its law's best :data:`LAW_TOP` candidate scores, divided by the best law's.

    A question about a rarely asked law matches several of that law's articles; one about a big
    law matches a few of its many articles as well as they do. Aggregating per law measures the
    former without favouring laws by size or popularity.
    """
    if not len(scores):
        return np.zeros(0, dtype=np.float32)
    order = np.lexsort((np.arange(len(scores)), -scores))
    seen: dict[int, list[float]] = {}
    for i in order:
        got = seen.setdefault(int(laws[i]), [])
        if len(got) < LAW_TOP:
            got.append(float(scores[i]))
    agg = {law: sum(v) / LAW_TOP for law, v in seen.items()}
    best = max(agg.values())
    if best <= 0:
        return np.zeros(len(scores), dtype=np.float32)
    return np.array([agg[int(x)] / best for x in laws], dtype=np.float32)


def fit(groups: list[tuple[np.ndarray, np.ndarray, float]], use: tuple[str, ...] = FEATURES, l2: float = 1e-3,
        ) -> dict[str, float]:
    """Fit weights by a listwise softmax loss: per question, ``-log Σ_gold softmax(X @ w)``.

    Args:
        groups: per question ``(X, is_gold, weight)``: its candidates' feature rows (all
            :data:`FEATURES` columns), a boolean mask of gold candidates, and the question's weight
            (sets are weighted equally, whatever their size). Questions without a gold candidate
            carry no information about the ordering and should be left out.
        use: the features allowed a weight; the others stay 0.
        l2: ridge penalty on the weights.

    Returns:
        feature → weight for the features in ``use``.
    """
    from scipy.optimize import minimize

    cols = [FEATURES.index(f) for f in use]
    data = [(X[:, cols].astype(np.float64), g, wt) for X, g, wt in groups if g.any()]
    total = sum(wt for _, _, wt in data) or 1.0

    def loss(w):
        val, grad = l2 * float(w @ w), 2 * l2 * w
        for X, g, wt in data:
            s = X @ w
            s = s - s.max()
            p = np.exp(s)
            z = p.sum()
            pg = p[g].sum()
            val += wt / total * (np.log(z) - np.log(pg))
            grad += wt / total * (X.T @ (p / z) - X[g].T @ (p[g] / pg))
        return val, grad

    res = minimize(loss, np.zeros(len(cols)), jac=True, method="L-BFGS-B")
    return {f: float(v) for f, v in zip(use, res.x)}
