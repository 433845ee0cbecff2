"""The structured legal answer: 结论 / 依据 / 怎么办 / 注意, composed without a capable model.

结论 is the operative clause (应当 / 可以 / 有权 / 不得 / 由…承担 …) of the best articles that matches
the facts asked, quoted verbatim so it traces to its article; 依据 lists those articles once each with
the clause highlighted; 怎么办 comes from the procedure table (:mod:`toolkit.legal.procedure`) for the
kind of dispute; 注意 names the facts that would change the answer. The layout is the
``legal_answer_layout`` prompt template, shared with the generated mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .extractive import NON_CONTENT

from toolkit.legal.procedure import VerifiedStep, dispute_kinds, kind_of_article, short_law

# An operative clause says who must, may or must not do what, or who bears what.
OPERATIVE = re.compile(r"应当|可以|有权|不得|禁止|承担|不承担|无效|赔偿|支付|返还|退还|准予|不予|免除|请求|负责")
AMOUNT_ASKED = re.compile(r"多少|几倍|几个月|怎么赔|如何赔|赔多少|怎么算|如何计算|标准|金额|补偿|赔偿")
AMOUNT_TOLD = re.compile(r"[一二三四五六七八九十百千万两半\d]+倍|[一二三四五六七八九十\d]+个月|标准|百分之|[\d一二三四五六七八九十百千万]+元|比例|数额")
_CLAUSE = re.compile(r"[^。；\n]+[。；]?")
_ITEM = re.compile(r"^（[一二三四五六七八九十]+）")
EXCEPTION = re.compile(r"(但是[^。；]+|[^，。；]*另有约定的除外|[^，。；]*另有规定的(?:除外|，依照其规定))")

# Statutory roles → the everyday words a reader uses; shown in brackets after the statute's word.
PLAIN = {
    "用人单位": "公司", "劳动者": "员工", "承租人": "租客", "出租人": "房东", "经营者": "商家", "贷款人": "出借人",
    "借款人": "借钱的一方", "被侵权人": "受害人", "侵权人": "加害人", "行为人": "做出行为的人", "债权人": "要钱的一方",
    "债务人": "欠钱的一方", "行政机关": "政府部门", "被继承人": "去世的人",
}


@dataclass(frozen=True)
class Point:
    """One clause of the conclusion: verbatim words of ``statute``."""

    text: str
    statute: object

    @property
    def short_citation(self) -> str:
        return f"《{short_law(self.statute.law_name)}》{self.statute.article_label}"


@dataclass(frozen=True)
class Basis:
    """An article shown once in 依据, with the sentence that answers the question."""

    statute: object
    highlight: str = ""

    @property
    def citation(self) -> str:
        return self.statute.citation

    def marked(self) -> str:
        """The article text with the highlighted sentence in bold (Markdown)."""
        text = self.statute.text
        if self.highlight and self.highlight in text:
            return text.replace(self.highlight, f"**{self.highlight}**", 1)
        return text


@dataclass(frozen=True)
class Structured:
    """Everything the layout template shows; the same record in both modes."""

    kind: str  # dispute kind key (toolkit.legal.procedure)
    conclusion: tuple[Point, ...] = ()
    lead: str = ""  # a sentence before the points (generated mode: the model's conclusion prose)
    basis: tuple[Basis, ...] = ()
    steps: tuple[VerifiedStep, ...] = ()
    cautions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # about the question itself (a repealed law it cites …)
    facts: tuple[str, ...] = ()  # facts kept from earlier turns of the conversation
    dropped: str = ""  # which model citations failed verification and were removed
    extra: tuple[str, ...] = field(default_factory=tuple)  # free paragraphs (generated 怎么办 / 注意 text)

    @property
    def statutes(self) -> list:
        """Every article the answer cites: the basis first, then the steps' articles."""
        out, seen = [], set()
        for s in [b.statute for b in self.basis] + [v.statute for v in self.steps]:
            key = (s.law_name, s.article_no, getattr(s, "sub", 0))
            if key not in seen:
                seen.add(key)
                out.append(s)
        return out


def clauses(text: str) -> list[str]:
    """The sentences (。；) of an article, item markers kept, empty ones dropped."""
    return [m.group(0).strip() for m in _CLAUSE.finditer(text) if m.group(0).strip()]


def plain(clause: str) -> str:
    """Add the everyday word after each statutory role the first time it appears: 承租人（租客）."""
    for word, gloss in PLAIN.items():
        guard = "" if word.startswith("被") else "(?<!被)"
        clause = re.sub(f"{guard}{word}(?!（)", f"{word}（{gloss}）", clause, count=1)
    return clause


def clause_score(clause: str, terms, amount_asked: bool) -> float:
    """How well a clause answers: question terms it holds, operative wording, an amount when one is asked."""
    hit = sum(min(len(t), 4) for t in terms if len(t) >= 2 and t not in NON_CONTENT and t in clause)
    score = float(hit)
    if OPERATIVE.search(clause):
        score += 1.5
    if amount_asked and AMOUNT_TOLD.search(clause):
        score += 2.0
    if _ITEM.match(clause) and hit == 0:  # a bare list item says little on its own
        score -= 2.0
    return score


def best_clause(statute, terms, amount_asked: bool) -> tuple[float, str]:
    cands = [(clause_score(c, terms, amount_asked), -i, c) for i, c in enumerate(clauses(statute.text))]
    if not cands:
        return 0.0, ""
    score, _, c = max(cands)
    return score, c


def amount_asked(question: str) -> bool:
    return bool(AMOUNT_ASKED.search(question))


@dataclass(frozen=True)
class RerankWeights:
    """Fitted on the LawBench 3-8 dev half (bench/legal_answers_bench.py); the grid and its result are in
    bench/results/legal_answers.md. Search rank stays the main signal."""

    rank_power: float = 0.5  # a candidate at search position i scores 1 / (i + 1) ** rank_power
    same_kind: float = 0.4  # the article belongs to the dispute's kind (its law, or its 民法典 chapter)
    clause: float = 0.05  # × the best clause's score (question terms, operative wording, amounts)


def rerank(statutes, terms, kind: str, question: str, n: int, weights: RerankWeights = RerankWeights()) -> list:
    """The ``n`` articles to cite: the search order, adjusted for whether an article belongs to the
    dispute's kind and how well its best clause matches the facts asked."""
    asked = amount_asked(question)
    scored = []
    for i, s in enumerate(statutes):
        same = kind != "general" and kind_of_article(s.law_name, s.article_no) == kind
        cs, _ = best_clause(s, terms, asked)
        score = 1 / (i + 1) ** weights.rank_power + weights.same_kind * same + weights.clause * cs
        scored.append((score, -i, s))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [s for _, _, s in scored[:n]]


def conclusion_points(statutes, terms, question: str, n: int = 2) -> tuple[Point, ...]:
    """The operative clause of each of the first articles that has one matching the question."""
    asked = amount_asked(question)
    out = []
    for s in statutes:
        score, c = best_clause(s, terms, asked)
        if c and OPERATIVE.search(c):
            out.append(Point(c.rstrip("。；") + "。", s))
        if len(out) >= n:
            break
    if not out and statutes:  # no operative clause at all: the first article's opening states the rule
        first = clauses(statutes[0].text)
        if first:
            out.append(Point(first[0].rstrip("。；") + "。", statutes[0]))
    return tuple(out)


def cautions(kind: str, basis, lang: str = "zh") -> tuple[str, ...]:
    """Facts that change the answer: the kind's listed facts, then the cited articles' own exceptions."""
    out = [f"{f}" for f in dispute_kinds()[kind].facts]
    for b in basis:
        for m in EXCEPTION.finditer(b.statute.text):
            exc = m.group(1).strip("，。； ")
            if 4 <= len(exc) <= 60:
                out.append(f"条文本身的例外：《{short_law(b.statute.law_name)}》{b.statute.article_label}“{exc}”")
                break
    return tuple(dict.fromkeys(out))[:5]


def highlight_for(statute, points, terms, question: str) -> str:
    """The sentence of ``statute`` to highlight: the conclusion's clause from it, else its best clause."""
    for p in points:
        if p.statute is statute:
            c = p.text.rstrip("。")
            for sent in clauses(statute.text):
                if c in sent:
                    return sent
    _, c = best_clause(statute, terms, amount_asked(question))
    return c


def compose(question: str, terms, statutes, steps, kind: str, notes=(), facts=(), n_points: int = 2) -> Structured:
    """The extractive structured answer over ``statutes`` (already ranked, the ones to cite)."""
    points = conclusion_points(statutes, terms, question, n_points)
    basis = tuple(Basis(s, highlight_for(s, points, terms, question)) for s in statutes)
    return Structured(kind=kind, conclusion=points, basis=basis, steps=tuple(steps),
                      cautions=cautions(kind, basis), notes=tuple(notes), facts=tuple(facts))


def layout_vars(st: Structured, lang: str = "zh", basis_inline: bool = True, disclaimer: str = "") -> dict:
    """The variables of the ``legal_answer_layout`` template for ``st``."""
    kinds = dispute_kinds()
    k = kinds.get(st.kind) or kinds["general"]
    return {
        "lang": lang,
        "kind_name": k.name(lang),
        "lead": st.lead,
        "conclusion": [{"text": plain(p.text), "citation": p.short_citation} for p in st.conclusion],
        "basis": [{"citation": b.citation, "chapter": getattr(b.statute, "chapter", ""), "text": b.marked(),
                   "highlight": b.highlight} for b in st.basis],
        "steps": [{"stage": v.step.stage, "action": v.step.action, "citation": v.citation, "quote": v.step.quote,
                   "limit": v.step.limit} for v in st.steps],
        "cautions": list(st.cautions),
        "notes": list(st.notes),
        "facts": list(st.facts),
        "dropped": st.dropped,
        "extra": list(st.extra),
        "basis_inline": basis_inline,
        "disclaimer": disclaimer,
    }
