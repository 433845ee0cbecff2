"""DocQA: answer questions over a knowledge base, with numbered citations to the chunks used.

Flow: rewrite a follow-up with the history → retrieve → decide whether the evidence is good enough
→ pack whole chunks into the model's context (by its tokenizer) → answer. With a capable backend the
answer is generated from the ``kb_answer`` template and its ``[n]`` markers are checked against the
chunks provided; with the embedded poetry model (``capable`` False) or no model at all the answer is
extractive: the best sentences, quoted, each with its ``[n]``, laid out by the ``kb_quotes`` template
(which also words the "not found" answer in both modes). Editing either template on the 提示词模板
page changes the next answer.

Example:
    >>> qa = DocQA(kb)                                   # doctest: +SKIP
    >>> a = qa.ask("试用期最长多久？")                     # doctest: +SKIP
    >>> a.text, a.citations[0].source                    # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterator

from toolkit.errors import InvalidInputError

from .extractive import best_sentences, confidence, merge_followup
from .options import thresholds_for
from .packing import pack_chunks
from .records import Answer, Citation

_MARK = re.compile(r"\[(\d{1,3})\]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class DocQAConfig:
    k: int = 6  # chunks retrieved per question
    answer_tokens: int = 384  # reserved for the generated answer
    max_sentences: int = 3  # passages quoted by the extractive answer
    quote_chars: int = 40  # each quoted passage runs on into the following sentences up to this length
    min_coverage: float = 0.4  # confidence rule, see extractive.confidence (calibrated on the bench)
    min_dense: float | None = None  # None = fitted for the knowledge base's embedder (options.thresholds_for)
    min_dense_alone: float | None = None
    extractive_context: int = 4000  # tokens of evidence considered when no model is given
    answer_template: str = "kb_answer"  # capable models: the prompt
    quotes_template: str = "kb_quotes"  # extractive answers, and "not found" in both modes: the answer text
    rewrite_templates: tuple[str, ...] = ("kb_followup", "kb_rewrite")  # first one found is used


class DocQA:
    """Question answering over a :class:`~pipelines.qa.kb.KnowledgeBase`.

    Args:
        kb: the knowledge base.
        llm: a :class:`toolkit.llm.LLM`; None = extractive answers, no model loaded.
        config: :class:`DocQAConfig`.
        prompts: a :class:`toolkit.prompts.PromptRegistry` (default: from settings, loaded lazily).
    """

    def __init__(self, kb, llm=None, config: DocQAConfig | None = None, prompts=None):
        self.kb = kb
        self.llm = llm
        self.config = config or DocQAConfig()
        self._prompts = prompts
        self._segmenter = None

    # ------------------------------------------------------------------ helpers
    @property
    def prompts(self):
        if self._prompts is None:
            from toolkit.prompts import PromptRegistry

            self._prompts = PromptRegistry.from_settings(self.kb.settings)
        return self._prompts

    @property
    def segmenter(self):
        if self._segmenter is None:
            from toolkit.text import default_segmenter

            self._segmenter = default_segmenter(self.kb.settings)
        return self._segmenter

    @property
    def generative(self) -> bool:
        return self.llm is not None and self.llm.capable

    def _count(self, text: str) -> int:
        return self.llm.count_tokens(text) if self.llm is not None else len(text)

    def rewrite(self, question: str, history=None) -> str:
        """A stand-alone search query for ``question`` given the conversation ``history``.

        A capable model rewrites with the ``kb_followup`` template; otherwise the previous user turn's
        key terms are merged into a follow-up question.
        """
        if not history:
            return question
        if self.generative:
            name = next((n for n in self.config.rewrite_templates if n in self.prompts.names()), None)
            if name:
                prompt = self.prompts.render(name, question=question, history=list(history))
                out = self.llm.generate(prompt, max_new_tokens=96, temperature=0.0).strip().split("\n")[0].strip()
                if out:
                    return out
        return merge_followup(question, history, self.segmenter)

    # ------------------------------------------------------------------ answering
    def _prepare(self, question: str, history):
        if not isinstance(question, str) or not question.strip():
            raise InvalidInputError("问题为空 (empty question)")
        query = self.rewrite(question.strip(), history)
        chunks = self.kb.search(query, k=self.config.k)
        alternatives = getattr(getattr(self.kb, "expander", None), "alternatives", None)
        min_dense, alone = thresholds_for(self.kb.options.embedder)
        conf = confidence(query, chunks, self.segmenter, self.config.min_coverage,
                          min_dense if self.config.min_dense is None else self.config.min_dense,
                          alternatives=alternatives(query) if alternatives else None,
                          min_dense_alone=alone if self.config.min_dense_alone is None else self.config.min_dense_alone)
        notes = []
        if query != question.strip():
            notes.append(f"检索问题已改写 (rewritten for retrieval): {query}")
        return query, chunks, conf, notes

    def _budget(self, question: str, history) -> int:
        if not self.generative:
            ctx = self.llm.context_length if self.llm is not None else self.config.extractive_context
            return min(self.config.extractive_context, ctx)
        skeleton = self.prompts.render(self.config.answer_template, question=question, chunks=[], history=list(history or []))
        return self.llm.context_length - self.config.answer_tokens - self._count(skeleton)

    def ask(self, question: str, history=None) -> Answer:
        """Answer ``question`` (``history``: list of ``{"role": "user"|"assistant", "content"}``)."""
        stream = self.open_stream(question, history)
        for _ in stream:
            pass
        return stream.answer

    def stream(self, question: str, history=None) -> Iterator[str]:
        """Yield the answer text piece by piece (the full :class:`Answer` is on :meth:`open_stream`)."""
        yield from self.open_stream(question, history)

    def open_stream(self, question: str, history=None) -> "AnswerStream":
        """Start answering; iterate for text pieces, then read ``.answer``."""
        return AnswerStream(self._run(question, history))

    def _refusal(self, question: str) -> str | None:
        """A specific reply for questions this knowledge base cannot take (empty base, no Chinese)."""
        if len(self.kb) == 0:
            return "知识库是空的, 请先添加文档 (the knowledge base is empty: add documents first)。"
        if not _CJK.search(question) and self.kb.is_chinese():
            return "请用中文提问 (this knowledge base is in Chinese: please ask in Chinese)。"
        return None

    def _run(self, question: str, history):
        if isinstance(question, str) and question.strip():
            refusal = self._refusal(question)
            if refusal:
                yield refusal
                mode = "generative" if self.generative else "extractive"
                return Answer(refusal, (), question, question, False, mode, (), (), (refusal,))
        query, chunks, conf, notes = self._prepare(question, history)
        notes.append(f"置信度 (confidence): coverage={conf.coverage}, dense={conf.dense}, bm25_overlap={conf.bm25_overlap}")
        mode = "generative" if self.generative else "extractive"
        if not conf.found:
            text = self._quotes(question, [])
            yield text
            return Answer(text, (), question, query, False, mode, (), (), tuple(notes))
        budget = self._budget(question, history)
        if budget <= 0:
            raise InvalidInputError(
                f"模型上下文太短 (context too short): {self.llm.context_length} tokens 不够放下提示和回答 "
                f"(prompt + {self.config.answer_tokens} answer tokens)"
            )
        packed = pack_chunks(chunks, budget, self._count)
        if packed.note:
            notes.append(packed.note)
        if not packed.chunks:
            text = self._quotes(question, [])
            yield text
            return Answer(text, (), question, query, False, mode, packed.dropped, (), tuple(notes))
        if self.generative:
            answer = yield from self._generate(question, query, history, packed, notes)
        else:
            answer = self._extract(question, query, packed, notes)
            yield answer.text
        return answer

    def _extract(self, question, query, packed, notes) -> Answer:
        picks = best_sentences(query, list(packed.chunks), self.segmenter, self.config.max_sentences,
                               quote_chars=self.config.quote_chars)
        if not picks:
            text = self._quotes(question, [])
            return Answer(text, (), question, query, False, "extractive", packed.dropped, (), tuple(notes))
        numbers: dict[int, int] = {}
        quotes = []
        for ci, sent, _ in picks:
            n = numbers.setdefault(ci, len(numbers) + 1)
            quotes.append({"n": n, "text": sent, "source": packed.chunks[ci].location})
        citations = tuple(Citation(n, packed.chunks[ci]) for ci, n in sorted(numbers.items(), key=lambda t: t[1]))
        text = self._quotes(question, quotes)
        return Answer(text, citations, question, query, True, "extractive", packed.dropped, (), tuple(notes))

    def _quotes(self, question: str, quotes: list[dict]) -> str:
        """The answer text from quoted passages (``n``, ``text``, ``source``); none = the "not found" text."""
        return self.prompts.render(self.config.quotes_template, question=question, quotes=quotes).strip()

    def _generate(self, question, query, history, packed, notes):
        items = [{"n": i + 1, "source": c.location, "text": c.context} for i, c in enumerate(packed.chunks)]
        prompt = self.prompts.render(self.config.answer_template, question=question, chunks=items, history=list(history or []))
        pieces = []
        for piece in self.llm.stream(prompt, max_new_tokens=self.config.answer_tokens, temperature=0.0):
            pieces.append(piece)
            yield piece
        text = "".join(pieces).strip()
        n_max = len(packed.chunks)
        used = [int(m) for m in _MARK.findall(text)]
        invalid = tuple(sorted({n for n in used if not 1 <= n <= n_max}))
        if invalid:
            text = _MARK.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= n_max else "", text)
            notes.append(f"已删除无效引用 (removed citations to no provided chunk): {list(invalid)}")
        citations = tuple(Citation(i + 1, replace(c)) for i, c in enumerate(packed.chunks))
        if not any(1 <= n <= n_max for n in used):
            notes.append("回答没有标注出处 (the model cited no chunk)")
        return Answer(text, citations, question, query, True, "generative", packed.dropped, invalid, tuple(notes))


class AnswerStream:
    """Iterate for the answer's text pieces; ``.answer`` holds the :class:`Answer` once done."""

    def __init__(self, gen):
        self._gen = gen
        self.answer: Answer | None = None

    def __iter__(self):
        return self

    def __next__(self) -> str:
        try:
            return next(self._gen)
        except StopIteration as stop:
            self.answer = stop.value
            raise
