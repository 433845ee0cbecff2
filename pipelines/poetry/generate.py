"""Constrained generation with the embedded model: template and rhyme choice, batched sampling, gates."""

from __future__ import annotations

import random
from dataclasses import dataclass

from toolkit.errors import InvalidInputError
from toolkit.llm.embedded.format import build_prompt
from toolkit.prosody import check, group_chars, rhyme_groups, templates
from toolkit.prosody.forms import Template

from .constrained import Plan, acrostic_fit, group_ids, line_tones_plan, safe_tone, vocab_for
from .records import Poem
from .topic import char_bias, choose_group, similarity

TOPIC_WEIGHT = 2.0  # rerank: mean logprob (nats/token) + TOPIC_WEIGHT · cosine(char counts)


@dataclass
class Request:
    """A validated generation request."""

    form: str
    topic: str
    keywords: tuple[str, ...]
    acrostic: str | None
    rhyme_group: str | None
    n: int
    seed: int | None
    rhyme_book: str
    start: str | None
    opening: tuple[str, ...] = ()
    opening_template: Template | None = None


def split_lines(text: str) -> list[str]:
    """The 句 of a poem text (split at ，。！？；、 and newlines, punctuation dropped)."""
    out, cur = [], []
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
            cur.append(ch)
        elif ch in "，。！？；、,.!?;\n" and cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def join_lines(lines: list[str]) -> str:
    """Lines → the corpus layout: "一，二。\\n三，四。"."""
    out = []
    for i in range(0, len(lines), 2):
        pair = lines[i:i + 2]
        out.append("，".join(pair) + ("。" if len(pair) == 2 else "，"))
    return "\n".join(out)


def pick_templates(req: Request) -> list[Template]:
    """Candidate templates: filtered by 平起/仄起, ordered by acrostic fit (ties keep 入韵 first for 七言)."""
    tpls = templates(req.form)
    if req.start:
        tpls = [t for t in tpls if t.name.startswith(req.start)] or tpls
    if req.acrostic:
        tpls = sorted(tpls, key=lambda t: -acrostic_fit(t, req.acrostic, req.rhyme_book))
    return tpls


def keyword_slots(tpl: Template, keywords, plans, rhyme_chars: str, acrostic, rhyme_book, rng) -> tuple[dict, list[str]]:
    """Positions where each keyword fits the tone plan: {(line, pos): char}, plus notes for those that fit nowhere."""
    forced: dict[tuple[int, int], str] = {}
    notes = []
    n = len(tpl.lines)
    for kw in keywords:
        spots = []
        for i in range(n):
            lt = tpl.lines[i]
            for p in range(lt.length - len(kw) + 1):
                ok = True
                for j, ch in enumerate(kw):
                    q = p + j
                    t = safe_tone(ch, rhyme_book)
                    if (i, q) in forced or (q == 0 and acrostic) or t is None:
                        ok = False
                    elif q == lt.length - 1 and lt.rhyme:
                        ok = ch in rhyme_chars
                    elif t != "中" and plans[i][q] not in ("*", t):
                        ok = False
                    if not ok:
                        break
                if ok:
                    spots.append((i, p))
        if not spots:
            notes.append(f"关键词「{kw}」无法放入任何位置而不破坏平仄或韵 (keyword fits no tone/rhyme slot); 仅作软偏置")
            continue
        i, p = spots[rng.randrange(len(spots))]
        for j, ch in enumerate(kw):
            forced[(i, p + j)] = ch
    return forced, notes


class ForcedPlan(Plan):
    """A :class:`Plan` with some positions fixed to given characters (keywords)."""

    def __init__(self, *a, forced: dict | None = None, **kw):
        super().__init__(*a, **kw)
        if forced:
            start = kw.get("start_line", 0)
            offsets, step = {}, 0
            for i in range(start, len(self.tpl.lines)):
                offsets[i] = step
                step += self.tpl.lines[i].length + (1 if i % 2 == 0 else 2)
            for (i, p), ch in forced.items():
                if i in offsets and ch in self.vocab.ids:
                    s = offsets[i] + p
                    self.steps[s] = frozenset({self.vocab.ids[ch]})


def usable_group(vocab, rhyme_book, need):
    def ok(g):
        try:
            return len(group_ids(vocab, g, rhyme_book)) >= need + 4
        except Exception:  # noqa: BLE001
            return False
    return ok


class DraftSpy:
    """A pass-through logits processor that reports the drafts decoded so far (the token stream).

    Added last to ``sample_constrained``'s processors, it sees every step's ids (prompt + generated) and
    calls ``on_draft(texts)`` with each batch row's text so far whenever a new token has been appended.

    Args:
        vocab: :func:`~pipelines.poetry.constrained.vocab_for` (id → character, punctuation ids).
        on_draft: the callback; it gets one string per batch row.
        prefix: text put before every draft (e.g. a continued poem's opening), default none.
    """

    def __init__(self, vocab, on_draft, prefix: str = ""):
        self.on_draft, self.prefix = on_draft, prefix
        self.chars = dict(vocab.by_id)
        self.chars.update({i: ch for ch, i in vocab.punct.items()})
        self.start: int | None = None
        self.texts: list[str] = []

    def __call__(self, input_ids, scores):
        if self.start is None:
            self.start = int(input_ids.shape[1])
            self.texts = [""] * int(input_ids.shape[0])
        elif int(input_ids.shape[1]) > self.start:
            last = input_ids[:, -1].tolist()
            self.texts = [t + self.chars.get(int(i), "") for t, i in zip(self.texts, last)]
            self.on_draft([self.prefix + t for t in self.texts])
        return scores

    def finish(self, results) -> None:
        """Report the finished samples (the last token of each row is never seen by a processor)."""
        self.on_draft([self.prefix + r.text for r in results])
        self.start = None


def generate_constrained(llm, req: Request, hits, counts, lines_set, notes: list[str], on_draft=None) -> list[Poem]:
    """Sample ``req.n`` poems under the prosody plan, gate them by check() and the verbatim-line set.

    ``on_draft(texts)``, if given, is called as characters are decoded (see :class:`DraftSpy`)."""
    vocab = vocab_for(llm.tokenizer, req.rhyme_book)
    rng = random.Random(req.seed)
    tpl_list = pick_templates(req)
    tpl = tpl_list[0] if req.acrostic or req.opening else tpl_list[rng.randrange(len(tpl_list))]
    if req.opening:
        tpl = req.opening_template
    need = len(tpl.rhyme_lines)
    if req.rhyme_group:
        group = req.rhyme_group
        if not usable_group(vocab, req.rhyme_book, need)(group):
            notes.append(f"韵部「{group}」可用字较少 (few usable characters)")
    else:
        group, why = choose_group(hits, req.rhyme_book, usable_group(vocab, req.rhyme_book, need))
        notes.append(why)
    rhyme = group_ids(vocab, group, req.rhyme_book)
    plans, _ = line_tones_plan(tpl, req.acrostic, req.rhyme_book)
    forced, kw_notes = keyword_slots(tpl, req.keywords, plans, group_chars(group, req.rhyme_book), req.acrostic,
                                     req.rhyme_book, rng)
    notes.extend(kw_notes)
    start = len(req.opening)
    used = frozenset(vocab.ids[l[-1]] for i, l in enumerate(req.opening) if tpl.lines[i].rhyme and l[-1] in vocab.ids)
    plan = ForcedPlan(tpl, vocab, rhyme, req.acrostic, start_line=start, used_rhymes=used,
                      rhyme_book=req.rhyme_book, forced=forced)
    notes.extend(plan.notes)
    bias = char_bias(counts, vocab.ids)
    for kw in req.keywords:
        for ch in kw:
            if ch in vocab.ids:
                bias[vocab.ids[ch]] = bias.get(vocab.ids[ch], 0.0) + 2.0
    prompt = build_prompt(req.form, req.topic[:40])
    if req.opening:
        prompt += join_lines(list(req.opening)) + ("\n" if len(req.opening) % 2 == 0 else "")
    batch = min(32, max(4, 3 * req.n))
    seed = req.seed if req.seed is not None else rng.randrange(2**31)
    cands: dict[str, Poem] = {}
    spy = DraftSpy(vocab, on_draft, prefix=prompt[len(build_prompt(req.form, req.topic[:40])):]) if on_draft else None
    for rnd in range(3):
        results = llm.sample_constrained(prompt, plan, n=batch, bias=bias, max_new_tokens=plan.length + 1,
                                         temperature=0.9, top_k=40, repetition_penalty=1.15, seed=seed + rnd,
                                         processors=(spy,) if spy else ())
        if spy:
            spy.finish(results)
        for r in results:
            body_lines = list(req.opening) + split_lines(r.text)
            text = join_lines(body_lines)
            if text in cands:
                continue
            new = body_lines[start:]
            copied = tuple(l for l in new if lines_set is not None and l in lines_set)
            report = check(text, req.form, req.rhyme_book)
            score = r.mean_logprob + TOPIC_WEIGHT * similarity(text, counts)
            cands[text] = Poem(text, req.form, report, round(score, 4), copied_lines=copied, notes=tuple(notes),
                               rhyme_group=group, template=tpl.name)
        good = [p for p in cands.values() if p.report.ok and not p.copied_lines]
        if len(good) >= req.n:
            break
    ranked = sorted(cands.values(), key=lambda p: (not p.report.ok, bool(p.copied_lines), -p.score))
    return ranked[:req.n]


def validate_group(group: str | None, rhyme_book: str) -> str | None:
    if group is None:
        return None
    valid = rhyme_groups(rhyme_book, "平")
    if group not in valid:
        raise InvalidInputError(f"未知的平声韵部 {group!r} (unknown level rhyme group in {rhyme_book}); "
                                f"可选 (valid): {', '.join(valid)}")
    return group
