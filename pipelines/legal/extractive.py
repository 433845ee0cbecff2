"""Pieces shared by the statute answers: the disclaimer, the words that carry no content, the basis list.

The structured extractive answer itself is composed in :mod:`pipelines.legal.compose`.
"""

from __future__ import annotations


DISCLAIMER = (
    "⚠️ 以上内容由系统依据检索到的现行法条自动整理，仅供参考，不构成法律意见；"
    "具体问题请咨询执业律师或法律援助机构。(Legal information only, not legal advice.)"
)
# The same notice in one language, for answers laid out in the user's language.
DISCLAIMERS = {
    "zh": "⚠️ 以上内容由系统依据检索到的现行法条自动整理，仅供参考，不构成法律意见；具体问题请咨询执业律师或法律援助机构。",
    "en": "⚠️ Compiled automatically from the current statutes retrieved: legal information only, not legal advice; "
          "for your own case ask a practising lawyer or a legal aid centre.",
}


# Question words that say nothing about which article applies.
NON_CONTENT = frozenset("没有 怎么 怎么办 如何 可以 是否 应该 应当 什么 需要 已经 现在 这个 那个 这种 那么 如果 还是 "
                        "能否 能不能 会不会 有没有 要不要 请问 问题 情况 时候 我们 他们 自己 一下 规定 适用 现在 "
                        "还是 之后 以后 以前 的话".split())


def basis_section(statutes) -> str:
    """### 法律依据 with every article's full text (citation line + text as a block quote)."""
    parts = ["### 法律依据"]
    for s in statutes:
        body = "\n".join(f"> {line}" for line in s.text.split("\n"))
        parts.append(f"**{s.citation}**\n{body}")
    return "\n\n".join(parts)
