"""Fit statute search's fusion weights on the dev halves and write ``toolkit/legal/data/fusion.json``.

Dev data: the dev halves of LawBench 3-8 and 3-1 and the project's own dev set (``statute_dev``),
each set weighted equally. Test halves, the law-uniform set and the other own sets are never read
here. The objective is a listwise softmax loss over each question's candidates
(:func:`toolkit.legal.ranking.fit`).

Run: ``python -m bench.fit_fusion`` (prints dev metrics; ``--dry-run`` writes nothing).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np

DEV_SETS = ("3-8 dev", "3-1 dev", "statute_dev")


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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)
    from bench.statute_bench import metrics, question_sets
    from toolkit.legal.ranking import FEATURES, Fusion
    from toolkit.legal.search import StatuteSearcher

    searcher = StatuteSearcher.open()
    sets = {k: qs for k, _t, qs in question_sets(searcher.store) if k in DEV_SETS}
    data = {k: collect(searcher, qs, FEATURES) for k, qs in sets.items()}
    w = fit_weights(data, FEATURES)
    dev = {k: metrics(ranks(data[k], w))["recall"][5] for k in DEV_SETS}
    for k, v in dev.items():
        print(f"{k}: dev recall@5 {v:.3f}")
    fusion = Fusion({f: float(x) for f, x in zip(FEATURES, w) if x}, pool=searcher.fusion.pool,
                    source=f"fitted (listwise softmax, L2 1e-3) on {', '.join(DEV_SETS)}; sets weighted equally",
                    metrics={f"{k} r@5": round(v, 4) for k, v in dev.items()})
    print(fusion.weights)
    if not args.dry_run:
        fusion.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
