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
import re
from dataclasses import dataclass, field
from typing import Iterator

from toolkit.errors import InvalidInputError

from .backend import LegalBackend
from .compose import Basis, Structured, compose, highlight_for, layout_vars, rerank
from .conversation import Conversation, conversation_facts, normalize_history, rewrite_followup
from .extractive import DISCLAIMER, DISCLAIMERS, NON_CONTENT, basis_section
from .grounding import ground, statute_key
from .screening import (NO_LEGAL_CONTENT_MESSAGE, NO_STATUTE_MESSAGE, check_question, has_legal_cue, is_writing_request,
                        not_chinese,
                        not_chinese_message, not_legal_message, too_vague, vague_message)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """A statute answer.

    Attributes:
        text: Markdown answer in the ``legal_answer_layout`` shape (结论 / 怎么办 / 注意 / 依据 and the
            disclaimer) unless ``mode == "rejected"``.
        citations: the verified statutes the answer cites, most relevant first (the 依据 articles, then
            the articles of the 怎么办 steps).
        checks: ``verify_citations`` on the final text (every one ``ok``).
        question: as asked; query: what was searched (the rewrite for follow-ups).
        mode: ``extractive``, ``generated`` or ``rejected`` (not Chinese / no legal content).
        dropped: citations the model produced that failed verification or were not retrieved.
        structured: the :class:`~pipelines.legal.compose.Structured` parts (None when rejected).
        summary: ``text`` without the 依据 section (for a UI that shows each article in its own panel).
        kind: the dispute kind whose procedure the 怎么办 steps follow.
    """

    text: str
    citations: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    question: str = ""
    query: str = ""
    mode: str = "extractive"
    dropped: list = field(default_factory=list)
    structured: object = None
    summary: str = ""
    kind: str = ""

    @property
    def unverified(self) -> list:
        return [c for c in self.checks if not c.ok]

    def to_dict(self) -> dict:
        return {
            "question": self.question, "query": self.query, "mode": self.mode, "text": self.text,
            "citations": [s.to_dict() if hasattr(s, "to_dict") else vars(s) for s in self.citations],
            "checks": [c.to_dict() if hasattr(c, "to_dict") else vars(c) for c in self.checks],
            "dropped": [c.to_dict() if hasattr(c, "to_dict") else vars(c) for c in self.dropped],
            "kind": self.kind, "summary": self.summary,
        }


class StatuteQA:
    """Answer legal questions from current statutes only.

    Args:
        legal: search / lookup / verify functions (default :mod:`toolkit.legal`).
        llm: a model; ``llm.capable`` → generated answers constrained to the retrieved articles,
            otherwise (the embedded poetry model, or None) → extractive answers.
        prompts: PromptRegistry (templates ``legal_answer``, ``legal_answer_layout``, ``legal_followup``).
        tokenize: ``text -> list[str]`` search tokens (default jieba via :mod:`toolkit.text`).
        k: articles retrieved; n_cite: articles shown in an extractive answer.
        lang: ``zh`` or ``en``: the language of the answer's headings and notes (statutes stay Chinese).
    """

    def __init__(self, legal: LegalBackend | None = None, llm=None, prompts=None, tokenize=None,
                 k: int = 8, n_cite: int = 3, lang: str = "zh"):
        self.legal = legal or LegalBackend.default()
        self.llm = llm
        self._prompts = prompts
        self._tokenize = tokenize
        self.k, self.n_cite = k, n_cite
        self.lang = lang
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
    def ask(self, question: str, history=None, lang: str | None = None) -> Answer:
        """Answer ``question`` (a follow-up is rewritten with ``history``) as 结论 / 依据 / 怎么办 / 注意.

        Raises:
            InvalidInputError: empty or over-long question.
        """
        lang = lang or self.lang
        q = check_question(question)
        if not_chinese(q):
            return Answer(not_chinese_message(q), question=q, query=q, mode="rejected")
        turns = normalize_history(history)
        if not turns and too_vague(q):
            return Answer(vague_message(), question=q, query=q, mode="rejected")
        query = rewrite_followup(q, turns, self.tokenize, self.llm, self.prompts) if turns else q
        self.last_query = query
        terms = self.tokenize(query)
        statutes, direct, notes, rejection = self._retrieve(query, terms)
        if rejection:
            return Answer(not_legal_message(q) if rejection == NO_LEGAL_CONTENT_MESSAGE else rejection,
                          question=q, query=query, mode="rejected")
        cls = self.classify(query, statutes)
        kind = cls.kind
        steps = self.steps(kind, query)
        facts = conversation_facts(turns)
        if self.capable:
            return self._generated(q, query, statutes, turns, notes, cls, steps, facts, lang)
        # The user asked about specific articles: answer with exactly those.
        # Everyday words' statutory equivalents (押金 → 租赁物 …) help find the clause that answers.
        terms = list(dict.fromkeys([*terms, *(t for _, found in self._bridges(query) for t in found)]))
        cite = direct or rerank(statutes, terms, kind, query, self.n_cite)
        st = compose(query, terms, cite, steps, kind, notes, facts, named=cls.named)
        return self._finish_structured(st, q, query, "extractive", lang)

    def classify(self, query: str, statutes):
        """The dispute kind of ``query`` given its retrieved articles (a :class:`~toolkit.legal.procedure.Classification`)."""
        from toolkit.legal.procedure import classify_dispute

        return classify_dispute(query, statutes)

    def steps(self, kind: str, query: str) -> list:
        """The verified 怎么办 steps for ``kind`` (a step whose article does not verify is left out)."""
        from toolkit.legal.procedure import next_steps

        return next_steps(kind, query, self.legal.get_article)

    def render(self, st: Structured, lang: str | None = None, basis_inline: bool = True) -> str:
        """``st`` through the ``legal_answer_layout`` template (user-editable)."""
        lang = lang or self.lang
        disclaimer = DISCLAIMERS.get(lang, DISCLAIMER)
        return self.prompts.render("legal_answer_layout", **layout_vars(st, lang, basis_inline, disclaimer))

    def _finish_structured(self, st: Structured, q, query, mode, lang, dropped=()) -> Answer:
        text = self.render(st, lang).strip() + "\n"
        summary = self.render(st, lang, basis_inline=False).strip() + "\n"
        a = self._finish(text, st.statutes, q, query, mode, dropped)
        return Answer(a.text, a.citations, a.checks, q, query, mode, list(dropped), st, summary, st.kind)

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
        from toolkit.legal.procedure import dispute_kinds

        if is_writing_request(query) and not has_legal_cue(query):
            return NO_LEGAL_CONTENT_MESSAGE
        kind_words = (w for k in dispute_kinds().values() for w in k.keywords)
        if has_legal_cue(query) or any(w in query for w in kind_words):
            return None if statutes else NO_STATUTE_MESSAGE
        # No legal word: legal only if the question's own words recur in what the search found.
        top = "".join(s.text for s in statutes[:3])
        if sum(1 for t in set(terms) if len(t) >= 2 and t not in NON_CONTENT and t in top) >= 2:
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

    def _prompt(self, q, statutes, turns, steps=()) -> str:
        return self.prompts.render("legal_answer", question=q, articles=statutes, history=turns or None,
                                   steps=[{"action": v.step.action, "citation": v.citation, "limit": v.step.limit}
                                          for v in steps] or None)

    def _generated(self, q, query, statutes, turns, notes, cls, steps, facts, lang) -> Answer:
        """The model writes 结论 / 怎么办 / 注意 from the retrieved articles and the procedure steps; every
        citation it makes is verified and must be one it was given, else its sentence is removed."""
        raw = self.llm.generate(self._prompt(q, statutes, turns, steps), **self.gen)
        given = list(statutes) + [v.statute for v in steps]
        allowed = {statute_key(s.law_name, s.article_no, getattr(s, "sub", 0)): s for s in given}
        parts = split_sections(raw or "")
        kept, dropped, clean = [], [], {}
        for name, body in parts.items():
            g = ground(body, self.legal.verify_citations(body), set(allowed))
            clean[name] = g.text
            kept += [allowed[statute_key(c.law_name, c.article_no, c.sub)] for c in g.kept]
            dropped += g.dropped
        terms = self.tokenize(query)
        cited = [s for s in dict.fromkeys(kept) if s in statutes] or list(statutes[: self.n_cite])
        lead = clean.get("结论", "") or "现有检索到的法条不足以生成可靠的结论，请参考下列依据。"
        todo = clean.get("怎么办", "")
        # The table's steps stand in when the model wrote none; when its steps name no time limit,
        # the table's time limits are added (a limit that applies is never left out).
        if not todo:
            shown_steps = list(steps)
        elif LIMIT_WORDS.search(todo) is None:
            shown_steps = [v for v in steps if v.step.limit]
        else:
            shown_steps = []
        kind = cls.kind
        basis = tuple(Basis(s, highlight_for(s, (), terms, query)) for s in cited)
        from .compose import cautions as kind_cautions

        warn = tuple(x for x in clean.get("注意", "").split("\n") if x.strip()) or kind_cautions(kind, basis)
        st = Structured(kind=kind, named=cls.named, lead=lead, basis=basis, steps=tuple(shown_steps), cautions=warn,
                        notes=tuple(notes), facts=tuple(facts), dropped=_dropped_note(dropped) if dropped else "",
                        extra=(todo,) if todo else ())
        return self._finish_structured(st, q, query, "generated", lang, dropped)

    def _stream_generated(self, question, history) -> Iterator[str]:
        q = check_question(question)
        if not_chinese(q):
            yield not_chinese_message(q)
            return
        turns = normalize_history(history)
        if not turns and too_vague(q):
            yield vague_message()
            return
        query = rewrite_followup(q, turns, self.tokenize, self.llm, self.prompts) if turns else q
        self.last_query = query
        statutes, _, notes, rejection = self._retrieve(query, self.tokenize(query))
        if rejection:
            yield not_legal_message(q) if rejection == NO_LEGAL_CONTENT_MESSAGE else rejection
            return
        if notes:
            yield "\n".join(f"> {n}" for n in notes) + "\n\n"
        steps = self.steps(self.classify(query, statutes).kind, query)
        allowed = {statute_key(s.law_name, s.article_no, getattr(s, "sub", 0)): s
                   for s in [*statutes, *(v.statute for v in steps)]}
        buf, cited, dropped = "", [], []
        stream = getattr(self.llm, "stream", None)
        prompt = self._prompt(q, statutes, turns, steps)
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


LIMIT_WORDS = re.compile(r"时效|期限|[日天月年]内|之日起")
_HEADING = re.compile(r"^\s*(?:#+\s*)?[*【]*\s*(结论|依据|法律依据|怎么办|注意)\s*[*】]*\s*[:：]?\s*", re.M)


def split_sections(raw: str) -> dict[str, str]:
    """A model's answer cut at its 结论 / 依据 / 怎么办 / 注意 headings (text before any heading is 结论)."""
    out: dict[str, str] = {}
    marks = list(_HEADING.finditer(raw))
    head = raw[: marks[0].start()] if marks else raw
    if head.strip():
        out["结论"] = head.strip()
    for m, nxt in zip(marks, marks[1:] + [None]):
        name = "依据" if m.group(1) == "法律依据" else m.group(1)
        body = raw[m.end(): nxt.start() if nxt else len(raw)].strip()
        if body:
            out[name] = (out.get(name, "") + "\n" + body).strip()
    out.pop("依据", None)  # the verified articles are listed by the layout itself
    return out


def _dropped_note(dropped) -> str:
    """Which citations were removed, written so the note itself holds no checkable citation."""
    from .grounding import reason

    bits = []
    for c in dropped:
        law = (c.law_name or c.raw.split("第")[0]).strip("《》") or "未知法律"
        bits.append(f"{law}的一处条文（{reason(c)}）")
    return "注：模型回答中有 %d 处引用未通过核验，相关语句已删除 (unverified citations removed)：%s。" % (
        len(dropped), "；".join(bits))
