"""The extractive statute answer (used with the embedded model, which cannot write legal prose).

For each retrieved article: why it applies (the question's terms found in it, highlighted) and its
key sentences quoted verbatim, so ``verify_citations`` can check every quote against the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENT = re.compile(r"[^。；！？\n]+[。；！？]?")

DISCLAIMER = (
    "⚠️ 以上内容由系统依据检索到的现行法条自动整理，仅供参考，不构成法律意见；"
    "具体问题请咨询执业律师或法律援助机构。(Legal information only, not legal advice.)"
)


# Question words that say nothing about which article applies.
NON_CONTENT = frozenset("没有 怎么 怎么办 如何 可以 是否 应该 应当 什么 需要 已经 现在 这个 那个 这种 那么 如果 还是 "
                        "能否 能不能 会不会 有没有 要不要 请问 问题 情况 时候 我们 他们 自己 一下 规定 适用 现在 "
                        "还是 之后 以后 以前 的话".split())


@dataclass(frozen=True)
class Explained:
    """A retrieved article with the question terms it contains and its best sentences."""

    statute: object
    terms: tuple[str, ...]
    sentences: tuple[str, ...]
    direct: bool = False  # the question cites this article itself
    bridged: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (user's words, statutory terms found here)


def key_sentences(text: str, terms, n: int = 2) -> tuple[str, ...]:
    """Up to ``n`` sentences of ``text`` holding the most terms, in article order, verbatim."""
    sents = [m.group(0).strip() for m in _SENT.finditer(text) if m.group(0).strip()]
    if not sents:
        return ()
    scored = [(sum(1 for t in terms if t in s), -i, s) for i, s in enumerate(sents)]
    best = sorted(scored, reverse=True)[:n]
    if best and best[0][0] == 0:  # nothing matched: the opening sentence states the rule
        return (sents[0],)
    keep = {s for score, _, s in best if score > 0}
    return tuple(s for s in sents if s in keep)


def explain(statutes, question_terms, bridges=()) -> list[Explained]:
    """Per article: the question's own terms it contains, the statutory terms it shares with what the
    question's everyday words stand for (``bridges``: ``[(words, terms)]``), and its key sentences."""
    out = []
    for s in statutes:
        terms = tuple(t for t in dict.fromkeys(question_terms)
                      if len(t) >= 2 and t not in NON_CONTENT and t in s.text)
        bridged = []
        for words, legal_terms in bridges:
            found = tuple(t for t in legal_terms if t in s.text and t not in terms)
            if found and words not in terms:
                bridged.append((words, found[:3]))
        extra = tuple(t for _, found in bridged for t in found)
        out.append(Explained(s, terms, key_sentences(s.text, terms + extra), bridged=tuple(bridged[:3])))
    return out


def basis_section(statutes) -> str:
    """### 法律依据 with every article's full text (citation line + text as a block quote)."""
    parts = ["### 法律依据"]
    for s in statutes:
        body = "\n".join(f"> {line}" for line in s.text.split("\n"))
        parts.append(f"**{s.citation}**\n{body}")
    return "\n\n".join(parts)


def extractive_answer(question: str, query: str, items: list[Explained], notes=()) -> str:
    """Compose the Markdown answer: ranked articles, matched terms, quotes, 法律依据, disclaimer."""
    # The question itself is not echoed: it may cite a repealed law, and every citation in the
    # answer text must verify.
    lines = []
    if query != question:
        lines += [f"（已结合上文理解问题，检索用语：{query}）", ""]
    lines += [f"> {n}" for n in notes]
    if notes:
        lines.append("")
    if items and all(e.direct for e in items):
        lines.append("问题所引用的现行条文如下：")
    else:
        lines.append("根据检索，以下现行法条可能适用（按相关程度排序）：")
    lines.append("")
    for i, e in enumerate(items, 1):
        s = e.statute
        where = f"（{s.chapter}）" if getattr(s, "chapter", "") else ""
        lines.append(f"{i}. {s.citation}{where}")
        if e.direct:
            lines.append("   - 相关之处：问题直接引用了本条。")
        elif e.terms or e.bridged:
            if e.terms:
                lines.append("   - 相关之处：问题中的" + "、".join(f"“**{t}**”" for t in e.terms[:6]) + "与本条规定相关。")
            for words, found in e.bridged:
                lines.append(f"   - 用语对应：问题中的“{words}”，法条中的用语是" + "、".join(f"“**{t}**”" for t in found) + "。")
        else:
            lines.append("   - 相关之处：本条与问题所述情形相近（未找到完全相同的用语）。")
        for sent in e.sentences:
            lines.append(f"   - 条文要点：{s.citation}规定“{sent}”")
    lines.append("")
    lines.append("以上条文是否适用，取决于具体事实（如当事人身份、时间、证据等）。")
    lines.append("")
    lines.append(basis_section([e.statute for e in items]))
    lines.append("")
    lines.append(DISCLAIMER)
    return "\n".join(lines)
