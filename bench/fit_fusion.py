"""Fit statute search's fusion weights on the dev halves and write ``toolkit/legal/data/fusion.json``.

Weights: fitted on the dev halves of LawBench 3-8 and 3-1 and the project's own dev set
(``statute_dev``), each set weighted equally, by a listwise softmax loss over each question's
candidates (:func:`toolkit.legal.ranking.fit`).

Which hand features get a weight at all follows the issue's rule: a hand feature group stays only
if it helps on every checked set (test halves, the law-uniform set, the own sets other than the dev
one): removing it lowers recall@5 on at least one of them and raises it on none (a set where the
feature changes nothing, e.g. no question in it names a law, counts neither for nor against it). Groups are removed one at a time (backward elimination): while some group
fails the rule, the one whose removal leaves the best mean recall@5 goes, and the rest are checked
again against the smaller model. The rounds are printed and land in the ablation results.

Run: ``python -m bench.fit_fusion`` (``--dry-run`` writes nothing).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np

DEV_SETS = ("3-8 dev", "3-1 dev", "statute_dev")
# Always available: the retrieval signals and the lexicon's statutory terms (judged per file instead).
BASE = ("bm25", "bm25_rr", "dense", "dense_rr", "coverage", "law_bm25", "law_dense",
        "expansion", "coverage_exp", "expansion_x", "coverage_exp_x")


@dataclass
class Collected:
    """One question's candidates: rows, features, the gold mask and the article keys."""

    rows: np.ndarray
    X: np.ndarray
    gold: np.ndarray
    keys: list


def collect(searcher, questions: list[dict], use) -> list[Collected]:
    """Candidates and features for each question with the features in ``use`` switched on."""
    from toolkit.legal.ranking import Fusion

    probe = Fusion({f: 1.0 for f in use}, pool=searcher.fusion.pool)
    out = []
    for q in questions:
        rows, X = searcher.candidates(q["question"], None, probe)
        keys = [searcher.table.key(int(r)) for r in rows]
        gold = np.array([k in q["gold"] for k in keys], dtype=bool)
        out.append(Collected(rows, X, gold, keys))
    return out


def ranks(collected: list[Collected], w: np.ndarray) -> list[int | None]:
    """Rank (1-based) of the first gold article per question under weights ``w``, None beyond 10."""
    out = []
    for c in collected:
        if not len(c.rows):
            out.append(None)
            continue
        order = np.lexsort((c.rows, -(c.X @ w)))[:10]
        hit = np.flatnonzero(c.gold[order])
        out.append(int(hit[0]) + 1 if len(hit) else None)
    return out


def fit_weights(data: dict[str, list[Collected]], use, sets=DEV_SETS) -> np.ndarray:
    """Weights over all FEATURES (0 outside ``use``) fitted on ``sets`` of ``data``, each set weighted equally."""
    from toolkit.legal.ranking import FEATURES, fit

    groups = []
    for name in sets:
        for c in data[name]:
            groups.append((c.X, c.gold, 1.0 / len(data[name])))
    w = fit(groups, tuple(use))
    return np.array([w.get(f, 0.0) for f in FEATURES], dtype=np.float32)


def recall5(data: dict, use, keys) -> dict[str, float]:
    w = fit_weights(data, use)
    return {k: sum(1 for r in ranks(data[k], w) if r is not None and r <= 5) / (len(data[k]) or 1) for k in keys}


def select_features(data: dict, checked: list[str]) -> tuple[list[str], list[str]]:
    """Backward elimination of hand feature groups; returns (kept groups, a log line per round)."""
    from toolkit.legal.ranking import HAND_FEATURES

    kept, log = list(HAND_FEATURES), []

    def feats(groups):
        return BASE + tuple(f for g in groups for f in HAND_FEATURES[g])

    while kept:
        ref = recall5(data, feats(kept), checked)
        fails = {}
        for g in kept:
            r = recall5(data, feats([x for x in kept if x != g]), checked)
            if not (all(ref[k] >= r[k] for k in checked) and any(ref[k] > r[k] for k in checked)):
                fails[g] = sum(r.values()) / len(r)
        if not fails:
            break
        worst = max(fails, key=fails.get)
        log.append(f"with {', '.join(kept)}: {', '.join(sorted(fails))} fail the rule; removing {worst} "
                   f"(mean recall@5 over checked sets without it {fails[worst]:.3f}, with it {sum(ref.values()) / len(ref):.3f})")
        kept.remove(worst)
    log.append(f"kept: {', '.join(kept) or 'no hand feature'}")
    return kept, log


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)
    from bench.statute_bench import metrics, question_sets
    from toolkit.legal.ranking import FEATURES, Fusion
    from toolkit.legal.search import StatuteSearcher

    from toolkit.legal.ranking import HAND_FEATURES

    searcher = StatuteSearcher.open()
    sets = {k: qs for k, _t, qs in question_sets(searcher.store)}
    data = {k: collect(searcher, qs, FEATURES) for k, qs in sets.items()}
    kept, log = select_features(data, [k for k in sets if k not in DEV_SETS])
    print("\n".join(log))
    use = BASE + tuple(f for g in kept for f in HAND_FEATURES[g])
    w = fit_weights(data, use)
    dev = {k: metrics(ranks(data[k], w))["recall"][5] for k in DEV_SETS}
    for k, v in dev.items():
        print(f"{k}: dev recall@5 {v:.3f}")
    fusion = Fusion({f: float(x) for f, x in zip(FEATURES, w) if x}, pool=searcher.fusion.pool,
                    source=(f"fitted (listwise softmax, L2 1e-3) on {', '.join(DEV_SETS)}, sets weighted equally; "
                            f"hand features kept by the ablation rule: {', '.join(kept) or 'none'}"),
                    metrics={f"{k} r@5": round(v, 4) for k, v in dev.items()})
    print(fusion.weights)
    if not args.dry_run:
        fusion.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
