"""The blind judgement: Hanlin's poems shuffled with real Tang poems, rated by a reader who has not seen the code.

One run writes three files:

* ``bench/data/poetry_blind/sheet-<run>.md``: the sheet the reader gets (instructions, then 32 numbered
  poems with titles; nothing says which is which);
* ``bench/data/poetry_blind/ratings-<run>.csv``: the form the reader fills in (one row per poem:
  fluency, coherence, meaning, poeticness 1-5, human y/n);
* ``bench/data/poetry_blind_keys/key-<run>.json``: which poem is whose, the topics, the seed, and the
  mechanical measures (kept apart: the reader never gets it).

Topics are titles of corpus poems drawn fresh for every run, so the sheet cannot be tuned to; the real
poems are regular-shape poems of 全唐诗 (simplified) drawn with the same seed, as many per form as
Hanlin writes. Scoring joins the filled ratings with the key.

Usage:
    python -m bench.poetry_blind new [--seed N] [--per-form 4]   # a new sheet + key
    python -m bench.poetry_blind score [RATINGS.csv]              # -> bench/results/poetry_blind.md
    python -m bench poetry_blind       # scores the latest rated sheet, or writes a new one when none waits
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import statistics
import time
from collections import Counter
from pathlib import Path

from toolkit.atomic import write_json, write_text
from toolkit.prosody import REGULATED_FORMS, SHAPES

HERE = Path(__file__).parent
SHEETS = HERE / "data" / "poetry_blind"
KEYS = HERE / "data" / "poetry_blind_keys"
RESULT = HERE / "results" / "poetry_blind.md"
SCALES = ("fluency", "coherence", "meaning", "poeticness")
FILLER = "不一"

INSTRUCTIONS = """# 诗歌盲评 (blind rating sheet) {run}

Below are {n} classical Chinese poems (五绝 七绝 五律 七律), each with its title. Some were written by
poets of the Tang dynasty, some by a machine; they are in random order.

Rate every poem on four scales from 1 (poor) to 5 (excellent), as in the poetry-generation literature,
and say whether you think a human wrote it. Please fill in the ratings file that came with this
sheet (one row per poem number): `fluency` (通顺: reads as well-formed classical Chinese),
`coherence` (连贯: the lines hang together, no contradictions), `meaning` (意义: it says something:
a scene, an occasion, a feeling), `poeticness` (诗意: imagery, craft), `human` (y = a person wrote it,
n = a machine). A short note is welcome.

"""


def _han(s: str) -> str:
    return "".join(ch for ch in s if "\u4e00" <= ch <= "\u9fff")


def clean_title(title: str) -> str:
    """A title as shown on the sheet: its first part, Han characters only, without 其N numbering."""
    head = re.split(r"[\s（(]", (title or "").strip())[0]
    title = re.sub(r"其[一二三四五六七八九十]+$", "", _han(head))
    return re.sub(r"[一二三四五六七八九十百]+首$", "", title)


def regular(p) -> bool:
    return p.form in SHAPES and all(len(l) == SHAPES[p.form][1] for l in p.lines) and len(p.lines) == SHAPES[p.form][0]


def text_stats(texts: list[str]) -> dict:
    """Filler rates (share of all characters) and the share of poems with a character used 3+ times."""
    chars = Counter()
    rep3 = 0
    total = 0
    for t in texts:
        c = Counter(_han(t))
        chars.update(c)
        total += sum(c.values())
        rep3 += any(v >= 3 for v in c.values())
    return {"poems": len(texts), "chars": total, **{f"rate_{ch}": chars[ch] / max(1, total) for ch in FILLER},
            "rep3_share": rep3 / max(1, len(texts))}


def sample_corpus(seed: int, per_form: int, n_topics: int, settings=None) -> tuple[dict, list[str], dict]:
    """(real 全唐诗 poems per form, fresh topics, corpus statistics of all regular 全唐诗 poems), one pass."""
    from toolkit.corpus import iter_poems

    rng = random.Random(seed)
    reservoir: dict[str, list] = {f: [] for f in REGULATED_FORMS}
    seen: Counter = Counter()
    titles: list[str] = []
    n_titles = 0
    tang_texts = []
    for p in iter_poems(settings):
        if p.collection == "全唐诗" and regular(p):
            tang_texts.append(p.text)
            seen[p.form] += 1
            k = seen[p.form]
            box = reservoir[p.form]
            if len(box) < per_form:
                box.append(p)
            elif rng.random() < per_form / k:
                box[rng.randrange(per_form)] = p
            continue
        t = clean_title(p.title)
        # Topics: titles of regular poems of other collections (never a sheet poem's own, never a 词牌).
        if 2 <= len(t) <= 16 and p.collection != "全唐诗" and p.form in SHAPES:
            n_titles += 1
            if len(titles) < n_topics:
                titles.append(t)
            elif rng.random() < n_topics / n_titles:
                titles[rng.randrange(n_topics)] = t
    return reservoir, titles, text_stats(tang_texts)


def new_sheet(seed: int | None = None, per_form: int = 4, settings=None, pipeline=None) -> dict:
    """Generate Hanlin's poems for fresh topics, draw as many real ones, write sheet, ratings form and key."""
    seed = int.from_bytes(os.urandom(4), "big") if seed is None else int(seed)
    run = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + f"-{seed % 10000:04d}"
    n_h = per_form * len(REGULATED_FORMS)
    real, topics, corpus = sample_corpus(seed, per_form, n_h, settings)
    if pipeline is None:
        from pipelines.poetry import PoetryPipeline

        pipeline = PoetryPipeline.from_settings(settings)
    pipeline.generate(topics[0], form="五绝", seed=0)  # loads model, index and tables outside the timing
    items, secs = [], []
    for i, topic in enumerate(topics):
        form = REGULATED_FORMS[i % len(REGULATED_FORMS)]
        t0 = time.perf_counter()
        poem = pipeline.generate(topic, form=form, seed=seed + i)[0]
        secs.append(time.perf_counter() - t0)
        items.append({"source": "hanlin", "form": form, "title": topic, "text": poem.text, "ok": poem.report.ok,
                      "copied_lines": list(poem.copied_lines), "score": poem.score,
                      "plan": [lp.keyword for lp in poem.plan.lines] if poem.plan else None})
    for form, box in real.items():
        for p in box:
            text = "\n".join(line for line in p.text.split("\n") if _han(line))  # stray punctuation rows
            items.append({"source": "tang", "form": form, "title": clean_title(p.title), "text": text,
                          "author": p.author, "id": p.id})
    random.Random(seed).shuffle(items)
    for k, it in enumerate(items, 1):
        it["no"] = k
    hanlin = [it["text"] for it in items if it["source"] == "hanlin"]
    key = {"run": run, "seed": seed, "per_form": per_form, "topics": topics, "items": items,
           "hanlin_stats": text_stats(hanlin), "corpus_stats": corpus,
           "form_ok": sum(it["ok"] for it in items if it["source"] == "hanlin"),
           "verbatim_lines": sum(len(it["copied_lines"]) for it in items if it["source"] == "hanlin"),
           "seconds": secs}
    body = [INSTRUCTIONS.format(run=run, n=len(items))]
    for it in items:
        body.append(f"## {it['no']}. 《{it['title']}》 ({it['form']})\n")
        body.extend(f"    {line}" for line in it["text"].split("\n"))
        body.append("")
    write_text(SHEETS / f"sheet-{run}.md", "\n".join(body) + "\n")
    rows = "no," + ",".join(SCALES) + ",human,note\n" + "".join(f"{it['no']},,,,,,\n" for it in items)
    write_text(SHEETS / f"ratings-{run}.csv", rows)
    write_json(KEYS / f"key-{run}.json", key)
    return key


def read_ratings(path: Path) -> dict[int, dict]:
    """Filled rows of a ratings file: no -> {scale: int, human: bool}; rows left blank are skipped.

    Raises:
        ValueError: a score outside 1-5 or a human answer other than y/n (naming the row).
    """
    out = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if not any((row.get(s) or "").strip() for s in SCALES):
                continue
            no = int(row["no"])
            rec = {}
            for s in SCALES:
                v = int(float(row[s]))
                if not 1 <= v <= 5:
                    raise ValueError(f"ratings row {no}: {s}={v} is not in 1..5")
                rec[s] = v
            h = (row.get("human") or "").strip().lower()
            if h not in ("y", "n", "yes", "no", "是", "否", "h", "m", "human", "machine"):
                raise ValueError(f"ratings row {no}: human={h!r}; write y (a person) or n (a machine)")
            rec["human"] = h in ("y", "yes", "是", "h", "human")
            out[no] = rec
    return out


def score(ratings_path: Path, key_path: Path) -> str:
    """The results table for one rated sheet."""
    key = json.loads(key_path.read_text(encoding="utf-8"))
    ratings = read_ratings(ratings_path)
    by_src: dict[str, list] = {"hanlin": [], "tang": []}
    for it in key["items"]:
        if it["no"] in ratings:
            by_src[it["source"]].append((it, ratings[it["no"]]))
    lines = [f"Sheet `{key['run']}` (seed {key['seed']}): {len(ratings)} of {len(key['items'])} poems rated by a "
             "reader who saw only the sheet. Overall = mean of the four scales.", "",
             "| | n | fluency | coherence | meaning | poeticness | overall | taken for human |", "|---|---|---|---|---|---|---|---|"]
    for src, label in (("hanlin", "Hanlin"), ("tang", "Tang poets")):
        rows = by_src[src]
        if not rows:
            continue
        means = [statistics.mean(r[s] for _, r in rows) for s in SCALES]
        human = sum(r["human"] for _, r in rows)
        lines.append(f"| {label} | {len(rows)} | " + " | ".join(f"{m:.2f}" for m in means)
                     + f" | **{statistics.mean(means):.2f}** | {human} / {len(rows)} |")
    lines += ["", "Per form (Hanlin overall / Tang overall):", ""]
    for form in REGULATED_FORMS:
        cells = []
        for src in ("hanlin", "tang"):
            rows = [r for it, r in by_src[src] if it["form"] == form]
            cells.append(f"{statistics.mean(statistics.mean(r[s] for s in SCALES) for r in rows):.2f}" if rows else "—")
        lines.append(f"- {form}: {cells[0]} / {cells[1]}")
    return "\n".join(lines + ["", mechanical(key)])


def mechanical(key: dict) -> str:
    """Filler, repetition, form and speed of the sheet's Hanlin poems against the corpus."""
    h, c = key["hanlin_stats"], key["corpus_stats"]
    secs = key["seconds"]
    n = h["poems"]
    return "\n".join([
        f"Mechanical measures of the {n} Hanlin poems (corpus: {c['poems']:,} regular-shape 全唐诗 poems):", "",
        "| | Hanlin | corpus | bar |", "|---|---|---|---|",
        *(f"| 「{ch}」 share of characters | {100 * h[f'rate_{ch}']:.2f} % | {100 * c[f'rate_{ch}']:.2f} % | "
          f"≤ {200 * c[f'rate_{ch}']:.2f} % (2×) |" for ch in FILLER),
        f"| poems with a character used ≥ 3 times | {100 * h['rep3_share']:.1f} % | {100 * c['rep3_share']:.1f} % | ≤ 15 % |",
        f"| form ok (check) | {key['form_ok']} / {n} | | all |",
        f"| verbatim corpus lines | {key['verbatim_lines']} | | 0 |",
        f"| median s / poem | {statistics.median(secs):.2f} | | ≤ 2 s |",
    ])


def latest(pattern: str, folder: Path) -> Path | None:
    files = sorted(folder.glob(pattern))
    return files[-1] if files else None


def run(args=None) -> str:
    """Score the latest sheet when its ratings are filled in; otherwise write a new sheet (unless one waits)."""
    ratings = latest("ratings-*.csv", SHEETS)
    if ratings is not None:
        run_id = ratings.stem[len("ratings-"):]
        key = KEYS / f"key-{run_id}.json"
        if read_ratings(ratings):
            return score(ratings, key)
        return (f"Sheet `{run_id}` waits for its ratings ({ratings.relative_to(HERE.parent)}); the reader gets only "
                f"{(SHEETS / f'sheet-{run_id}.md').relative_to(HERE.parent)}. Not rated yet.\n\n"
                + mechanical(json.loads(key.read_text(encoding="utf-8"))))
    key = new_sheet(per_form=2 if getattr(args, "quick", False) else 4)
    return (f"New sheet `{key['run']}` written: bench/data/poetry_blind/sheet-{key['run']}.md (give the reader only "
            f"this file); ratings go in bench/data/poetry_blind/ratings-{key['run']}.csv.\n\n" + mechanical(key))


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m bench.poetry_blind")
    sub = ap.add_subparsers(dest="cmd", required=True)
    n = sub.add_parser("new", help="write a new sheet, ratings form and key")
    n.add_argument("--seed", type=int)
    n.add_argument("--per-form", type=int, default=4)
    s = sub.add_parser("score", help="score a filled ratings file into bench/results/poetry_blind.md")
    s.add_argument("ratings", nargs="?", help="default: the latest ratings file")
    a = ap.parse_args(argv)
    if a.cmd == "new":
        key = new_sheet(a.seed, a.per_form)
        print(f"sheet: {SHEETS / ('sheet-' + key['run'] + '.md')}\nkey:   {KEYS / ('key-' + key['run'] + '.json')}")
        print(mechanical(key))
        return 0
    path = Path(a.ratings) if a.ratings else latest("ratings-*.csv", SHEETS)
    if path is None:
        raise SystemExit("no ratings file; run `python -m bench.poetry_blind new` first")
    run_id = path.stem[len("ratings-"):]
    table = score(path, KEYS / f"key-{run_id}.json")
    write_text(RESULT, f"# poetry_blind\n\n{table}\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
