"""langchain-core Runnables for StatuteQA and DocumentDrafter (invoke / batch / stream / ``|``).

Example:
    >>> r = StatuteQA.from_settings().as_runnable()                      # doctest: +SKIP
    >>> r.invoke("借钱不还怎么办？").citations[0].citation               # doctest: +SKIP
    >>> for piece in r.stream({"question": "那如果没有借条呢？", "history": [...]}): print(piece, end="")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Iterator

from langchain_core.runnables import Runnable, RunnableConfig

from toolkit.errors import InvalidInputError


def _qa_input(value) -> tuple[str, Any]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and "question" in value:
        return value["question"], value.get("history")
    raise InvalidInputError(f"输入须为问题字符串或 {{'question': ..., 'history': [...]}} (bad input): {value!r}")


class StatuteQARunnable(Runnable):
    """``invoke`` → :class:`~pipelines.legal.qa.Answer`; ``stream`` → answer text pieces (str)."""

    def __init__(self, qa):
        self.qa = qa

    def invoke(self, input, config: RunnableConfig | None = None, **kwargs):
        question, history = _qa_input(input)
        return self.qa.ask(question, history=history)

    def stream(self, input, config: RunnableConfig | None = None, **kwargs) -> Iterator[str]:
        question, history = _qa_input(input)
        yield from self.qa.stream(question, history=history)


def _draft_input(value) -> tuple[str, dict, str | None]:
    if isinstance(value, dict) and "kind" in value:
        return value["kind"], value.get("fields") or {}, value.get("variant")
    raise InvalidInputError(f"输入须为 {{'kind': ..., 'fields': {{...}}, 'variant': None}} (bad input): {value!r}")


class DrafterRunnable(Runnable):
    """``invoke`` → :class:`~pipelines.legal.drafter.LegalDocument`; ``stream`` → Markdown paragraphs."""

    def __init__(self, drafter):
        self.drafter = drafter

    def invoke(self, input, config: RunnableConfig | None = None, **kwargs):
        kind, fields, variant = _draft_input(input)
        return self.drafter.draft(kind, fields, variant=variant)

    def stream(self, input, config: RunnableConfig | None = None, **kwargs) -> Iterator[str]:
        doc = self.invoke(input, config)
        for para in doc.markdown.split("\n\n"):
            yield para + "\n\n"
