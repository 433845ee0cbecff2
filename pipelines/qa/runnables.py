"""LangChain faces of the knowledge base: a retriever and a DocQA Runnable (invoke / stream / batch).

Example:
    >>> chain = DocQARunnable(DocQA(kb))                       # doctest: +SKIP
    >>> chain.invoke("押金什么时候退？").text                    # doctest: +SKIP
    >>> chain.invoke({"question": "那违约呢？", "history": [...]})  # doctest: +SKIP
    >>> "".join(chain.stream("押金什么时候退？"))                # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig

from toolkit.errors import InvalidInputError

from .records import Answer


def _parse(input: Any) -> tuple[str, list | None]:
    if isinstance(input, str):
        return input, None
    if isinstance(input, dict) and isinstance(input.get("question"), str):
        return input["question"], input.get("history")
    raise InvalidInputError(f"输入应为问题字符串或 {{'question', 'history'}} (input must be str or dict), got {type(input).__name__}")


class DocQARunnable(Runnable[Any, Answer]):
    """``DocQA`` as a Runnable: input ``str`` or ``{"question", "history"}``; output :class:`Answer`.

    ``stream`` yields the answer text in pieces; ``batch`` comes from the Runnable base class.
    """

    def __init__(self, qa):
        self.qa = qa

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        question, history = _parse(input)
        return self.qa.ask(question, history)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[str]:
        question, history = _parse(input)
        yield from self.qa.stream(question, history)


class KBRetriever(BaseRetriever):
    """The knowledge base as a langchain-core retriever (chunk metadata in ``Document.metadata``)."""

    kb: Any
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        out = []
        for c in self.kb.search(query, k=self.k):
            meta = {
                "source": c.source,
                "doc_id": c.doc_id,
                "chunk_id": c.chunk_id,
                "page": c.page,
                "heading_path": list(c.heading_path),
                "score": c.score,
                "expansion": c.expansion,
            }
            out.append(LCDocument(page_content=c.context or c.text, metadata=meta))
        return out
