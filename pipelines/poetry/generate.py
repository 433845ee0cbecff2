"""The validated request and the pieces the planner and decoder share: line layout, template order,
keyword-forced allowed sets, the draft stream."""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.errors import InvalidInputError
from toolkit.prosody import rhyme_groups, templates
from toolkit.prosody.forms import Template

from .constrained import Plan, acrostic_fit, group_ids


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


def validate_group(group: str | None, rhyme_book: str) -> str | None:
    if group is None:
        return None
    valid = rhyme_groups(rhyme_book, "平")
    if group not in valid:
        raise InvalidInputError(f"未知的平声韵部 {group!r} (unknown level rhyme group in {rhyme_book}); "
                                f"可选 (valid): {', '.join(valid)}")
    return group
