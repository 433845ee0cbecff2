"""Best-effort 词 (ci) generation: a 词牌 variant's per-position 平仄 and rhyme sets, 词林正韵 groups."""

from __future__ import annotations

import random

from toolkit.llm.embedded.format import build_prompt
from toolkit.prosody import check, group_chars, rhyme_groups, templates

from .constrained import StepPlan, vocab_for
from .records import Poem
from .topic import char_bias, similarity

CI_BOOK = "cilin"


class CiPlan(StepPlan):
    """Allowed ids per step for one ci variant; each rhyme set draws from its own group, no repeats."""

    def __init__(self, tpl, vocab, sets: dict[int, frozenset[int]]):
        self.vocab, self.sets = vocab, sets
        self.steps: list = []
        self.rhyme_at: dict[int, int] = {}
        for i, lt in enumerate(tpl.lines):
            for p, t in enumerate(lt.pattern):
                if p == len(lt.pattern) - 1 and lt.rhyme:
                    self.rhyme_at[len(self.steps)] = max(0, lt.rhyme_set)
                    self.steps.append(None)
                else:
                    self.steps.append(vocab.tone_set(t if t in ("平", "仄") else "*"))
            last = i == len(tpl.lines) - 1
            self.steps.append(frozenset({vocab.punct["。" if lt.rhyme or last else "，"]}))
        self.steps.append(frozenset({vocab.eos}))
        self._cache: dict = {}

    def rhyme_choice(self, step: int, generated: list[int]) -> frozenset[int]:
        k = self.rhyme_at[step]
        used = frozenset(generated[j] for j, kk in self.rhyme_at.items() if j < step and kk == k)
        key = (k, used)
        if key not in self._cache:
            self._cache[key] = frozenset(self.sets[k] - used) or self.sets[k]
        return self._cache[key]


def _group_ids(vocab, group: str, tone: str) -> frozenset[int]:
    ids = frozenset(vocab.ids[c] for c in group_chars(group, CI_BOOK, "平" if tone == "平" else "仄") if c in vocab.ids)
    return ids & vocab.tone_set("平" if tone == "平" else "仄")  # heteronyms whose book tone disagrees are dropped


def generate_ci(llm, req, counts, lines_set, notes: list[str], on_draft=None) -> list[Poem]:
    """Sample ``req.n`` ci of tune ``req.form``; every candidate is gated by :func:`check` with 词林正韵.

    ``on_draft(texts)``, if given, is called as characters are decoded (see :class:`~.generate.DraftSpy`)."""
    vocab = vocab_for(llm.tokenizer, CI_BOOK)
    rng = random.Random(req.seed)
    tpl = templates(req.form)[0]
    need: dict[int, tuple[str, int]] = {}
    for lt in tpl.lines:
        if lt.rhyme:
            k = max(0, lt.rhyme_set)
            tone, cnt = need.get(k, (lt.rhyme_tone or "平", 0))
            need[k] = (tone, cnt + 1)
    groups = rhyme_groups(CI_BOOK, None)
    sets, chosen = {}, []
    for k, (tone, cnt) in sorted(need.items()):
        ok = [g for g in groups if g not in chosen and len(_group_ids(vocab, g, tone)) >= cnt + 6]
        g = ok[rng.randrange(len(ok))]
        chosen.append(g)
        sets[k] = _group_ids(vocab, g, tone)
    notes.append(f"词牌「{req.form}」{tpl.name}, 词林正韵 {'、'.join(chosen)} (best-effort ci generation)")
    plan = CiPlan(tpl, vocab, sets)
    prompt = build_prompt("词", f"{req.form}·{req.topic[:30]}" if req.topic else req.form)
    seed = req.seed if req.seed is not None else rng.randrange(2**31)
    batch = min(32, max(4, 3 * req.n))
    out: dict[str, Poem] = {}
    spy = None
    if on_draft is not None:
        from .generate import DraftSpy

        spy = DraftSpy(vocab, on_draft)
    results = llm.sample_constrained(prompt, plan, n=batch, bias=char_bias(counts, vocab.ids),
                                     max_new_tokens=plan.length + 1, temperature=0.9, top_k=40,
                                     repetition_penalty=1.15, seed=seed, processors=(spy,) if spy else ())
    if spy:
        spy.finish(results)
    for r in results:
        text = r.text.strip()
        rep = check(text, req.form, CI_BOOK)
        copied = tuple(l for l in rep.lines if lines_set is not None and len(l) in (5, 7) and l in lines_set)
        score = r.mean_logprob + 2.0 * similarity(text, counts)
        out.setdefault(text, Poem(text, req.form, rep, round(score, 4), copied_lines=copied, notes=tuple(notes),
                                  rhyme_group="、".join(chosen), template=tpl.name))
    ranked = sorted(out.values(), key=lambda p: (not p.report.ok, bool(p.copied_lines), -p.score))
    return ranked[:req.n]
