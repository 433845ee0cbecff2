"""Plan -> candidates: batched constrained sampling with the embedded model.

The plan's template, rhyme group, acrostic and placed keywords become the allowed-token function
(:class:`~.generate.ForcedPlan`); its topic characters and keywords a soft logit bias; its season and
time of day ban the marker characters of the others (when the plan leaves them open, the first marker
decoded decides, :class:`ClashGuard`). Two more guards keep the model off its habits: a
character already used twice in the poem is pushed out of reach, and the filler characters 不 and 一
get a small negative bias unless the plan asks for them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from toolkit.llm.embedded.format import build_prompt

from .constrained import group_ids, vocab_for
from .generate import DraftSpy, ForcedPlan, join_lines, split_lines
from .plan import FILLER, SEASON_MARKERS, TIME_CLASH, TIME_MARKERS, PoemPlan
from .topic import char_bias

KEYWORD_BIAS = 2.0  # a keyword's characters also pull where it is not forced (a keyword that fits no slot)
FILLER_BIAS = -2.0  # logits: the model pads with 不/一 at several times the corpus rate
BANNED = -30.0  # out of reach without making a step's allowed set empty
MAX_USES = 2  # a third use of one character is the model's loop, rarely the poet's


@dataclass(frozen=True)
class Candidate:
    text: str  # the full poem (opening included), corpus layout
    lines: tuple[str, ...]
    mean_logprob: float  # nats per generated token under the unconstrained model distribution


class RepeatGuard:
    """A logits processor: characters used ``MAX_USES`` times in a row get ``BANNED`` added. Characters
    the plan forces later (keywords, acrostic) count as used from the start, so the free positions
    before them cannot use up their quota.

    Works on NumPy arrays and torch tensors alike (only indexing and arithmetic).

    Args:
        han_ids: ids of Han characters. opening_ids: ids of the user's opening lines.
        reserved: step -> id of every forced step of the allowed-token plan.
    """

    def __init__(self, han_ids: frozenset[int], opening_ids: tuple[int, ...] = (), reserved: dict | None = None):
        self.han, self.opening = han_ids, opening_ids
        self.reserved = {s: i for s, i in (reserved or {}).items() if i in han_ids}
        self.base = Counter(t for t in opening_ids if t in han_ids) + Counter(self.reserved.values())
        self.start: int | None = None

    def __call__(self, input_ids, scores):
        if self.start is None:
            self.start = int(input_ids.shape[1])
            return scores
        out = None
        for r, row in enumerate(input_ids[:, self.start:].tolist()):
            counts = self.base + Counter(t for j, t in enumerate(row) if t in self.han and j not in self.reserved)
            over = [t for t, c in counts.items() if c >= MAX_USES]
            if over:
                out = scores * 1 if out is None else out  # a copy: the engine may reuse its logits
                out[r, over] = out[r, over] + BANNED
        return scores if out is None else out


class ClashGuard:
    """A logits processor for a plan that leaves season or time of day open: once a row has used a
    season's (or time of day's) marker, the markers that would contradict it get ``BANNED`` added."""

    def __init__(self, vocab, plan: PoemPlan):
        self.ids = {ch: i for ch, i in vocab.ids.items()}
        self.by_id = vocab.by_id
        self.opening = "".join(plan.opening)
        self.start: int | None = None
        self.rules = []  # (markers that decide, markers then banned)
        if not plan.season:
            for s, m in SEASON_MARKERS.items():
                self.rules.append((m, "".join(v for k, v in SEASON_MARKERS.items() if k != s)))
        if not plan.time_of_day:
            for t, m in TIME_MARKERS.items():
                self.rules.append((m, "".join(TIME_MARKERS[c] for c in TIME_CLASH[t])))

    def __call__(self, input_ids, scores):
        if self.start is None:
            self.start = int(input_ids.shape[1])
            return scores
        out = None
        for r, row in enumerate(input_ids[:, self.start:].tolist()):
            text = self.opening + "".join(self.by_id.get(t, "") for t in row)
            ban = [self.ids[c] for decide, banned in self.rules if any(c in text for c in decide)
                   for c in banned if c in self.ids]
            if ban:
                out = scores * 1 if out is None else out
                out[r, ban] = out[r, ban] + BANNED
        return scores if out is None else out


def plan_bias(plan: PoemPlan, vocab) -> dict[int, float]:
    """Token id -> logit bias for the plan (topic pull, keywords, filler, banned markers)."""
    bias = char_bias(Counter(plan.topic_chars), vocab.ids)
    for kw in plan.keywords:
        for ch in kw:
            if ch in vocab.ids:
                bias[vocab.ids[ch]] = bias.get(vocab.ids[ch], 0.0) + KEYWORD_BIAS
    wanted = plan.topic + "".join(plan.keywords) + (plan.acrostic or "")
    for ch in FILLER:
        if ch in vocab.ids and ch not in wanted:
            bias[vocab.ids[ch]] = bias.get(vocab.ids[ch], 0.0) + FILLER_BIAS
    for ch in plan.banned_chars():
        if ch in vocab.ids:
            bias[vocab.ids[ch]] = BANNED
    return bias


def decode(llm, plan: PoemPlan, n: int, seed: int, on_draft=None, rounds: int = 1) -> list[Candidate]:
    """Sample ``n`` candidates per round for ``plan`` (``rounds`` batches with seeds ``seed``, ``seed + 1`` ...).

    ``on_draft(texts)``, if given, is called as characters are decoded (see :class:`~.generate.DraftSpy`).
    """
    vocab = vocab_for(llm.tokenizer, plan.rhyme_book)
    tpl = plan.tpl
    start = len(plan.opening)
    used = frozenset(vocab.ids[l[-1]] for i, l in enumerate(plan.opening) if tpl.lines[i].rhyme and l[-1] in vocab.ids)
    allowed = ForcedPlan(tpl, vocab, group_ids(vocab, plan.rhyme_group, plan.rhyme_book), plan.acrostic,
                         start_line=start, used_rhymes=used, rhyme_book=plan.rhyme_book, forced=plan.forced())
    base = build_prompt(plan.form, plan.title)
    prefix = join_lines(list(plan.opening)) + ("\n" if start and start % 2 == 0 else "") if plan.opening else ""
    bias = plan_bias(plan, vocab)
    opening_ids = tuple(vocab.ids[c] for l in plan.opening for c in l if c in vocab.ids)
    reserved = {s: next(iter(st)) for s, st in enumerate(allowed.steps) if isinstance(st, frozenset) and len(st) == 1}
    out: list[Candidate] = []
    for r in range(rounds):
        spy = DraftSpy(vocab, on_draft, prefix=prefix) if on_draft else None
        guard = RepeatGuard(frozenset(vocab.by_id), opening_ids, reserved)
        procs = (guard, ClashGuard(vocab, plan)) + ((spy,) if spy else ())
        results = llm.sample_constrained(base + prefix, allowed, n=n, bias=bias, max_new_tokens=allowed.length + 1,
                                         temperature=0.9, top_k=40, repetition_penalty=1.15, seed=seed + r,
                                         processors=procs)
        if spy:
            spy.finish(results)
        for res in results:
            lines = tuple(plan.opening) + tuple(split_lines(res.text))
            out.append(Candidate(join_lines(list(lines)), lines, res.mean_logprob))
    return out
