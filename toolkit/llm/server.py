"""An OpenAI-compatible HTTP server over any Hanlin :class:`~toolkit.llm.base.LLM` (standard library only).

Routes: ``GET /v1/models``, ``POST /v1/completions``, ``POST /v1/chat/completions`` (``"stream": true``
gives server-sent events ending in ``data: [DONE]``), ``GET /health``. Errors are OpenAI-style JSON
(``{"error": {"message", "type", "param", "code"}}``). Binds to 127.0.0.1 unless told otherwise.

Serving model (:class:`HanlinHTTPServer`): the kernel's listen backlog holds bursts (128); an accepted
connection waits in a selector until its request starts arriving (clients that connect and send
nothing are closed after ``header_timeout`` without holding a thread), then joins a bounded queue
served by a fixed pool of worker threads. When the queue is full the client gets an immediate 503
with ``Retry-After`` instead of a reset connection. Reads and writes time out (slow clients), headers
are validated (``Content-Length``), and ``api_key`` makes every route but ``/health`` require
``Authorization: Bearer <key>``, as OpenAI's API does.

Sampling defaults are Hanlin's (greedy, 256 new tokens) when a request leaves them out; ``top_k``,
``repetition_penalty`` and ``seed`` are accepted as in vLLM.

Example:
    >>> srv = make_server(load_llm(), port=0)          # doctest: +SKIP  (port 0: any free port)
    >>> threading.Thread(target=srv.serve_forever, daemon=True).start()  # doctest: +SKIP
    >>> load_llm(f"openai:http://127.0.0.1:{srv.server_port}/v1").generate("...")  # doctest: +SKIP
"""

from __future__ import annotations

import hmac
import json
import logging
import queue
import selectors
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer

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


@dataclass(frozen=True)
class ServerLimits:
    """How much the server takes on at once, and how long it waits for a client."""

    workers: int = 8  # requests handled at once (generation itself is serialised per model step)
    max_queue: int = 256  # requests waiting for a worker; beyond this: 503 + Retry-After
    backlog: int = 128  # kernel listen queue (connections not yet accepted)
    header_timeout: float = 10.0  # a connection that sends no request within this is closed
    io_timeout: float = 30.0  # any one read or write of a request/response (slow clients)
    max_waiting: int = 1024  # connections accepted but still silent; beyond this: 503


class OpenAIHandler(BaseHTTPRequestHandler):
    server_version = "Hanlin/0.1"
    llm: LLM  # set on the subclass made by make_server
    api_key: str | None = None  # set by make_server; None = no authentication
    timeout = ServerLimits.io_timeout  # socket timeout per read/write (StreamRequestHandler applies it)

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
        if self.headers.get("Transfer-Encoding"):
            raise APIError(411, "不支持分块传输, 请给出 Content-Length (chunked transfer encoding is not supported; "
                                "send Content-Length)")
        raw = self.headers.get("Content-Length")
        if raw is None:
            raise APIError(411, "缺少 Content-Length 请求头 (Content-Length header required)")
        if not raw.strip().isdigit():
            raise APIError(400, f"Content-Length 请求头无效 (invalid Content-Length header): {raw[:40]!r}")
        length = int(raw)
        if length > MAX_BODY:
            raise APIError(413, f"请求体过大 (request body over {MAX_BODY} bytes)")
        data = self.rfile.read(length)
        if len(data) < length:
            raise APIError(400, f"请求体不完整 (body shorter than Content-Length: {len(data)} < {length} bytes)")
        try:
            body = json.loads(data or b"{}")
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
            if self.api_key is not None and path != "/health":
                self._authorise()
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
        except TimeoutError:
            log.info("client too slow: closed after %s s", self.timeout)
            self.close_connection = True
        except Exception as e:  # a bug must cost one request a 500, never the connection without an answer
            log.exception("unhandled error")
            try:
                self._send_error(APIError(500, f"服务器内部错误 (internal server error): {type(e).__name__}", "server_error"))
            except OSError:
                pass

    def _authorise(self) -> None:
        got = self.headers.get("Authorization") or ""
        scheme, _, token = got.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self.api_key.encode()):
            raise APIError(401, "API 密钥缺失或错误 (missing or incorrect API key: send 'Authorization: Bearer <key>')",
                           "invalid_request_error", None)

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


def _reject(sock: socket.socket, status: int, reason: str, message: str) -> None:
    """Answer ``status`` outside the handler (queue full, silent client) and close politely.

    What the client already sent is read first: closing a socket with unread input makes the kernel
    send a reset, and the client would see ECONNRESET instead of this answer.
    """
    body = json.dumps({"error": {"message": message, "type": "server_error" if status >= 500 else "invalid_request_error",
                                 "param": None, "code": status}}, ensure_ascii=False).encode("utf-8")
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n").encode()
    try:
        sock.setblocking(False)
        try:
            while sock.recv(65536):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        sock.settimeout(2.0)
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        sock.close()


class HanlinHTTPServer(HTTPServer):
    """HTTPServer with a waiting room for silent connections, a bounded queue and a fixed worker pool."""

    daemon_threads = True

    def __init__(self, address, handler, limits: ServerLimits = ServerLimits()):
        self.request_queue_size = limits.backlog  # read by server_activate() → listen()
        self.limits = limits
        super().__init__(address, handler)
        self.jobs: queue.Queue = queue.Queue(limits.max_queue)
        self._selector = selectors.DefaultSelector()
        self._new: list = []
        self._new_lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._closing = threading.Event()
        self._threads = [threading.Thread(target=self._waiting_room, name="hanlin-serve-wait", daemon=True)]
        self._threads += [threading.Thread(target=self._work, name=f"hanlin-serve-{i}", daemon=True) for i in range(limits.workers)]
        for t in self._threads:
            t.start()

    # --- accepted connection → waiting room → queue → worker -------------------------------------
    def process_request(self, request, client_address):
        with self._new_lock:
            self._new.append((request, client_address, time.monotonic()))
        self._wake_w.send(b"\0")

    def _waiting_room(self) -> None:
        waiting = 0
        while not self._closing.is_set():
            with self._new_lock:
                new, self._new = self._new, []
            for sock, addr, t0 in new:
                if waiting >= self.limits.max_waiting:
                    _reject(sock, 503, "Service Unavailable", "服务器繁忙, 请稍后重试 (server busy: too many open connections; retry)")
                    continue
                self._selector.register(sock, selectors.EVENT_READ, (addr, t0))
                waiting += 1
            now = time.monotonic()
            for key, _ in self._selector.select(timeout=0.5):
                if key.data is None:  # wake-up
                    try:
                        while self._wake_r.recv(4096):
                            pass
                    except (BlockingIOError, InterruptedError):
                        pass
                    continue
                self._selector.unregister(key.fileobj)
                waiting -= 1
                try:
                    self.jobs.put_nowait((key.fileobj, key.data[0]))
                except queue.Full:
                    _reject(key.fileobj, 503, "Service Unavailable",
                            f"服务器繁忙, 请稍后重试 (server busy: {self.limits.max_queue} requests queued; retry after 1 s)")
            for key in list(self._selector.get_map().values()):
                if key.data is not None and now - key.data[1] > self.limits.header_timeout:
                    self._selector.unregister(key.fileobj)
                    waiting -= 1
                    _reject(key.fileobj, 408, "Request Timeout",
                            f"请求超时 (no request received within {self.limits.header_timeout:g} s)")

    def _work(self) -> None:
        while True:
            item = self.jobs.get()
            if item is None:
                return
            request, addr = item
            try:
                self.finish_request(request, addr)
            except Exception:  # noqa: BLE001 - one broken connection must not end the worker
                self.handle_error(request, addr)
            finally:
                self.shutdown_request(request)

    def server_close(self):
        super().server_close()
        if self._closing.is_set():
            return
        self._closing.set()
        self._wake_w.send(b"\0")
        for _ in range(self.limits.workers):
            try:
                self.jobs.put_nowait(None)
            except queue.Full:
                break
        self._threads[0].join(timeout=2)  # the waiting room leaves its loop within one select timeout
        for key in list(self._selector.get_map().values()):
            if key.data is not None:
                key.fileobj.close()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()


def make_server(llm: LLM, host: str = "127.0.0.1", port: int = 8000, api_key: str | None = None,
                limits: ServerLimits = ServerLimits()) -> HanlinHTTPServer:
    """A ready (not yet serving) server; call ``serve_forever()`` on it. ``port=0`` picks a free port.

    Args:
        llm: the model to serve.
        host, port: where to listen.
        api_key: if given, every route but ``/health`` needs ``Authorization: Bearer <api_key>``.
        limits: workers, queue, backlog and timeouts (:class:`ServerLimits`).
    """
    if api_key is not None and not api_key.strip():
        raise InvalidInputError("API 密钥不能为空 (the API key must not be empty)")
    handler = type("BoundOpenAIHandler", (OpenAIHandler,), {"llm": llm, "api_key": api_key, "timeout": limits.io_timeout})
    return HanlinHTTPServer((host, port), handler, limits)


def serve(llm: LLM, host: str = "127.0.0.1", port: int = 8000, api_key: str | None = None,
          limits: ServerLimits = ServerLimits()) -> None:
    """Serve until interrupted (Ctrl-C)."""
    server = make_server(llm, host, port, api_key, limits)
    h, p = server.server_address[:2]
    auth = "Bearer API key required" if api_key else "no API key"
    print(f"Hanlin OpenAI-compatible server: http://{h}:{p}/v1  (model {llm.name!r}; {limits.workers} workers, "
          f"queue {limits.max_queue}; {auth}; Ctrl-C 退出 quit)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
