"""What to do next in a dispute: steps from procedural law, by kind of dispute, each resting on an article.

The table (``data/procedure.json``) is legal procedure written from the statutes (劳动争议调解仲裁法 for
labour arbitration and its one-year limit, 民法典第一百八十八条 for the general three-year limitation,
消费者权益保护法 for the consumer channels, 行政复议法 / 行政诉讼法 for the administrative deadlines, …).
Every step quotes its article verbatim; :func:`next_steps` drops a step whose article or quote does not
check out against the statute DB, so a step shown is a step verified.

The kind of a dispute is told from two generic signals: the laws (and 民法典 books and chapters) of
the articles retrieved for the question, and a few words naming each kind.

Example:
    >>> kinds = dispute_kinds()
    >>> sorted(kinds)[:3]
    ['administrative', 'consumer', 'criminal_victim']
    >>> classify_dispute("房东不退押金怎么办").kind
    'tenancy'
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from ..errors import InvalidInputError
from .quotes import quote_matches

log = logging.getLogger(__name__)

TABLE = Path(__file__).parent / "data" / "procedure.json"
FALLBACK = "general"  # the kind when nothing points elsewhere: ordinary civil procedure
PREFIX = "中华人民共和国"


@dataclass(frozen=True)
class Step:
    """One thing to do, with the article it rests on (quoted verbatim)."""

    stage: str  # 证据 / 协商 / 调解 / 投诉 / 仲裁 / 诉讼 / 时效 …
    action: str  # what to do, in plain words
    law: str  # short name of the law (民法典)
    article_no: int
    quote: str  # verbatim words of the article the step rests on
    limit: bool = False  # a time limit or deadline
    when: tuple[str, ...] = ()  # shown only for questions holding one of these words (see next_steps)


@dataclass(frozen=True)
class DisputeKind:
    key: str  # labour, consumer, …
    name_zh: str
    name_en: str
    keywords: tuple[str, ...]  # words that name the kind
    laws: tuple[str, ...]  # short names of laws whose articles belong to the kind
    civil_code: tuple[tuple[int, int], ...]  # 民法典 article ranges (books / chapters) of the kind
    steps: tuple[Step, ...]
    facts: tuple[str, ...] = ()  # facts that change the answer in this kind of dispute

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class VerifiedStep:
    """A step whose article exists, is current and contains the quote; ``statute`` is that article."""

    step: Step
    statute: object  # toolkit.legal.Statute

    @property
    def citation(self) -> str:
        return self.statute.citation


@dataclass(frozen=True)
class Classification:
    kind: str
    scores: tuple[tuple[str, float], ...]  # every kind with a positive score, best first
    named: bool = False  # the question itself holds a word of the winning kind (not only its articles)


@dataclass(frozen=True)
class ClassifierWeights:
    """How much each signal counts; fitted on the LawBench 3-8 dev half (bench/legal_answers_bench.py)."""

    keyword: float = 1.0  # per distinct kind word in the question
    article: float = 1.0  # per retrieved article of the kind, divided by its rank (1, 2, 3 …)
    depth: int = 5  # retrieved articles that vote
    keyword_cap: int = 2  # words of one kind counted at most (long questions repeat themselves)


@lru_cache(maxsize=4)
def dispute_kinds(path: str | None = None) -> dict[str, DisputeKind]:
    """The table, loaded once and checked for shape (raises InvalidInputError naming the bad entry)."""
    p = Path(path) if path else TABLE
    raw = json.loads(p.read_text(encoding="utf-8"))
    kinds = {}
    for key, d in raw.get("kinds", {}).items():
        try:
            steps = tuple(Step(s["stage"], s["action"], s["law"], int(s["article"]), s["quote"],
                               bool(s.get("limit", False)), tuple(s.get("when", ()))) for s in d["steps"])
            kinds[key] = DisputeKind(key, d["name_zh"], d["name_en"], tuple(d.get("keywords", ())),
                                     tuple(d.get("laws", ())), tuple(tuple(r) for r in d.get("civil_code", ())),
                                     steps, tuple(d.get("facts", ())))
        except (KeyError, TypeError, ValueError) as e:
            raise InvalidInputError(f"程序表 {p.name} 中 '{key}' 格式错误 (bad procedure entry): {e!r}") from None
    if FALLBACK not in kinds:
        raise InvalidInputError(f"程序表 {p.name} 缺少 '{FALLBACK}' (the fallback kind is required)")
    return kinds


def kind_names() -> list[str]:
    return sorted(dispute_kinds())


def short_law(name: str) -> str:
    return (name or "").strip("《》").removeprefix(PREFIX)


@lru_cache(maxsize=1)
def _law_to_kind() -> dict[str, str]:
    return {law: k.key for k in dispute_kinds().values() for law in k.laws}


def kind_of_article(law: str, article_no: int | None = None) -> str | None:
    """The kind of dispute an article belongs to (None for laws the table does not place).

    Example:
        >>> kind_of_article("中华人民共和国民法典", 710), kind_of_article("劳动合同法", 47)
        ('tenancy', 'labour')
    """
    short = short_law(law)
    if short == "民法典":
        if article_no is None:
            return None
        for k in dispute_kinds().values():
            if any(lo <= article_no <= hi for lo, hi in k.civil_code):
                return k.key
        return None
    return _law_to_kind().get(short)


def classify_dispute(question: str, statutes: Iterable = (),
                     weights: ClassifierWeights = ClassifierWeights()) -> Classification:
    """The kind of dispute ``question`` is about, from its words and the laws of its retrieved articles.

    Args:
        question: the question (with the conversation's facts for a follow-up).
        statutes: retrieved articles, best first (anything with ``law_name`` and ``article_no``).
        weights: signal weights.

    Returns:
        :class:`Classification`; ``kind`` is ``general`` (ordinary civil procedure) when no signal fires.
    """
    scores: dict[str, float] = {}
    for k in dispute_kinds().values():
        hits = sum(1 for w in k.keywords if w in question)
        if hits:
            scores[k.key] = weights.keyword * min(hits, weights.keyword_cap)
    named = set(scores)
    for rank, s in enumerate(list(statutes)[: weights.depth], 1):
        kind = kind_of_article(s.law_name, s.article_no)
        if kind:
            scores[kind] = scores.get(kind, 0.0) + weights.article / rank
    ranked = tuple(sorted(((k, v) for k, v in scores.items() if v > 0), key=lambda kv: (-kv[1], kv[0])))
    kind = ranked[0][0] if ranked else FALLBACK
    return Classification(kind, ranked, kind in named)


def next_steps(kind: str, question: str, get_article: Callable) -> list[VerifiedStep]:
    """The steps for ``kind`` that apply to ``question``, each with its verified article, in order.

    A step with ``when`` words is kept only if the question holds one of them; when no conditional
    step of a group (time limits / the other steps) matches, all of that group are kept.

    Args:
        kind: a key of :func:`dispute_kinds`.
        question: the question (its words pick the conditional steps).
        get_article: ``(law, article_no) -> Statute | None`` (the statute DB).

    Raises:
        InvalidInputError: unknown kind (the message lists the valid ones).
    """
    kinds = dispute_kinds()
    if kind not in kinds:
        raise InvalidInputError(f"未知的纠纷类型 '{kind}' (unknown dispute kind); 可选 (valid): {', '.join(sorted(kinds))}")
    steps = kinds[kind].steps
    matched = {id(s) for s in steps if s.when and any(w in question for w in s.when)}
    # Time limits and the other steps are picked separately: when none of a group's conditional
    # steps matches, all of them stay (a time limit is never lost because the question did not say
    # which case it is).
    open_groups = {s.limit for s in steps if s.when} - {s.limit for s in steps if id(s) in matched}
    keep = [s for s in steps if not s.when or id(s) in matched or s.limit in open_groups]
    out = []
    for s in keep:
        try:
            art = get_article(s.law, s.article_no)
        except InvalidInputError:  # a corpus without this law
            art = None
        if art is None or not quote_matches(s.quote, art.text):
            log.warning("procedure step dropped, article or quote did not verify: %s 第%s条", s.law, s.article_no)
            continue
        out.append(VerifiedStep(s, art))
    return out
