"""Does the plan earn its place? The same requests decoded with and without the plan's keywords.

For 16 topics (4 per regulated form) the pipeline plans once; the poem is decoded from that plan and
from the same plan with every keyword removed (template, rhyme, season, guards and rerank unchanged).
Measured: the model's mean log-probability per character (fluency as the model sees it), topic
relevance as in ``bench poetry`` (LSA cosine of the poem with the centroid of its topic's retrieved
poems, against another topic's; the keywords come from retrieved poems too, so this measure favours
them: the blind bench is the real test), and poems with a character used three times.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
from collections import Counter

import numpy as np

from bench.poetry_bench import TOPICS, _centroid
from toolkit.prosody import REGULATED_FORMS


def run(args) -> str:
    from pipelines.poetry import PoetryPipeline

    n = 8 if getattr(args, "quick", False) else 16
    pp = PoetryPipeline.from_settings()
    pp.warm()
    topics = TOPICS[:n]
    cents = {t: _centroid(pp.index, t) for t in topics}
    rows = ["| decoded from | mean log-prob / char | LSA cos own topic | other topic | own higher | char used ≥ 3× |",
            "|---|---|---|---|---|---|"]
    for mode in ("plan", "plan without keywords"):
        rng = random.Random(0)
        lp, own, other, rep = [], [], [], 0
        for i, topic in enumerate(topics):
            plan = pp.plan(topic, form=REGULATED_FORMS[i % 4], seed=i)
            if mode != "plan":
                plan = dataclasses.replace(plan, lines=tuple(dataclasses.replace(l, keyword=None, slot=None)
                                                             for l in plan.lines))
            poem = pp.generate(plan=plan, seed=i)[0]
            lp.append(next(s.value for s in poem.score_parts if s.name == "fluency"))
            v = pp.index.embedder.embed([poem.text])[0]
            v = v / (np.linalg.norm(v) or 1.0)
            alt = rng.choice([t for t in topics if t != topic])
            own.append(float(v @ cents[topic]))
            other.append(float(v @ cents[alt]))
            rep += max(Counter(c for c in poem.text if "\u4e00" <= c <= "\u9fff").values()) >= 3
        wins = sum(a > b for a, b in zip(own, other))
        rows.append(f"| {mode} | {statistics.mean(lp):.3f} | {statistics.mean(own):.3f} | {statistics.mean(other):.3f} "
                    f"| {wins} / {n} | {rep} / {n} |")
    return "\n".join(rows)
