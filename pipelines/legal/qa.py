"""StatuteQA: question → retrieve articles → answer (extractive or generated) → verify every citation.

Example:
    >>> qa = StatuteQA.from_settings()                                   # doctest: +SKIP
    >>> a = qa.ask("公司辞退我没有给补偿怎么办？")                          # doctest: +SKIP
    >>> [s.citation for s in a.citations][:1]                           # doctest: +SKIP
    ['《中华人民共和国劳动合同法》第四十七条']
    >>> conv = qa.conversation(); conv.ask("借钱不还怎么办"); conv.ask("那如果没有借条呢？")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterator

from toolkit.errors import InvalidInputError

from .backend import LegalBackend
from .conversation import Conversation, normalize_history, rewrite_followup
from .extractive import DISCLAIMER, Explained, basis_section, explain, extractive_answer, key_sentences
from .grounding import ground, statute_key
from .screening import (NO_LEGAL_CONTENT_MESSAGE, NO_STATUTE_MESSAGE, NOT_CHINESE_MESSAGE, check_question, has_legal_cue,
                        not_chinese)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """A statute answer.

    Attributes:
        text: Markdown answer (always with 法律依据 and the disclaimer unless ``mode == "rejected"``).
        citations: the verified statutes the answer cites, most relevant first.
        checks: ``verify_citations`` on the final text (every one ``ok``).
        question: as asked; query: what was searched (the rewrite for follow-ups).
        mode: ``extractive``, ``generated`` or ``rejected`` (not Chinese / no legal content).
        dropped: citations the model produced that failed verification or were not retrieved.
    """

    text: str
    citations: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    question: str = ""
    query: str = ""
    mode: str = "extractive"
    dropped: list = field(default_factory=list)

    @property
    def unverified(self) -> list:
        return [c for c in self.checks if not c.ok]

    def to_dict(self) -> dict:
        return {
            "question": self.question, "query": self.query, "mode": self.mode, "text": self.text,
            "citations": [s.to_dict() if hasattr(s, "to_dict") else vars(s) for s in self.citations],
            "checks": [c.to_dict() if hasattr(c, "to_dict") else vars(c) for c in self.checks],
            "dropped": [c.to_dict() if hasattr(c, "to_dict") else vars(c) for c in self.dropped],
        }


class StatuteQA:
    """Answer legal questions from current statutes only.

    Args:
        legal: search / lookup / verify functions (default :mod:`toolkit.legal`).
        llm: a model; ``llm.capable`` → generated answers constrained to the retrieved articles,
            otherwise (the embedded poetry model, or None) → extractive answers.
        prompts: PromptRegistry (templates ``legal_answer``, ``legal_followup``).
        tokenize: ``text -> list[str]`` search tokens (default jieba via :mod:`toolkit.text`).
        k: articles retrieved; n_cite: articles shown in an extractive answer.
    """

    def __init__(self, legal: LegalBackend | None = None, llm=None, prompts=None, tokenize=None,
                 k: int = 8, n_cite: int = 3):
        self.legal = legal or LegalBackend.default()
        self.llm = llm
        self._prompts = prompts
        self._tokenize = tokenize
        self.k, self.n_cite = k, n_cite
        self.gen = {"max_new_tokens": 1024, "temperature": 0.0}  # for generated answers (capable models)
        self.last_query: str | None = None

    @classmethod
    def from_settings(cls, settings=None, llm=None, **kw) -> "StatuteQA":
        """Over the pulled statutes; loads ``settings.llm`` when one is configured (else extractive)."""
        from toolkit.config import get_settings
        from toolkit.prompts import PromptRegistry

        settings = settings or get_settings()
        if llm is None and settings.llm:
            from toolkit.llm import load_llm

            llm = load_llm(settings.llm)
        return cls(LegalBackend.default(settings), llm, PromptRegistry.from_settings(settings), **kw)

    @property
    def prompts(self):
        if self._prompts is None:
            from toolkit.prompts import PromptRegistry

            self._prompts = PromptRegistry()
        return self._prompts

    def tokenize(self, text: str) -> list[str]:
        if self._tokenize is None:
            from toolkit.text import default_segmenter, search_tokens

            seg = default_segmenter()
            self._tokenize = lambda t: search_tokens(t, seg, for_search=False)
        return self._tokenize(text)

    @property
    def capable(self) -> bool:
        return self.llm is not None and bool(getattr(self.llm, "capable", False))

    def as_runnable(self):
        """A langchain-core Runnable: invoke → Answer, stream → text pieces, batch → list[Answer]."""
        from .runnables import StatuteQARunnable

        return StatuteQARunnable(self)

    def conversation(self) -> Conversation:
        return Conversation(self)

    # ---- main entry points --------------------------------------------------------------------
    def ask(self, question: str, history=None) -> Answer:
        """Answer ``question`` (a follow-up is rewritten with ``history``).

        Raises:
            InvalidInputError: empty or over-long question.
        """
        q = check_question(question)
        if not_chinese(q):
            return Answer(NOT_CHINESE_MESSAGE, question=q, query=q, mode="rejected")
        turns = normalize_history(history)
        query = rewrite_followup(q, turns, self.tokenize, self.llm, self.prompts) if turns else q
        self.last_query = query
        terms = self.tokenize(query)
        statutes, direct, notes, rejection = self._retrieve(query, terms)
        if rejection:
            return Answer(rejection, question=q, query=query, mode="rejected")
        if self.capable:
            return self._generated(q, query, statutes, turns, notes)
        if direct:  # the user asked about specific articles: answer with exactly those
            items = [Explained(s, (), key_sentences(s.text, terms), direct=True) for s in direct]
        else:
            # Keep the search order: its rerank already weighs term coverage, and re-sorting by shared
            # words here lowered the dev-set top-3 (0.70 → 0.65).
            items = explain(statutes[: self.n_cite], terms, self._bridges(query))
        shown_query = query if notes == [] or query == q else q  # never echo a failing citation
        text = extractive_answer(q, shown_query, items, notes)
        return self._finish(text, [e.statute for e in items], q, query, "extractive")

    def stream(self, question: str, history=None) -> Iterator[str]:
        """Yield the answer text in pieces. Generated answers are verified sentence by sentence
        (a sentence is only shown once its citations passed); extractive ones paragraph by paragraph."""
        answer = self.ask(question, history) if not self.capable else None
        if answer is not None:
            for para in answer.text.split("\n"):
                yield para + "\n"
            return
        yield from self._stream_generated(question, history)

    # ---- internals ----------------------------------------------------------------------------
    def _bridges(self, query: str):
        """Everyday words → statutory terms for the explanation (empty when the backend has none)."""
        fn = getattr(self.legal, "statutory_terms", None)
        if fn is None:
            return ()
        try:
            return tuple(fn(query))
        except Exception as exc:  # an explanation aid must never cost the answer
            log.warning("statutory_terms failed: %s", exc)
            return ()

    def _rejection(self, query: str, terms, statutes) -> str | None:
        """None for a legal question with results; else the bilingual message to answer with."""
        if has_legal_cue(query):
            return None if statutes else NO_STATUTE_MESSAGE
        top = statutes[0].text if statutes else ""
        if sum(1 for t in set(terms) if len(t) >= 2 and t in top) >= 2:
            return None
        return NO_LEGAL_CONTENT_MESSAGE

    def _retrieve(self, query: str, terms):
        """(candidates, directly cited articles, notes, rejection message or None) for ``query``."""
        direct, notes, successors, dead = self._cited_in_question(query)
        hits = []
        plain = query
        for raw in dead:  # the dead citation's article number means nothing in the successor law
            plain = plain.replace(raw, " ")
        for law in successors:  # the question cites a repealed law: look in the law that replaced it
            try:
                hits += self.legal.search_statutes(plain, k=self.k, law=law)
            except InvalidInputError:
                continue
        hits = hits[: self.k] or self.legal.search_statutes(query, k=self.k)
        rejection = None if direct else self._rejection(query, terms, hits)
        seen, candidates = set(), []
        for s in [*direct, *hits]:  # cited articles first, duplicates dropped
            key = statute_key(s.law_name, s.article_no, getattr(s, "sub", 0))
            if key not in seen:
                seen.add(key)
                candidates.append(s)
        return candidates, direct, notes, rejection

    def _cited_in_question(self, query: str) -> tuple[list, list[str], list[str], list[str]]:
        """Articles the question cites itself (民法典第1165条), notes on citations that fail, the
        successors of repealed laws it cites, and those citations as written.

        The notes name the law but not the article, so the answer holds no unverifiable citation.
        """
        direct, notes, successors, dead = [], [], [], []
        for c in self.legal.verify_citations(query):
            if c.status == "ok":
                s = self.legal.get_article(c.law_name, c.article_no, c.sub)
                if s is not None and s not in direct:
                    direct.append(s)
            elif c.status == "not_current":
                succ = f"，已由《{c.successor}》取代 (replaced by {c.successor})" if c.successor else ""
                dead.append(c.raw)
                if c.successor and c.successor not in successors:
                    successors.append(c.successor)
                notes.append(f"问题中提到的《{c.law_name}》已经失效 (no longer in force){succ}；以下依据现行法律回答。")
            elif c.status == "no_such_article":
                notes.append(f"问题中提到的《{c.law_name}》没有这一条 (no such article)；以下为检索到的相关条文。")
            else:
                notes.append("问题中提到的法律未能识别 (unknown law)；以下为检索到的相关条文。")
        return direct, notes, successors, dead

    def _finish(self, text, statutes, q, query, mode, dropped=()) -> Answer:
        checks = list(self.legal.verify_citations(text))
        ok_keys = {statute_key(c.law_name, c.article_no, c.sub) for c in checks if c.ok}
        cited = [s for s in statutes if statute_key(s.law_name, s.article_no, getattr(s, "sub", 0)) in ok_keys]
        return Answer(text, cited, checks, q, query, mode, list(dropped))

    def _prompt(self, q, statutes, turns) -> str:
        return self.prompts.render("legal_answer", question=q, articles=statutes, history=turns or None)

    def _generated(self, q, query, statutes, turns, notes=()) -> Answer:
        raw = self.llm.generate(self._prompt(q, statutes, turns), **self.gen)
        text, cited, dropped = self._ground(raw, statutes)
        if notes:
            text = "\n".join(f"> {n}" for n in notes) + "\n\n" + text
        return self._finish(text, cited, q, query, "generated", dropped)

    def _ground(self, raw: str, statutes):
        allowed = {statute_key(s.law_name, s.article_no, getattr(s, "sub", 0)): s for s in statutes}
        g = ground(raw or "", self.legal.verify_citations(raw or ""), set(allowed))
        cited = list(dict.fromkeys(allowed[statute_key(c.law_name, c.article_no, c.sub)] for c in g.kept))
        body = g.text or "现有检索到的法条不足以生成可靠的回答，请参考下列条文。"
        shown = cited or statutes[: self.n_cite]
        parts = [body]
        if g.dropped:
            parts.append(_dropped_note(g.dropped))
        parts += [basis_section(shown), DISCLAIMER]
        return "\n\n".join(parts), shown, list(g.dropped)

    def _stream_generated(self, question, history) -> Iterator[str]:
        q = check_question(question)
        if not_chinese(q):
            yield NOT_CHINESE_MESSAGE
            return
        turns = normalize_history(history)
        query = rewrite_followup(q, turns, self.tokenize, self.llm, self.prompts) if turns else q
        self.last_query = query
        statutes, _, notes, rejection = self._retrieve(query, self.tokenize(query))
        if rejection:
            yield rejection
            return
        if notes:
            yield "\n".join(f"> {n}" for n in notes) + "\n\n"
        allowed = {statute_key(s.law_name, s.article_no, getattr(s, "sub", 0)): s for s in statutes}
        buf, cited, dropped = "", [], []
        stream = getattr(self.llm, "stream", None)
        prompt = self._prompt(q, statutes, turns)
        pieces = stream(prompt, **self.gen) if stream else [self.llm.generate(prompt, **self.gen)]
        def release(sentence: str) -> str:
            g = ground(sentence, self.legal.verify_citations(sentence), set(allowed))
            dropped.extend(g.dropped)
            cited.extend(allowed[statute_key(c.law_name, c.article_no, c.sub)] for c in g.kept)
            return g.text + ("\n" if g.text and sentence.endswith("\n") else "")

        for piece in pieces:  # lazily: each finished sentence is checked and shown at once
            buf += piece or ""
            cut = max(buf.rfind(ch) for ch in "。！？\n") + 1
            if cut > 0:
                sentence, buf = buf[:cut], buf[cut:]
                out = release(sentence)
                if out:
                    yield out
        if buf.strip():
            out = release(buf)
            if out:
                yield out
        tail = []
        if dropped:
            tail.append(_dropped_note(dropped))
        tail += [basis_section(list(dict.fromkeys(cited)) or statutes[: self.n_cite]), DISCLAIMER]
        yield "\n\n" + "\n\n".join(tail)


def _dropped_note(dropped) -> str:
    """Which citations were removed, written so the note itself holds no checkable citation."""
    from .grounding import reason

    bits = []
    for c in dropped:
        law = (c.law_name or c.raw.split("第")[0]).strip("《》") or "未知法律"
        bits.append(f"{law}的一处条文（{reason(c)}）")
    return "注：模型回答中有 %d 处引用未通过核验，相关语句已删除 (unverified citations removed)：%s。" % (
        len(dropped), "；".join(bits))
