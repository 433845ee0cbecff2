"""The one backend interface every model sits behind.

A backend implements a single method, :meth:`LLM._execute`, that yields text pieces; stop strings,
parameter validation, chat fallback, results and LangChain wrapping are built on it here, once.

Example:
    >>> llm = load_llm()                     # doctest: +SKIP
    >>> llm.generate("<bos><五绝><题>春<文>", max_new_tokens=24, temperature=0.8, seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from toolkit.errors import BackendError, InvalidInputError

from .params import GenParams

log = logging.getLogger("hanlin.llm")

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant
    content: str


@dataclass(frozen=True)
class Completion:
    """The outcome of one generation call."""

    text: str  # generated text, stop string excluded
    finish_reason: str  # "stop" (stop string or end-of-sequence token) or "length" (max_new_tokens reached)
    prompt_tokens: int  # tokens actually fed to the model (after any truncation); -1 if unknown
    completion_tokens: int  # generated tokens; -1 if unknown
    truncated_tokens: int = 0  # prompt tokens dropped from the left to fit the context
    warnings: tuple[str, ...] = ()  # e.g. the truncation notice


@dataclass
class RunInfo:
    """Filled in by a backend while it generates; read after the stream ends."""

    prompt_tokens: int = -1
    completion_tokens: int = -1
    finish_reason: str = "length"
    truncated_tokens: int = 0
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        log.warning(message)
        self.warnings.append(message)

    def to_completion(self, text: str) -> Completion:
        return Completion(text, self.finish_reason, self.prompt_tokens, self.completion_tokens,
                          self.truncated_tokens, tuple(self.warnings))


@dataclass(frozen=True)
class GenRequest:
    """What a backend is asked to do: continue ``prompt``, or answer ``messages`` (exactly one is set)."""

    params: GenParams
    prompt: str | None = None
    messages: tuple[Message, ...] | None = None


class Stream:
    """An iterator of text pieces that also carries the run's :class:`RunInfo` (complete once exhausted)."""

    def __init__(self, pieces: Iterator[str], info: RunInfo):
        self._pieces = pieces
        self.info = info

    def __iter__(self) -> Iterator[str]:
        return self._pieces

    def __next__(self) -> str:
        return next(self._pieces)

    def close(self) -> None:
        close = getattr(self._pieces, "close", None)
        if close:
            close()


class LLM(ABC):
    """A text generator. Subclasses implement :meth:`_execute`; capabilities are class attributes.

    Attributes:
        name: model name shown to users and served at ``/v1/models``.
        capable: True when the model follows instructions (chat models, servers); False for the
            embedded poetry model, whose callers work extractively or with constraints.
        context_length: most tokens (prompt + generated) the model can attend to.
        local: True when the weights are in this process: the object is a
            :class:`~toolkit.llm.local.LocalLLM` (constraints, scoring, routing).
    """

    name: str = "llm"
    capable: bool = False
    context_length: int = 2048
    local: bool = False

    # --- the one method a backend must implement -------------------------------------------------
    @abstractmethod
    def _execute(self, request: GenRequest, info: RunInfo) -> Iterator[str]:
        """Yield text pieces for ``request`` and fill ``info``. Stop strings may be ignored here."""

    # --- overridable helpers ---------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        """Number of tokens ``text`` takes (backends without a tokenizer estimate one per character)."""
        return len(text)

    def render_chat(self, messages: Sequence[Message]) -> str:
        """Turn messages into one prompt when the model has no chat format of its own."""
        lines = []
        for m in messages:
            label = {"system": "系统", "user": "用户", "assistant": "助手"}[m.role]
            lines.append(f"{label}：{m.content}")
        lines.append("助手：")
        return "\n".join(lines)

    # --- public API built on _execute -------------------------------------------------------------
    def open_stream(self, prompt: str | None = None, messages=None, **gen) -> Stream:
        """Start generating; iterate the result for text pieces, then read ``.info`` for usage.

        Args:
            prompt: text to continue (or pass ``messages``).
            messages: chat messages as :class:`Message` or ``{"role", "content"}`` dicts.
            **gen: generation parameters (see :class:`GenParams`).
        """
        params = GenParams.from_kwargs(**gen)
        if (prompt is None) == (messages is None):
            raise InvalidInputError("需要 prompt 或 messages 之一 (give exactly one of prompt or messages)")
        if prompt is not None and not isinstance(prompt, str):
            raise InvalidInputError(f"prompt 必须是字符串 (prompt must be str), got {type(prompt).__name__}")
        req = GenRequest(params, prompt=prompt, messages=None if messages is None else normalize_messages(messages))
        info = RunInfo()
        return Stream(_apply_stops(self._execute(req, info), params.stop, info), info)

    def complete(self, prompt: str, **gen) -> Completion:
        """Generate a continuation of ``prompt`` and return text plus usage, finish reason and warnings."""
        s = self.open_stream(prompt=prompt, **gen)
        return s.info.to_completion("".join(s))

    def generate(self, prompt: str, **gen) -> str:
        """Generate a continuation of ``prompt`` (contract). ``gen``: see :class:`GenParams`."""
        return self.complete(prompt, **gen).text

    def stream(self, prompt: str, **gen) -> Iterator[str]:
        """Yield the continuation of ``prompt`` piece by piece (contract). Bad parameters raise at once."""
        return self.open_stream(prompt=prompt, **gen)

    def chat_complete(self, messages, **gen) -> Completion:
        s = self.open_stream(messages=messages, **gen)
        return s.info.to_completion("".join(s))

    def chat(self, messages, **gen) -> str:
        """Answer a conversation (list of ``{"role", "content"}`` or :class:`Message`)."""
        return self.chat_complete(messages, **gen).text

    def stream_chat(self, messages, **gen) -> Iterator[str]:
        """Yield the answer to ``messages`` piece by piece. Bad parameters raise at once."""
        return self.open_stream(messages=messages, **gen)

    def as_langchain(self):
        """This model as a langchain-core ``BaseChatModel`` (invoke / stream / batch / ``|``)."""
        from .lc import HanlinChatModel

        return HanlinChatModel(llm=self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, capable={self.capable}, context_length={self.context_length})"


def normalize_messages(messages) -> tuple[Message, ...]:
    """Accept Message objects, dicts or (role, content) pairs; validate roles."""
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Iterable):
        raise InvalidInputError("messages 必须是消息列表 (messages must be a list of {role, content})")
    out = []
    for m in messages:
        if isinstance(m, Message):
            role, content = m.role, m.content
        elif isinstance(m, Mapping):
            role, content = m.get("role"), m.get("content")
        elif isinstance(m, (tuple, list)) and len(m) == 2:
            role, content = m
        else:
            raise InvalidInputError(f"无法识别的消息 (unrecognised message): {m!r}")
        if role not in ROLES:
            raise InvalidInputError(f"未知的角色 {role!r} (unknown role); 可选 (valid): {', '.join(ROLES)}")
        if not isinstance(content, str):
            raise InvalidInputError(f"消息内容必须是字符串 (message content must be str), got {content!r}")
        out.append(Message(role, content))
    if not out:
        raise InvalidInputError("messages 不能为空 (messages must not be empty)")
    return tuple(out)


def _apply_stops(pieces: Iterator[str], stops: tuple[str, ...], info: RunInfo) -> Iterator[str]:
    """Pass pieces through, ending before the first stop string (which may span pieces).

    Text that could be the start of a stop string is held back until it is clear it is not.
    """
    if not stops:
        yield from pieces
        return
    hold = max(len(s) for s in stops) - 1
    buf = ""
    try:
        for piece in pieces:
            buf += piece
            cut = min((i for i in (buf.find(s) for s in stops) if i >= 0), default=-1)
            if cut >= 0:
                if buf[:cut]:
                    yield buf[:cut]
                info.finish_reason = "stop"
                return
            if len(buf) > hold:
                safe = len(buf) - hold
                yield buf[:safe]
                buf = buf[safe:]
        if buf:
            yield buf
    finally:
        close = getattr(pieces, "close", None)
        if close:
            close()
