"""Records returned by the poetry pipeline: :class:`Poem`, :class:`Inspiration`, :class:`SearchResult`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from toolkit.prosody import ProsodyReport


@dataclass(frozen=True)
class Inspiration:
    """A retrieved corpus poem that biased generation (title, author, a snippet of its text)."""

    id: str
    title: str
    author: str
    dynasty: str
    snippet: str
    score: float = 0.0


@dataclass(frozen=True)
class Poem:
    """One generated poem.

    Attributes:
        text: the poem, one couplet per line ("白日依山尽，黄河入海流。\\n...").
        form: 五绝 七绝 五律 七律 (or a 词牌 name).
        report: the prosody check of ``text`` (the gate).
        score: rerank score (the sum of ``score_parts``; higher is better).
        inspirations: retrieved poems whose characters biased the decoding.
        copied_lines: lines equal to a corpus line (should be empty).
        notes: remarks (relaxed positions, truncated topic, rhyme group choice ...).
        rhyme_group: the rhyme group decoded into; template: the 平仄 template name.
        score_parts: the terms of ``score`` with their meaning in words (:class:`~.rerank.ScorePart`).
        plan: the :class:`~.plan.PoemPlan` the poem was decoded from (None for ci and capable backends).
    """

    text: str
    form: str
    report: ProsodyReport
    score: float
    inspirations: tuple[Inspiration, ...] = ()
    copied_lines: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    rhyme_group: str | None = None
    template: str | None = None
    score_parts: tuple = ()
    plan: object | None = None

    @property
    def lines(self) -> list[str]:
        """The 句 without punctuation."""
        return list(self.report.lines)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SearchResult:
    """One corpus poem found by :meth:`PoetryPipeline.search`."""

    id: str
    title: str
    author: str
    dynasty: str
    form: str | None
    text: str
    score: float
    tune: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)
