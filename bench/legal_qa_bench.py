"""Statute Q&A benchmark: does the answer cite the right article, and is every citation verified?

Dev set ``bench/data/legal_qa_dev.jsonl``: consultation-style questions written for Hanlin (many
laws, some follow-ups with a ``history``), each with its gold article(s), checked to exist in the
pulled corpus. Measures, over the answers of :class:`pipelines.legal.StatuteQA`:

* top-1 / top-3: a gold article is the first / among the first three of the answer's citations;
* search top-3: the same for plain ``search_statutes`` on the raw question (what the answer adds);
* unverified citations in all answers and in a draft of every document kind (target 0);
* ms per question;
* the same top-1 / top-3 on the public LawBench 3-8 consultations, test half (see
  :mod:`bench.lawbench`; gold = the articles the answering lawyer cited, checked by quoted text).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

DEV = Path(__file__).parent / "data" / "legal_qa_dev.jsonl"


def load_dev(path: Path = DEV) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _key(x) -> tuple:
    if isinstance(x, dict):
        return (x["law_name"], x["article_no"], x.get("sub", 0))
    if isinstance(x, tuple):  # (law_name, article_label) from bench.lawbench
        return x
    return (x.law_name, x.article_no, getattr(x, "sub", 0))


def lawbench_items(half: str = "test") -> list[dict]:
    """LawBench 3-8 questions of one half, gold as (law_name, article_label)."""
    from bench import lawbench
    from toolkit.legal.store import LawStore

    qs, _total = lawbench.load("3-8", LawStore.open())
    return [{"id": q.id, "question": q.question, "gold": list(q.gold), "by_label": True} for q in qs if q.half == half]


def _hit(cited, gold, n) -> bool:
    keys = {_key(g) for g in gold}
    if gold and isinstance(gold[0], tuple):  # gold by label: compare cited articles by label too
        return any((s.law_name, s.article_label) in keys for s in cited[:n])
    return any(_key(s) in keys for s in cited[:n])


def evaluate(qa, items, search=None) -> dict:
    """Run ``qa`` over ``items``; return the metrics and the misses (for the report)."""
    top1 = top3 = s_top3 = unverified = rejected = 0
    misses, t0 = [], time.perf_counter()
    for it in items:
        history = [{"role": "user", "content": h} for h in it.get("history", [])]
        if history:  # a follow-up: the previous turn is asked first, as in a real conversation
            conv = qa.conversation()
            for h in it["history"]:
                conv.ask(h)
            answer = conv.ask(it["question"])
        else:
            answer = qa.ask(it["question"])
        cited = list(answer.citations)
        top1 += _hit(cited, it["gold"], 1)
        top3 += _hit(cited, it["gold"], 3)
        unverified += len(answer.unverified)
        rejected += answer.mode == "rejected"
        if search is not None and not history:
            s_top3 += _hit(search(it["question"], k=3), it["gold"], 3)
        if not _hit(cited, it["gold"], 3):
            misses.append((it["id"], it["question"], [s.citation for s in cited[:3]]))
    n = len(items)
    standalone = sum(1 for it in items if not it.get("history"))
    return {
        "n": n, "top1": top1 / n, "top3": top3 / n, "search_top3": s_top3 / max(standalone, 1),
        "unverified": unverified, "rejected": rejected,
        "ms_per_q": (time.perf_counter() - t0) * 1000 / n, "misses": misses,
    }


def draft_unverified(drafter) -> list[tuple[str, int, int]]:
    """(kind, citations, unverified) for a draft of every kind and variant from its example."""
    rows = []
    for s in drafter.kinds() + drafter.variants():
        doc = drafter.draft(s.name, drafter.example_fields(s.name, s.variant), variant=s.variant)
        rows.append((s.full_name, len(doc.citations), len(doc.unverified)))
    return rows


def run(args) -> str:
    from pipelines.legal import DocumentDrafter, StatuteQA
    from toolkit.legal import search_statutes

    items = load_dev()
    if getattr(args, "quick", False):
        items = items[:20]
    qa = StatuteQA.from_settings()
    qa.ask("借钱不还怎么办？")  # warm-up: index load and jieba init are not per-question costs
    m = evaluate(qa, items, search_statutes)
    drafts = draft_unverified(DocumentDrafter.from_settings())
    public = lawbench_items("test")
    if getattr(args, "quick", False):
        public = public[::4]
    p = evaluate(qa, public, search_statutes)
    lines = [
        f"StatuteQA on {m['n']} dev questions ({len({it['law'] for it in items})} laws, "
        f"{sum(1 for it in items if it.get('history'))} follow-ups); mode: "
        f"{'generated' if qa.capable else 'extractive (embedded model)'}",
        "",
        "| metric | value | target |",
        "|---|---|---|",
        f"| gold article top-1 among the answer's citations | {m['top1']:.3f} | |",
        f"| gold article top-3 among the answer's citations | {m['top3']:.3f} | ≥ 0.80 |",
        f"| (plain search_statutes top-3 on the same questions) | {m['search_top3']:.3f} | |",
        f"| unverified citations in all answers | {m['unverified']} | 0 |",
        f"| questions rejected as non-legal / not Chinese | {m['rejected']} | 0 |",
        f"| ms per question | {m['ms_per_q']:.0f} | |",
        "",
        f"StatuteQA on the LawBench 3-8 test half ({p['n']} real consultations; gold = the lawyer's cited "
        "articles that exist today with the quoted text):",
        "",
        "| metric | value |",
        "|---|---|",
        f"| gold article top-1 among the answer's citations | {p['top1']:.3f} |",
        f"| gold article top-3 among the answer's citations | {p['top3']:.3f} |",
        f"| (plain search_statutes top-3 on the same questions) | {p['search_top3']:.3f} |",
        f"| unverified citations in all answers | {p['unverified']} |",
        f"| questions rejected | {p['rejected']} |",
        f"| ms per question | {p['ms_per_q']:.0f} |",
        "",
        "| document kind | citations | unverified |",
        "|---|---|---|",
        *[f"| {k} | {c} | {u} |" for k, c, u in drafts],
        f"| **all drafts** | {sum(c for _, c, _ in drafts)} | {sum(u for _, _, u in drafts)} |",
    ]
    if m["misses"]:
        lines += ["", "Misses (gold not in the top 3):", ""]
        lines += [f"- {i} {q} → {', '.join(c) or '-'}" for i, q, c in m["misses"]]
    return "\n".join(lines)
