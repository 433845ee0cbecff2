"""Conversation history and follow-up rewriting for statute Q&A.

A follow-up such as “那如果是试用期呢？” cannot be searched on its own. With a capable model the
``legal_followup`` template rewrites it; with the embedded model the previous question's key
terms are merged into the query (deterministic, no generation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FOLLOWUP_START = re.compile(r"^(那|那么|那如果|如果|要是|假如|假设|还有|另外|此外|而且|并且|但是|可是|这种|这样|这个|该|上述|同样|也)")
FOLLOWUP_MARK = re.compile(r"(呢[？?]?$|这种情况|这样的话|上述|那种|同样的|也[是能可会要])")
SHORT_QUESTION = 8  # characters; questions this short usually lean on context


# The facts a conversation establishes and later turns rely on: money, dates and time spans, parties.
_AMOUNT = re.compile(r"(?:[\d,.]+|[一二三四五六七八九十两百千万]+)\s*(?:万|千)?\s*(?:元|块钱|块)")
_DATE = re.compile(r"\d{4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*[日号])?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]")
_SPAN = re.compile(r"(?:[\d]+|[一二三四五六七八九十两半]+)\s*(?:年|个月|个多月|天|周|星期)(?:多)?")
PARTIES = ("房东", "租客", "中介", "公司", "老板", "单位", "用人单位", "员工", "商家", "卖家", "店家", "平台", "朋友",
           "同事", "邻居", "丈夫", "妻子", "老公", "老婆", "前夫", "前妻", "父亲", "母亲", "父母", "儿子", "女儿", "孩子",
           "司机", "物业", "开发商", "银行", "保险公司", "医院", "学校", "政府", "派出所", "对方", "借款人", "出借人")


def conversation_facts(history: list[dict], limit: int = 8) -> list[str]:
    """Who, amounts, dates and time spans the user stated in earlier turns, in order, deduplicated.

    Example:
        >>> conversation_facts([{"role": "user", "content": "房东不退3000元押金，我租了两年"}])
        ['房东', '3000元', '两年']
    """
    found: list[tuple[int, int, str]] = []
    for t_i, turn in enumerate(t for t in history if t["role"] == "user"):
        text = turn["content"]
        for word in PARTIES:
            i = text.find(word)
            if i >= 0 and not any(word in other and word != other for other in PARTIES if other in text):
                found.append((t_i, i, word))
        for rx in (_AMOUNT, _DATE, _SPAN):
            for m in rx.finditer(text):
                found.append((t_i, m.start(), m.group(0).replace(" ", "")))
    out = list(dict.fromkeys(f for _, _, f in sorted(found)))
    # A date's year also matches as a time span ("2011年"): keep the longer one.
    out = [f for f in out if not any(f != g and f in g for g in out)]
    return out[:limit]


def normalize_history(history) -> list[dict]:
    """Turn history into ``[{"role": "user"|"assistant", "content": str}, ...]``.

    Accepts role/content dicts, ``(question, answer)`` pairs, or objects with ``question``/``text``.
    """
    out: list[dict] = []
    for turn in history or []:
        if isinstance(turn, dict) and "role" in turn:
            out.append({"role": "user" if turn["role"] in ("user", "human") else "assistant",
                        "content": str(turn.get("content", ""))})
        elif isinstance(turn, (tuple, list)) and len(turn) == 2:
            out.append({"role": "user", "content": str(turn[0])})
            out.append({"role": "assistant", "content": str(turn[1])})
        elif hasattr(turn, "question") and hasattr(turn, "text"):
            out.append({"role": "user", "content": turn.question})
            out.append({"role": "assistant", "content": turn.text})
        else:
            raise TypeError(f"无法识别的对话记录 (unrecognised history turn): {turn!r}")
    return out


def is_followup(question: str) -> bool:
    """Heuristic: does the question depend on earlier turns?"""
    q = question.strip()
    return bool(FOLLOWUP_START.match(q) or FOLLOWUP_MARK.search(q)) or len(q) <= SHORT_QUESTION and "？" in q[-1:]


def merge_terms(question: str, previous: str, tokenize) -> str:
    """The embedded-model rewrite: previous question's key terms + the follow-up, deduplicated."""
    from .extractive import NON_CONTENT

    prev_terms = [t for t in dict.fromkeys(tokenize(previous))
                  if (len(t) >= 2 or t in "借还租房车伤") and t not in NON_CONTENT]
    new_terms = set(tokenize(question))
    merged = " ".join(t for t in prev_terms if t not in new_terms)
    return f"{merged} {question}".strip()


def _clean_rewrite(text: str) -> str:
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    line = re.sub(r"^(改写后的问题|问题)[:：]\s*", "", line)
    return line.strip("“”\"' ")


def rewrite_followup(question: str, history: list[dict], tokenize, llm=None, prompts=None) -> str:
    """A self-contained query for ``question`` given ``history`` (unchanged when it stands alone)."""
    users = [t["content"] for t in history if t["role"] == "user"]
    if not users:
        return question
    if llm is not None and getattr(llm, "capable", False) and prompts is not None:
        out = _clean_rewrite(llm.generate(prompts.render("legal_followup", question=question, history=history),
                                        max_new_tokens=128, temperature=0.0))
        if 2 <= len(out) <= 4 * len(question) + 200:
            return out
    if not is_followup(question):
        return question
    return merge_terms(question, users[-1], tokenize)


@dataclass
class Conversation:
    """A running consultation: each ``ask`` sees the earlier turns (follow-ups get rewritten).

    Example:
        >>> conv = StatuteQA.from_settings().conversation()          # doctest: +SKIP
        >>> conv.ask("公司辞退我没有给补偿怎么办？")                    # doctest: +SKIP
        >>> conv.ask("那如果是试用期呢？").query                       # doctest: +SKIP
        '公司 辞退 补偿 那如果是试用期呢？'
    """

    qa: object
    turns: list = field(default_factory=list)  # role/content dicts
    answers: list = field(default_factory=list)

    def ask(self, question: str):
        # The history carries the *rewritten* query as the user turn, so chains of follow-ups keep context.
        answer = self.qa.ask(question, history=self.turns)
        self.turns += [{"role": "user", "content": answer.query}, {"role": "assistant", "content": answer.text}]
        self.answers.append(answer)
        return answer

    def stream(self, question: str):
        pieces = []
        for p in self.qa.stream(question, history=self.turns):
            pieces.append(p)
            yield p
        query = self.qa.last_query or question
        self.turns += [{"role": "user", "content": query}, {"role": "assistant", "content": "".join(pieces)}]

    def reset(self) -> None:
        self.turns.clear()
        self.answers.clear()
