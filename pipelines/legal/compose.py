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
        mark = self.highlight.split("：")[0] + "：" if "：" in self.highlight else self.highlight
        for h in (self.highlight, mark):
            if h and h in text:
                return text.replace(h, f"**{h}**", 1)
        return text


@dataclass(frozen=True)
class Structured:
    """Everything the layout template shows; the same record in both modes."""

    kind: str  # dispute kind key (toolkit.legal.procedure)
    named: bool = False  # the question names the kind itself (only then does the answer say which kind it is)
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


MAX_LIST_CLAUSE = 160  # characters: a lead-in with its items longer than this is cut after the lead-in


def clauses(text: str) -> list[str]:
    """The sentences (。；) of an article, empty ones dropped. A lead-in ending in "：" keeps its
    items (（一）…（二）…) with it, so a clause like 应当按照下列顺序履行 says which order."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        sents = [m.group(0).strip() for m in _CLAUSE.finditer(line) if m.group(0).strip()]
        j = i + 1
        while j < len(lines) and _ITEM.match(lines[j]):
            j += 1
        if line.endswith("：") and j > i + 1:
            merged = sents[-1] + "".join(lines[i + 1: j])
            if len(merged) <= MAX_LIST_CLAUSE:
                out += sents[:-1] + [merged]
                i = j
                continue
        out += sents
        i += 1
    return out


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


def operative_clause(statute, terms, amount: bool) -> tuple[float, str]:
    """The best clause of ``statute`` that is operative and shares a content word with the question."""
    best = (0.0, "")
    for i, c in enumerate(clauses(statute.text)):
        if OPERATIVE.search(c) and any(len(t) >= 2 and t not in NON_CONTENT and t in c for t in terms):
            score = clause_score(c, terms, amount)
            if score > best[0]:
                best = (score, c)
    return best


def conclusion_points(statutes, terms, question: str, n: int = 2, kind: str = "") -> tuple[Point, ...]:
    """Up to ``n`` operative clauses answering the question, best first: clause score, less half a
    point per search position; articles outside the dispute's kind only when those of the kind have none."""
    asked = amount_asked(question)
    cands = []
    for i, s in enumerate(statutes):
        score, c = operative_clause(s, terms, asked)
        if c:
            off_kind = bool(kind) and kind != "general" and kind_of_article(s.law_name, s.article_no) not in (kind, None)
            cands.append((off_kind, -(score - 0.5 * i), i, c, s))
    cands.sort(key=lambda t: t[:3])
    out = [Point(c.rstrip("。；：") + "。", s) for *_, c, s in cands[:n]]
    if not out and statutes:  # no operative clause matches: the first article's opening states the rule
        first = clauses(statutes[0].text)
        if first:
            out.append(Point(first[0].rstrip("。；：") + "。", statutes[0]))
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


def compose(question: str, terms, statutes, steps, kind: str, notes=(), facts=(), n_points: int = 2,
            named: bool = False) -> Structured:
    """The extractive structured answer over ``statutes`` (already ranked, the ones to cite)."""
    points = conclusion_points(statutes, terms, question, n_points, kind)
    # The articles the conclusion rests on are listed first, then the others in their order.
    used = [p.statute for p in points]
    ordered = used + [s for s in statutes if not any(s is u for u in used)]
    basis = tuple(Basis(s, highlight_for(s, points, terms, question)) for s in ordered)
    return Structured(kind=kind, named=named, conclusion=points, basis=basis, steps=tuple(steps),
                      cautions=cautions(kind, basis), notes=tuple(notes), facts=tuple(facts))


def layout_vars(st: Structured, lang: str = "zh", basis_inline: bool = True, disclaimer: str = "") -> dict:
    """The variables of the ``legal_answer_layout`` template for ``st``."""
    kinds = dispute_kinds()
    k = kinds.get(st.kind) or kinds["general"]
    return {
        "lang": lang,
        "kind_name": k.name(lang) if st.named else "",
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
