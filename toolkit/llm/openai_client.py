"""An OpenAI-compatible HTTP server (vLLM, SGLang, ``hanlin serve`` ...) as an :class:`LLM`, over httpx.

Spec: ``openai:<base_url>#<model>``, e.g. ``openai:http://127.0.0.1:8000/v1#deepseek-ai/DeepSeek-V2-Lite-Chat``.
Without ``#<model>`` the first model the server lists is used. An API key, if the server needs one, is
read from ``HANLIN_LLM_API_KEY``.

Example:
    >>> llm = OpenAICompatLLM("http://127.0.0.1:8000/v1", "deepseek-ai/DeepSeek-V2-Lite-Chat")  # doctest: +SKIP
    >>> for piece in llm.stream_chat([{"role": "user", "content": "你好"}]): print(piece, end="")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import httpx

from toolkit.errors import BackendError, InvalidInputError

from .base import LLM, GenRequest, RunInfo
from .params import GenParams

CONNECT_TIMEOUT = 3.0  # seconds: an unreachable server fails fast
PROBE_TIMEOUT = 10.0  # seconds for the /models check at load time
READ_TIMEOUT = 120.0  # seconds between bytes while a long answer is generated


class OpenAICompatLLM(LLM):
    """Client for ``/v1/models``, ``/v1/completions`` and ``/v1/chat/completions`` (with SSE streaming).

    Args:
        base_url: the API root, usually ending in ``/v1``.
        model: model name sent with each request (default: the first one the server lists).
        api_key: bearer token (default ``$HANLIN_LLM_API_KEY``; none if unset).
        check: contact the server now (fails fast with a clear error if it is unreachable).
        timeout: an ``httpx.Timeout`` overriding the defaults.
    """

    capable = True
    context_length = 4096  # replaced by the server's max_model_len when it reports one

    def __init__(self, base_url: str, model: str | None = None, *, api_key: str | None = None, check: bool = True,
                 timeout: httpx.Timeout | None = None):
        if not base_url.startswith(("http://", "https://")):
            raise InvalidInputError(f"服务地址必须以 http:// 或 https:// 开头 (base URL must be http(s)): {base_url!r}")
        self.base_url = base_url.rstrip("/")
        key = api_key if api_key is not None else os.environ.get("HANLIN_LLM_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers,
            timeout=timeout or httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
        )
        self.model = model
        self.name = model or "openai"
        if check or model is None:
            self._probe()

    def _probe(self) -> None:
        try:
            data = self._request("GET", "/models", timeout=httpx.Timeout(PROBE_TIMEOUT, connect=CONNECT_TIMEOUT))
        except BackendError as e:
            if "HTTP 404" in str(e) and not self.base_url.endswith("/v1"):
                raise BackendError(f"{e}; 地址是否缺少 /v1？(did you mean {self.base_url}/v1 ?)") from None
            raise
        data = data.get("data") if isinstance(data, dict) else None
        if not isinstance(data, list):
            raise BackendError(f"不是 OpenAI 兼容接口 (not an OpenAI-compatible API): {self.base_url}/models")
        names = [m.get("id") for m in data]
        if self.model is None:
            if not names:
                raise BackendError(f"服务器没有可用模型 (server lists no models): {self.base_url}/models")
            self.model = self.name = names[0]
        for m in data:
            if m.get("id") == self.model and isinstance(m.get("max_model_len"), int):
                self.context_length = m["max_model_len"]

    # --- HTTP ----------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict | None = None, timeout=None) -> dict:
        try:
            r = self._client.request(method, path, json=body, **({"timeout": timeout} if timeout else {}))
        except httpx.HTTPError as e:
            raise self._unreachable(e) from None
        _raise_for_status(r, self.base_url + path)
        try:
            return r.json()
        except ValueError:
            raise BackendError(f"服务器返回的不是 JSON (server did not return JSON): {self.base_url}{path}: "
                               f"{r.text[:120]!r}") from None

    def _unreachable(self, e: Exception) -> BackendError:
        return BackendError(f"无法连接模型服务 (cannot reach model server) {self.base_url}: {type(e).__name__}: {e}")

    def _payload(self, p: GenParams, request: GenRequest) -> dict:
        body: dict = {"model": self.model, "max_tokens": p.max_new_tokens, "temperature": p.temperature,
                      "top_p": p.top_p, "stream": True, "stream_options": {"include_usage": True}}
        if p.top_k:
            body["top_k"] = p.top_k  # vLLM / SGLang extension
        if p.repetition_penalty != 1.0:
            body["repetition_penalty"] = p.repetition_penalty  # vLLM / SGLang extension
        if p.seed is not None:
            body["seed"] = p.seed
        if p.stop:
            body["stop"] = list(p.stop)
        if request.messages is not None:
            body["messages"] = [{"role": m.role, "content": m.content} for m in request.messages]
        else:
            body["prompt"] = request.prompt
        return body

    def _execute(self, request: GenRequest, info: RunInfo) -> Iterator[str]:
        chat = request.messages is not None
        path = "/chat/completions" if chat else "/completions"
        body = self._payload(request.params, request)
        try:
            with self._client.stream("POST", path, json=body) as r:
                if r.status_code >= 400:
                    r.read()
                    _raise_for_status(r, self.base_url + path)
                for event in iter_sse(r.iter_lines()):
                    notes = event.get("hanlin") or {}  # `hanlin serve` reports truncation here
                    for w in notes.get("warnings", []):
                        info.warn(w)
                    info.truncated_tokens = notes.get("truncated_tokens", info.truncated_tokens)
                    usage = event.get("usage")
                    if usage:
                        info.prompt_tokens = usage.get("prompt_tokens", -1)
                        info.completion_tokens = usage.get("completion_tokens", -1)
                    for choice in event.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content") if chat else choice.get("text")
                        if choice.get("finish_reason"):
                            info.finish_reason = choice["finish_reason"]
                        if piece:
                            yield piece
        except httpx.HTTPError as e:
            raise self._unreachable(e) from None


def iter_sse(lines: Iterator[str]) -> Iterator[dict]:
    """Parse server-sent events: ``data: {json}`` lines until ``data: [DONE]``; errors raise."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except json.JSONDecodeError:
            raise BackendError(f"服务器返回了无法解析的流数据 (malformed SSE data): {data[:200]!r}") from None
        if "error" in event:
            raise BackendError(f"模型服务出错 (server error): {_error_text(event)}")
        yield event


def _error_text(payload) -> str:
    err = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(err, dict):
        return str(err.get("message") or err)
    return str(err or payload)


def _raise_for_status(r: httpx.Response, url: str) -> None:
    if r.status_code < 400:
        return
    try:
        detail = _error_text(r.json())
    except ValueError:
        detail = r.text[:300]
    msg = f"模型服务返回 HTTP {r.status_code} (server error) {url}: {detail}"
    if r.status_code in (400, 422):
        raise InvalidInputError(msg)
    raise BackendError(msg)
