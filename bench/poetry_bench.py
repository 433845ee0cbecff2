"""Poetry generation benchmark: form compliance, copies, diversity, speed and topic relevance.

100 poems (25 per regulated form; ``--quick``: 8) on the embedded model, topics from a fixed list.
Topic relevance: LSA cosine (the poem index's embedder) of each poem with the centroid of its topic's
retrieved poems, against the centroid of another (random) topic's.
"""

from __future__ import annotations

import random
import statistics
import time

import numpy as np

from toolkit.prosody import REGULATED_FORMS

TOPICS = ("春夜", "秋思", "登高", "送别", "边塞", "思乡", "江南春雨", "咏梅", "月夜", "山居", "渔父", "怀古",
          "落花", "秋雨", "雪夜", "早行", "夏日荷塘", "归雁", "塞下曲", "听琴", "咏竹", "长江", "田家", "清明", "除夕")
FORMS = REGULATED_FORMS


def _positions(report) -> tuple[int, int]:
    """(checked fixed positions, positions that match) of a report's tones against its template."""
    checked = ok = 0
    for exp, tones in zip(report.expected, report.tones):
        for e, t in zip(exp, tones):
            if e in ("平", "仄"):
                checked += 1
                ok += t == e or t == "中"
    return checked, ok


def _centroid(index, topic: str, k: int = 10) -> np.ndarray:
    from pipelines.poetry.topic import body_of

    hits = index.search(topic, k=k)
    vec = index.embedder.embed([body_of(h) for h in hits]).mean(axis=0)
    return vec / (np.linalg.norm(vec) or 1.0)


def run(args) -> str:
    from pipelines.poetry import PoetryPipeline

    quick = bool(getattr(args, "quick", False))
    total = 8 if quick else 100
    pp = PoetryPipeline.from_settings()
    pp.generate("春", form="五绝", seed=0)  # warm-up: model, index, line set
    rows = []
    for i in range(total):
        form, topic = FORMS[i % 4], TOPICS[(i // 4 if quick else i) % len(TOPICS)]
        t0 = time.perf_counter()
        poem = pp.generate(topic, form=form, n=1, seed=1000 + i)[0]
        rows.append((form, topic, poem, time.perf_counter() - t0))
    reps = [p.report for _, _, p, _ in rows]
    length_ok = sum("length" not in r.kinds() and r.form is not None for r in reps)
    rhyme_ok = sum(bool(r.rhyme_ok) and not ({"rhyme", "repeat_rhyme", "rhyme_tone"} & r.kinds()) for r in reps)
    checked = matched = 0
    for r in reps:
        c, m = _positions(r)
        checked, matched = checked + c, matched + m
    gu = sum(1 for r in reps for v in r.errors if v.kind == "gu_ping")
    san = sum(1 for r in reps for v in r.errors if v.kind == "san_ping_wei")
    all_ok = sum(r.ok for r in reps)
    copies = sum(len(p.copied_lines) for _, _, p, _ in rows)
    lines = [l for r in reps for l in r.lines]
    distinct = len(set(lines)) / max(1, len(lines))
    secs = [t for *_, t in rows]
    rng = random.Random(0)
    own, other, wins = [], [], 0
    cents = {t: _centroid(pp.index, t) for t in {t for _, t, _, _ in rows}} if pp.index is not None else {}
    for form, topic, poem, _ in rows:
        if not cents:
            break
        v = pp.index.embedder.embed([poem.text])[0]
        v = v / (np.linalg.norm(v) or 1.0)
        alt = rng.choice([t for t in TOPICS if t != topic])
        cents.setdefault(alt, _centroid(pp.index, alt))
        a, b = float(v @ cents[topic]), float(v @ cents[alt])
        own.append(a)
        other.append(b)
        wins += a > b
    n = len(rows)
    pct = lambda x: f"{100 * x / max(1, n):.1f} %"  # noqa: E731
    from collections import Counter

    han = [Counter(c for c in p.text if "\u4e00" <= c <= "\u9fff") for _, _, p, _ in rows]
    n_chars = max(1, sum(sum(c.values()) for c in han))
    rate = {ch: 100 * sum(c[ch] for c in han) / n_chars for ch in "不一"}
    rep3 = sum(any(v >= 3 for v in c.values()) for c in han)
    table = [
        "| metric | value | bar |", "|---|---|---|",
        f"| poems (forms × topics) | {n} ({n // 4} per form) | 100 |",
        f"| length compliance | {pct(length_ok)} | 100 % |",
        f"| rhyme compliance | {pct(rhyme_ok)} | 100 % |",
        f"| 平仄 fixed positions matching | {100 * matched / max(1, checked):.2f} % of {checked} | ≥ 98 % |",
        f"| 孤平 / 三平尾 | {gu} / {san} | 0 / 0 |",
        f"| check() ok (all rules) | {pct(all_ok)} | |",
        f"| verbatim corpus lines | {copies} | 0 |",
        f"| distinct lines | {100 * distinct:.1f} % | ≥ 95 % |",
        f"| 「不」 / 「一」 share of characters | {rate['不']:.2f} % / {rate['一']:.2f} % | ≤ 2.02 % / ≤ 1.30 % "
        "(2× regular 全唐诗) |",
        f"| poems with a character used ≥ 3 times | {pct(rep3)} | ≤ 15 % (全唐诗 2.8 %) |",
        f"| median s / poem (p90) | {statistics.median(secs):.2f} ({sorted(secs)[int(0.9 * (n - 1))]:.2f}) | ≤ 2 s |",
    ]
    if own:
        table.append(f"| topic relevance: LSA cos own vs other topic | {statistics.mean(own):.3f} vs "
                     f"{statistics.mean(other):.3f}; own higher in {pct(wins)} | own > other |")
    samples = ["", "Sample poems:", ""]
    for form, topic, poem, t in rows[:: max(1, n // 8)][:8]:
        samples.append(f"**{form} · {topic}** ({'合律' if poem.report.ok else '不合律'}, {t:.2f} s)")
        samples.append("")
        samples.extend(f"    {l}" for l in poem.text.split("\n"))
        samples.append("")
    return "\n".join(table + samples)


if __name__ == "__main__":  # pragma: no cover
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    print(run(ap.parse_args()))
