"""An OpenAI-compatible HTTP server over any Hanlin :class:`~toolkit.llm.base.LLM` (standard library only).

Routes: ``GET /v1/models``, ``POST /v1/completions``, ``POST /v1/chat/completions`` (``"stream": true``
gives server-sent events ending in ``data: [DONE]``), ``GET /health``. Errors are OpenAI-style JSON
(``{"error": {"message", "type", "param", "code"}}``). Binds to 127.0.0.1 unless told otherwise.

Sampling defaults are Hanlin's (greedy, 256 new tokens) when a request leaves them out; ``top_k``,
``repetition_penalty`` and ``seed`` are accepted as in vLLM.

Example:
    >>> srv = make_server(load_llm(), port=0)          # doctest: +SKIP  (port 0: any free port)
    >>> threading.Thread(target=srv.serve_forever, daemon=True).start()  # doctest: +SKIP
    >>> load_llm(f"openai:http://127.0.0.1:{srv.server_port}/v1").generate("...")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from toolkit.errors import HanlinError, InvalidInputError

from .base import LLM

log = logging.getLogger("hanlin.serve")

MAX_BODY = 8 * 1024 * 1024  # bytes
GEN_KEYS = ("max_tokens", "max_new_tokens", "temperature", "top_p", "top_k", "repetition_penalty", "seed", "stop")


class APIError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param = status, message, type_, param


def _gen_params(body: dict) -> dict:
    gen = {k: body[k] for k in GEN_KEYS if body.get(k) is not None}
    n = body.get("n", 1)
    if n != 1:
        raise APIError(400, f"只支持 n=1 (only n=1 is supported), got n={n!r}", param="n")
    return gen


class OpenAIHandler(BaseHTTPRequestHandler):
    server_version = "Hanlin/0.1"
    llm: LLM  # set on the subclass made by make_server

    # --- plumbing ----------------------------------------------------------------------------------
    def log_message(self, fmt, *args):  # route access logs to logging instead of stderr
        log.info("%s %s", self.address_string(), fmt % args)

    def _send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, e: APIError) -> None:
        self._send_json(e.status, {"error": {"message": e.message, "type": e.type, "param": e.param,
                                             "code": e.status}})

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise APIError(413, f"请求体过大 (request body over {MAX_BODY} bytes)")
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise APIError(400, f"请求体不是合法 JSON (body is not valid JSON): {e}") from None
        if not isinstance(body, dict):
            raise APIError(400, "请求体必须是 JSON 对象 (body must be a JSON object)")
        model = body.get("model")
        if model not in (None, "", self.llm.name):
            raise APIError(404, f"模型不存在 (model not found) {model!r}; 可选 (available): {self.llm.name}",
                           "not_found_error", "model")
        return body

    def _dispatch(self, routes: dict) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        handler = routes.get(path)
        try:
            if handler is None:
                raise APIError(404, f"未知的路径 (unknown route) {self.command} {self.path}", "not_found_error")
            handler()
        except APIError as e:
            self._send_error(e)
        except InvalidInputError as e:
            self._send_error(APIError(400, str(e), param=_param_in(str(e))))
        except HanlinError as e:
            self._send_error(APIError(500, str(e), "server_error"))
        except (BrokenPipeError, ConnectionResetError):
            log.info("client went away")

    def do_GET(self):  # noqa: N802 (http.server naming)
        self._dispatch({"/v1/models": self._models, "/health": lambda: self._send_json(200, {"status": "ok"})})

    def do_POST(self):  # noqa: N802
        self._dispatch({"/v1/completions": self._completions, "/v1/chat/completions": self._chat})

    # --- routes ---------------------------------------------------------------------------------------
    def _models(self) -> None:
        self._send_json(200, {"object": "list", "data": [{
            "id": self.llm.name, "object": "model", "created": int(time.time()), "owned_by": "hanlin",
            "max_model_len": self.llm.context_length,
        }]})

    def _completions(self) -> None:
        body = self._body()
        prompt = body.get("prompt")
        if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
            prompt = prompt[0]
        if not isinstance(prompt, str):
            raise APIError(400, "prompt 必须是字符串 (prompt must be a string)", param="prompt")
        stream = self.llm.open_stream(prompt=prompt, **_gen_params(body))
        self._respond(body, stream, chat=False)

    def _chat(self) -> None:
        body = self._body()
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise APIError(400, "messages 必须是非空列表 (messages must be a non-empty list)", param="messages")
        messages = [{"role": m.get("role"), "content": _content_text(m.get("content"))} if isinstance(m, dict) else m
                    for m in messages]
        stream = self.llm.open_stream(messages=messages, **_gen_params(body))
        self._respond(body, stream, chat=True)

    def _respond(self, body: dict, stream, chat: bool) -> None:
        rid = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]
        head = {"id": rid, "created": int(time.time()), "model": self.llm.name}
        if not body.get("stream"):
            text = "".join(stream)
            info = stream.info
            choice = ({"index": 0, "message": {"role": "assistant", "content": text}} if chat
                      else {"index": 0, "text": text, "logprobs": None})
            choice["finish_reason"] = info.finish_reason
            self._send_json(200, {**head, "object": "chat.completion" if chat else "text_completion",
                                  "choices": [choice], "usage": _usage(info), **_notes(info)})
            return
        # Pull the first piece before sending headers, so parameter errors still become a 4xx response.
        pieces = iter(stream)
        first = next(pieces, None)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        obj = "chat.completion.chunk" if chat else "text_completion"

        def event(payload) -> None:
            self.wfile.write(b"data: " + json.dumps(payload, ensure_ascii=False).encode("utf-8") + b"\n\n")
            self.wfile.flush()

        def chunk(piece=None, finish=None, role=False) -> dict:
            if chat:
                delta = {"role": "assistant", "content": ""} if role else ({"content": piece} if piece else {})
                c = {"index": 0, "delta": delta, "finish_reason": finish}
            else:
                c = {"index": 0, "text": piece or "", "logprobs": None, "finish_reason": finish}
            return {**head, "object": obj, "choices": [c]}

        try:
            if chat:
                event(chunk(role=True))
            if first is not None:
                event(chunk(first))
            for piece in pieces:
                event(chunk(piece))
            event({**chunk(finish=stream.info.finish_reason), **_notes(stream.info)})
            if (body.get("stream_options") or {}).get("include_usage"):
                event({**head, "object": obj, "choices": [], "usage": _usage(stream.info)})
        except HanlinError as e:  # headers are out: report in-band, as OpenAI-compatible servers do
            event({"error": {"message": str(e), "type": "server_error", "param": None, "code": 500}})
        finally:
            stream.close()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def _usage(info) -> dict:
    p, c = max(info.prompt_tokens, 0), max(info.completion_tokens, 0)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _notes(info) -> dict:
    """Hanlin's extension field: warnings such as prompt truncation (ignored by other clients)."""
    if not info.warnings:
        return {}
    return {"hanlin": {"warnings": list(info.warnings), "truncated_tokens": info.truncated_tokens}}


def _content_text(content):
    """OpenAI content may be a list of parts; keep the text parts."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content


def _param_in(message: str) -> str | None:
    for key in GEN_KEYS + ("max_new_tokens", "messages", "prompt", "n", "role"):
        if f"{key}" in message:
            return "max_tokens" if key == "max_new_tokens" else key
    return None


def make_server(llm: LLM, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A ready (not yet serving) threaded HTTP server; call ``serve_forever()`` on it. ``port=0`` picks a free port."""
    handler = type("BoundOpenAIHandler", (OpenAIHandler,), {"llm": llm})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve(llm: LLM, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted (Ctrl-C)."""
    server = make_server(llm, host, port)
    h, p = server.server_address[:2]
    print(f"Hanlin OpenAI-compatible server: http://{h}:{p}/v1  (model {llm.name!r}; Ctrl-C 退出 quit)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
