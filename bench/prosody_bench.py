"""Prosody benchmark: how much of the Tang corpus fits a regulated template, how well ``tone()`` agrees
with chinese-poetry's 平仄 annotations (strains), and how the 词牌 templates fit the Song ci.

Run: ``python -m bench prosody`` (``--quick`` samples). Needs ``hanlin data pull`` (poems.jsonl,
strains.jsonl).
"""

from __future__ import annotations

import json
import statistics
import time
import zlib
from collections import Counter, defaultdict

from tqdm import tqdm

from toolkit.prosody import REGULATED_FORMS
from toolkit.prosody import SHAPES as FORM_SHAPES

REGULATED = REGULATED_FORMS
SHAPES = {shape: form for form, shape in FORM_SHAPES.items()}


def _shape_form(lines) -> str | None:
    if not lines or len({len(l) for l in lines}) != 1:
        return None
    return SHAPES.get((len(lines), len(lines[0])))


def _is_tang(rec) -> bool:
    return rec.dynasty == "唐" or "唐" in (rec.collection or "")


def _sampled(rec_id: str, every: int) -> bool:
    """Deterministic 1-in-``every`` sample spread over the whole corpus (not just its first poems)."""
    return every <= 1 or zlib.crc32(rec_id.encode()) % every == 0


class RegulatedFit:
    """Every Tang poem of the four regular shapes: share 合律 and share with rhyme ok."""

    def __init__(self):
        from toolkit.prosody import check

        self.check = check
        self.per = defaultdict(Counter)
        self.kinds = Counter()
        self.times = []

    def add(self, rec) -> None:
        from toolkit.errors import HanlinError

        if not _is_tang(rec):
            return
        shape = _shape_form(rec.lines)
        if shape is None:
            return
        t0 = time.perf_counter()
        try:
            r = self.check(rec.text_t or rec.text)
        except HanlinError:
            self.per[shape]["invalid"] += 1
            return
        self.times.append(time.perf_counter() - t0)
        c = self.per[shape]
        c["n"] += 1
        c["ok"] += bool(r.ok and r.form in REGULATED)
        c["rhyme_ok"] += bool(r.rhyme_ok)
        c["errors"] += len(r.errors)
        self.kinds.update(r.kinds())

    def table(self) -> str:
        rows = ["| shape | poems | fits a regulated template (合律) | rhyme ok | errors / poem |", "|---|---:|---:|---:|---:|"]
        tot = Counter()
        for f in REGULATED:
            c = self.per[f]
            tot.update(c)
            if c["n"]:
                rows.append(f"| {f} | {c['n']} | {c['ok'] / c['n']:.1%} | {c['rhyme_ok'] / c['n']:.1%} | {c['errors'] / c['n']:.2f} |")
        if tot["n"]:
            rows.append(f"| **all** | {tot['n']} | **{tot['ok'] / tot['n']:.1%}** | **{tot['rhyme_ok'] / tot['n']:.1%}** | {tot['errors'] / tot['n']:.2f} |")
        med = statistics.median(self.times) * 1000 if self.times else 0
        rows += ["", f"Poems with each error kind: {', '.join(f'{k} {v}' for k, v in self.kinds.most_common())}. "
                 f"Median check time {med:.1f} ms."]
        return "\n".join(rows)


class ToneAgreement:
    """tone() (平水韵) against the strains annotations, on characters they mark 平 or 仄."""

    def __init__(self):
        from toolkit.corpus import strains_path
        from toolkit.prosody.books import get_book
        from toolkit.prosody.tones import is_han, mandarin_tone

        self.book, self.is_han, self.mandarin = get_book("pingshui"), is_han, mandarin_tone
        self.strains = {}
        with open(strains_path(), encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                self.strains[rec["id"]] = "".join(c for c in "".join(rec["strains"]) if c in "平仄○中")
        self.c = Counter()
        self.wrong = Counter()

    def add(self, rec) -> None:
        marks = self.strains.get(rec.id)
        if marks is None:
            return
        c = self.c
        chars = [ch for ch in (rec.text_t or rec.text) if self.is_han(ch)]
        if len(chars) != len(marks):
            c["misaligned"] += 1
            return
        c["poems"] += 1
        for ch, m in zip(chars, marks):
            if m not in "平仄":
                continue
            c["marked"] += 1
            t, src = self.book.tone(ch), "table"
            if t is None:
                t, src = self.mandarin(ch, classical=True) or "中", "mandarin"
            if t == "中":
                c["either"] += 1
                continue
            c["compared"] += 1
            c[f"compared_{src}"] += 1
            if t == m:
                c["agree"] += 1
                c[f"agree_{src}"] += 1
            else:
                self.wrong[ch] += 1

    def table(self) -> str:
        c = self.c
        pct = lambda a, b: a / max(b, 1)  # noqa: E731
        return "\n".join([
            "| measure | value |", "|---|---:|",
            f"| poems compared (aligned) | {c['poems']} (misaligned skipped: {c['misaligned']}) |",
            f"| characters marked 平/仄 | {c['marked']} |",
            f"| coverage (our tone is 平 or 仄) | {pct(c['compared'], c['marked']):.1%} |",
            f"| our tone 中 (both readings) | {pct(c['either'], c['marked']):.1%} |",
            f"| **agreement** where both are definite | **{pct(c['agree'], c['compared']):.2%}** |",
            f"| agreement, rhyme-table characters | {pct(c['agree_table'], c['compared_table']):.2%} ({c['compared_table']}) |",
            f"| agreement, Mandarin estimates (not in table) | {pct(c['agree_mandarin'], c['compared_mandarin']):.2%} ({c['compared_mandarin']}) |",
            "",
            f"Most frequent disagreements: {' '.join(f'{ch}×{n}' for ch, n in self.wrong.most_common(15))}",
        ])


class CiFit:
    """Song ci of each supported tune (with a variant's length): share the checker passes."""

    def __init__(self, per_tune: int):
        from toolkit.prosody import check, cipai, cipai_names

        self.check, self.per_tune = check, per_tune
        self.totals = {n: {t.total for t in cipai(n).variants} for n in cipai_names()}
        self.stats = defaultdict(Counter)

    def add(self, rec) -> None:
        tune = (rec.tune or "").split("·")[0]
        if tune not in self.totals or self.stats[tune]["n"] >= self.per_tune:
            return
        if len("".join(rec.lines)) not in self.totals[tune]:
            self.stats[tune]["other_length"] += 1
            return
        r = self.check(rec.text, form=tune)
        s = self.stats[tune]
        s["n"] += 1
        s["ok"] += r.ok
        s["rhyme_ok"] += bool(r.rhyme_ok)
        s["errors"] += len(r.errors)

    def table(self) -> str:
        rows = ["| 词牌 | ci checked | 合律 | rhyme ok (词林正韵) | errors / ci | other lengths (variants not modelled) |",
                "|---|---:|---:|---:|---:|---:|"]
        for name in self.totals:
            s = self.stats[name]
            if s["n"]:
                rows.append(f"| {name} | {s['n']} | {s['ok'] / s['n']:.0%} | {s['rhyme_ok'] / s['n']:.0%} | "
                            f"{s['errors'] / s['n']:.2f} | {s['other_length']} |")
        return "\n".join(rows)


def run(args) -> str:
    """One pass over the corpus feeding the three measurements (``--quick``: a 1-in-12 sample)."""
    from toolkit.corpus import iter_poems
    from toolkit.prosody import build_rhyme_tables

    quick = getattr(args, "quick", False)
    every = 12 if quick else 1
    build_rhyme_tables()
    t0 = time.perf_counter()
    fit, tones, ci = RegulatedFit(), ToneAgreement(), CiFit(60 if quick else 500)
    for rec in tqdm(iter_poems(), desc="prosody bench", unit=" poems", mininterval=5):
        if not _sampled(rec.id, every):
            continue
        fit.add(rec)
        tones.add(rec)
        ci.add(rec)
    return (
        "## Tang poems of the four regulated shapes (平水韵)\n\n" + fit.table()
        + "\n\n## tone() vs chinese-poetry strains (characters marked 平 or 仄)\n\n" + tones.table()
        + "\n\n## Song ci against the 词牌 templates\n\n" + ci.table()
        + f"\n\n({'quick: 1-in-12 sample' if quick else 'full corpus'}; {time.perf_counter() - t0:.0f} s)"
    )
