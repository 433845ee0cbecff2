"""A Hanlin :class:`~toolkit.llm.base.LLM` as a langchain-core chat model (invoke / stream / batch / LCEL).

Example:
    >>> chat = load_llm().as_langchain()                      # doctest: +SKIP
    >>> (prompt_template | chat.bind(max_new_tokens=64)).invoke({"q": "..."})  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

_ROLE = {"human": "user", "ai": "assistant", "system": "system", "chat": "user"}


class HanlinChatModel(BaseChatModel):
    """Wraps any Hanlin ``LLM``; extra keyword arguments (``bind``/``invoke``) are generation parameters."""

    llm: Any
    gen: dict = {}  # default generation parameters, e.g. {"max_new_tokens": 128}

    model_config = ConfigDict(arbitrary_types_allowed=True)

    @property
    def _llm_type(self) -> str:
        return "hanlin"

    @property
    def _identifying_params(self) -> dict:
        return {"model": self.llm.name, **self.gen}

    def _messages(self, messages: list[BaseMessage]) -> list[dict]:
        return [{"role": _ROLE.get(m.type, "user"), "content": m.text if hasattr(m, "text") else str(m.content)}
                for m in messages]

    def _params(self, stop, kwargs) -> dict:
        params = {**self.gen, **kwargs}
        if stop:
            params["stop"] = list(stop)
        return params

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        c = self.llm.chat_complete(self._messages(messages), **self._params(stop, kwargs))
        meta = {"finish_reason": c.finish_reason, "warnings": list(c.warnings)}
        usage = {"input_tokens": max(c.prompt_tokens, 0), "output_tokens": max(c.completion_tokens, 0),
                 "total_tokens": max(c.prompt_tokens, 0) + max(c.completion_tokens, 0)}
        msg = AIMessage(content=c.text, response_metadata=meta, usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        empty = True
        for piece in self.llm.stream_chat(self._messages(messages), **self._params(stop, kwargs)):
            empty = False
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        if empty:  # an immediate end token: LangChain needs at least one chunk
            yield ChatGenerationChunk(message=AIMessageChunk(content=""))
