"""Position-by-position constrained decoding of regulated verse (近体诗) with the embedded model.

A :class:`Plan` fixes, for every generated step, the set of allowed token ids: the template's tone at
each position (strict 平/仄 everywhere except the free first position of a 七言 line, so 孤平 and
三平尾 cannot occur; 中 heteronyms fit anywhere), rhyme positions restricted to the chosen group minus
rhyme characters already used, acrostic characters forced, ``，``/``。``/``\\n`` punctuation and the
end token. Output therefore passes :func:`toolkit.prosody.check` by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from toolkit.prosody import chars_with_tone, group_chars, is_gu_ping, is_san_ping_wei, tone
from toolkit.prosody.forms import Template

_FLIP = {"平": "仄", "仄": "平"}


def safe_tone(ch: str, rhyme_book: str) -> str | None:
    """The tone of ``ch`` or None when it is not a Han character or unknown to the book."""
    try:
        return tone(ch, rhyme_book)
    except Exception:  # noqa: BLE001 - non-Han input
        return None


@dataclass
class Vocab:
    """Per tokenizer and rhyme book: ids of Han characters by tone."""

    ids: dict[str, int]  # char -> id (single-char Han tokens known to the book)
    ping: frozenset[int]
    ze: frozenset[int]
    zhong: frozenset[int]
    punct: dict[str, int]
    eos: int
    by_id: dict[int, str] = field(default_factory=dict)

    def tone_set(self, t: str) -> frozenset[int]:
        return self.ping | self.zhong if t == "平" else self.ze | self.zhong if t == "仄" else self.ping | self.ze | self.zhong


_VOCABS: dict[tuple[int, str], Vocab] = {}


def vocab_for(tokenizer, rhyme_book: str = "pingshui") -> Vocab:
    """Build (once per tokenizer and book) the tone-partitioned vocabulary."""
    key = (id(tokenizer), rhyme_book)
    if key in _VOCABS:
        return _VOCABS[key]
    ping, ze, zhong = (chars_with_tone(t, rhyme_book) for t in ("平", "仄", "中"))
    ids: dict[str, int] = {}
    for tok, i in tokenizer.get_vocab().items():
        if len(tok) == 1 and "\u4e00" <= tok <= "\u9fff" and (tok in ping or tok in ze or tok in zhong):
            ids[tok] = i
    punct = {}
    for ch in "，。\n":
        enc = tokenizer.encode(ch, add_special_tokens=False)
        punct[ch] = enc[0]
    eos = tokenizer.eos_token_id
    v = Vocab(ids, frozenset(i for c, i in ids.items() if c in ping), frozenset(i for c, i in ids.items() if c in ze),
              frozenset(i for c, i in ids.items() if c in zhong), punct, eos, {i: c for c, i in ids.items()})
    _VOCABS[key] = v
    return v


def group_ids(vocab: Vocab, group: str, rhyme_book: str) -> frozenset[int]:
    """Ids of the level-tone members of ``group`` present in the vocabulary."""
    ids = frozenset(vocab.ids[c] for c in group_chars(group, rhyme_book) if c in vocab.ids)
    return ids & vocab.tone_set("平")


def line_tones_plan(tpl: Template, acrostic: str | None, rhyme_book: str) -> tuple[list[str], list[str]]:
    """Per line the tone plan (平/仄/* per position, * = free) and notes on relaxed positions.

    A 五言 line uses the strict base pattern; a 七言 line frees its first position. An acrostic
    character whose tone clashes with the first position is kept; when that would make 孤平
    (仄平仄仄平), the third core position becomes 平 (the standard 自救)."""
    plans, notes = [], []
    for i, lt in enumerate(tpl.lines):
        p = list(lt.base)
        if lt.length == 7:
            p[0] = "*"
        if acrostic:
            ch = acrostic[i]
            t = safe_tone(ch, rhyme_book)
            if t not in ("平", "仄", "中"):
                notes.append(f"藏头字「{ch}」声调未知 (tone unknown), 第{i + 1}句首字不受平仄约束")
            elif t != "中" and p[0] not in ("*", t):
                off = lt.length - 5
                trial = [t] + p[1:]
                if lt.length == 5 and is_gu_ping(trial):
                    p[off + 2] = "平"
                    notes.append(f"藏头字「{ch}」为{t}声, 第{i + 1}句第1字放宽, 第3字改平声自救孤平 (relaxed, 孤平 rescued)")
                else:
                    notes.append(f"藏头字「{ch}」为{t}声, 第{i + 1}句第1字放宽 (relaxed; 一三五不论)")
            p[0] = "*"
        plans.append(p)
    return plans, notes


def acrostic_fit(tpl: Template, acrostic: str, rhyme_book: str) -> int:
    """How many acrostic characters match their line's first-position base tone (higher fits better)."""
    score = 0
    for lt, ch in zip(tpl.lines, acrostic):
        t = safe_tone(ch, rhyme_book)
        score += lt.length == 7 or t == "中" or t == lt.base[0]
    return score


class StepPlan:
    """An allowed-token function: ``steps[i]`` is the set allowed at step ``i``, or None at a rhyme
    position, where :meth:`rhyme_choice` decides from what was generated so far; EOS after the end."""

    steps: list
    vocab: "Vocab"

    @property
    def length(self) -> int:
        return len(self.steps)

    def __call__(self, step: int, generated: list[int]):
        if step >= len(self.steps):
            return frozenset({self.vocab.eos})
        s = self.steps[step]
        return s if s is not None else self.rhyme_choice(step, generated)

    def rhyme_choice(self, step: int, generated: list[int]) -> frozenset[int]:
        raise NotImplementedError


class Plan(StepPlan):
    """The allowed-token function for one poem (or the rest of one, after an opening).

    Args:
        tpl: the template. vocab: :func:`vocab_for`. rhyme: ids of the rhyme group.
        acrostic: characters forced at line starts (or None). start_line: lines already in the prompt.
        used_rhymes: rhyme ids already used (opening lines). rhyme_book: for tones of acrostic chars.
        banned: ids never allowed (e.g. none).
    """

    def __init__(self, tpl: Template, vocab: Vocab, rhyme: frozenset[int], acrostic: str | None = None,
                 start_line: int = 0, used_rhymes: frozenset[int] = frozenset(), rhyme_book: str = "pingshui"):
        self.tpl, self.vocab, self.rhyme = tpl, vocab, rhyme
        self.notes: list[str] = []
        plans, self.notes = line_tones_plan(tpl, acrostic, rhyme_book)
        self.steps: list[object] = []  # frozenset, or ("rhyme",) marker
        self.rhyme_steps: set[int] = set()
        n = len(tpl.lines)
        for i in range(start_line, n):
            lt = tpl.lines[i]
            for p in range(lt.length):
                if p == 0 and acrostic:
                    ch = acrostic[i]
                    tid = vocab.ids.get(ch)
                    self.steps.append(frozenset({tid}) if tid is not None else vocab.tone_set("*"))
                elif p == lt.length - 1 and lt.rhyme:
                    self.rhyme_steps.add(len(self.steps))
                    self.steps.append(None)
                else:
                    self.steps.append(vocab.tone_set(plans[i][p]))
            if i % 2 == 0:
                self.steps.append(frozenset({vocab.punct["，"]}))
            else:
                self.steps.append(frozenset({vocab.punct["。"]}))
                self.steps.append(frozenset({vocab.punct["\n"]}) if i < n - 1 else frozenset({vocab.eos}))
        self.used = frozenset(used_rhymes)
        self._rhyme_cache: dict[frozenset, frozenset] = {}

    def rhyme_choice(self, step: int, generated: list[int]) -> frozenset[int]:
        used = self.used | frozenset(generated[j] for j in self.rhyme_steps if j < step)
        out = self._rhyme_cache.get(used)
        if out is None:
            out = self.rhyme - used
            if not out:
                out = self.rhyme
            out = self._rhyme_cache[used] = frozenset(out)
        return out


def fits(tpl: Template, lines: list[str], rhyme_book: str) -> int:
    """Mismatch count of ``lines`` (a prefix) against ``tpl``'s base pattern at fixed positions."""
    bad = 0
    for lt, line in zip(tpl.lines, lines):
        if len(line) != lt.length:
            return 10**6
        ts = [safe_tone(c, rhyme_book) or "中" for c in line]
        for p, (e, a) in enumerate(zip(lt.pattern, ts)):
            if e in ("平", "仄") and a in ("平", "仄") and e != a:
                bad += 1
        bad += is_gu_ping(ts) + is_san_ping_wei(ts)
        if not lt.rhyme and ts[-1] == "平":
            bad += 1
    return bad
