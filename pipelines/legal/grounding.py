"""Keep only verified, allowed citations in generated text: drop the sentences that cite anything else.

Used by StatuteQA (answers from a capable model) and the drafter (polished 事实与理由): a model may
only cite articles that retrieval returned *and* ``verify_citations`` accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENT_END = re.compile(r"[。！？!?；;\n]")


def statute_key(law_name: str | None, article_no: int | None, sub: int = 0) -> tuple:
    return (law_name or "", article_no or 0, sub or 0)


@dataclass(frozen=True)
class Grounded:
    """The cleaned text plus the citation checks that were kept and dropped."""

    text: str
    kept: tuple
    dropped: tuple

    def note(self) -> str:
        """A line telling the reader which citations were removed and why ('' if none)."""
        if not self.dropped:
            return ""
        bits = [f"{c.raw}（{reason(c)}）" for c in self.dropped]
        return "注：以下引用未通过核验，相关内容已删除 (unverified citations removed)：" + "；".join(bits)


def reason(check) -> str:
    if check.status != "ok":
        return {"no_such_article": "法条不存在 no_such_article", "unknown_law": "未知法律 unknown_law",
                "not_current": "已失效 not_current"}.get(check.status, check.status)
    if check.quote_ok is False:
        return "引文与条文不符 quote mismatch"
    return "不在检索到的法条中 not among the retrieved articles"


def ground(text: str, checks, allowed: set[tuple] | None) -> Grounded:
    """Remove every sentence holding a citation that failed verification or is not in ``allowed``.

    Args:
        text: generated text.
        checks: ``verify_citations(text)`` results (with spans into ``text``).
        allowed: keys ``statute_key(law_name, article_no, sub)`` of the permitted articles; None = any ok one.

    Returns:
        :class:`Grounded`.
    """
    kept, dropped, cuts = [], [], []
    for c in checks:
        good = c.ok and (allowed is None or statute_key(c.law_name, c.article_no, c.sub) in allowed)
        if good:
            kept.append(c)
            continue
        dropped.append(c)
        start, end = c.span
        if end <= start:  # no span: find the raw text
            start = text.find(c.raw)
            if start < 0:
                continue
            end = start + len(c.raw)
        prev = [m.end() for m in _SENT_END.finditer(text, 0, start)]
        nxt = _SENT_END.search(text, end)
        cuts.append((prev[-1] if prev else 0, nxt.end() if nxt else len(text)))
    out, pos = [], 0
    for a, b in sorted(cuts):
        if a > pos:
            out.append(text[pos:a])
        pos = max(pos, b)
    out.append(text[pos:])
    cleaned = re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()
    return Grounded(cleaned, tuple(kept), tuple(dropped))
