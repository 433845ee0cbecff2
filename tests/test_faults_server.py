"""The model server under load and abuse: concurrent clients, idle and slow clients, bad headers, API keys, a full queue."""

import concurrent.futures as cf
import json
import socket
import threading
import time

import httpx
import pytest

from toolkit.llm.base import LLM
from toolkit.llm.server import ServerLimits, make_server

pytestmark = pytest.mark.faults


class EchoLLM(LLM):
    """Answers after ``delay`` seconds with the prompt's first characters (no model weights needed)."""

    name = "echo"
    capable = True

    def __init__(self, delay: float = 0.0, fail: bool = False):
        self.delay, self.fail = delay, fail

    def _execute(self, request, info):
        if self.fail:
            raise RuntimeError("backend bug")
        time.sleep(self.delay)
        info.prompt_tokens, info.completion_tokens, info.finish_reason = 3, 2, "stop"
        yield (request.prompt or "chat")[:2]


def _start(llm, **kw):
    limits = kw.pop("limits", ServerLimits())
    srv = make_server(llm, "127.0.0.1", 0, limits=limits, **kw)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return srv


@pytest.fixture
def server():
    made = []

    def start(llm=None, **kw):
        srv = _start(llm or EchoLLM(), **kw)
        made.append(srv)
        return srv, f"http://127.0.0.1:{srv.server_port}"

    yield start
    for srv in made:
        srv.shutdown()
        srv.server_close()


def _raw(port: int, data: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def test_100_concurrent_completions_all_answered(server):
    srv, base = server(EchoLLM(delay=0.01))
    barrier = threading.Barrier(100)

    def one(i):
        with httpx.Client(timeout=60) as c:
            barrier.wait()
            r = c.post(base + "/v1/completions", json={"prompt": f"第{i}", "max_tokens": 2})
            return r.status_code, r.json()["choices"][0]["text"]

    with cf.ThreadPoolExecutor(100) as ex:
        results = list(ex.map(one, range(100)))
    assert all(code == 200 for code, _ in results)
    assert [t for _, t in results] == [f"第{i}"[:2] for i in range(100)]


def test_idle_connections_hold_no_threads_and_are_closed(server):
    srv, base = server(limits=ServerLimits(header_timeout=0.5))
    threads_before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", srv.server_port)) for _ in range(200)]
    try:
        r = httpx.post(base + "/v1/completions", json={"prompt": "你好"}, timeout=10)  # not starved by 200 idle sockets
        assert r.status_code == 200
        assert threading.active_count() <= threads_before + 2
        time.sleep(1.5)
        idle[0].settimeout(5)
        assert idle[0].recv(4096).startswith(b"HTTP/1.1 408")  # told, then closed
    finally:
        for s in idle:
            s.close()


def test_slow_client_times_out_without_a_traceback(server, caplog):
    srv, base = server(limits=ServerLimits(io_timeout=0.5))
    with socket.create_connection(("127.0.0.1", srv.server_port), timeout=10) as s:
        s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"prompt\"")
        s.settimeout(10)
        t0 = time.monotonic()
        assert s.recv(4096) == b""  # closed after the read timeout, not held
        assert time.monotonic() - t0 < 8
    assert httpx.post(base + "/v1/completions", json={"prompt": "好"}, timeout=10).status_code == 200
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("header,status,words", [
    (b"Content-Length: abc\r\n", 400, "invalid Content-Length"),
    (b"Content-Length: -5\r\n", 400, "invalid Content-Length"),
    (b"Content-Length: 99999999999\r\n", 413, "request body over"),
    (b"Transfer-Encoding: chunked\r\n", 411, "chunked"),
    (b"", 411, "Content-Length header required"),
])
def test_bad_headers_get_a_json_error(server, header, status, words):
    srv, _ = server()
    out = _raw(srv.server_port, b"POST /v1/completions HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n")
    head, _, body = out.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == str(status).encode()
    err = json.loads(body)["error"]
    assert words in err["message"] and err["code"] == status


def test_api_key(server):
    srv, base = server(api_key="s3cret")
    url = base + "/v1/completions"
    r = httpx.post(url, json={"prompt": "问"})
    assert r.status_code == 401 and "Bearer" in r.json()["error"]["message"]
    assert httpx.post(url, json={"prompt": "问"}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert httpx.post(url, json={"prompt": "问"}, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert httpx.get(base + "/v1/models").status_code == 401
    assert httpx.get(base + "/health").status_code == 200  # liveness checks need no key
    from toolkit.llm import load_llm

    from toolkit.errors import BackendError

    with pytest.raises(BackendError):
        load_llm(f"openai:{base}/v1#echo").generate("x")  # the client without a key is refused


def test_hanlin_client_sends_its_key(server, monkeypatch):
    from toolkit.llm import load_llm

    srv, base = server(api_key="s3cret")
    monkeypatch.setenv("HANLIN_LLM_API_KEY", "s3cret")
    assert load_llm(f"openai:{base}/v1#echo").generate("问好") == "问好"


def test_full_queue_answers_503_not_a_reset(server):
    srv, base = server(EchoLLM(delay=1.5), limits=ServerLimits(workers=1, max_queue=1))
    barrier = threading.Barrier(8)

    def one(_):
        with httpx.Client(timeout=30) as c:
            barrier.wait()
            r = c.post(base + "/v1/completions", json={"prompt": "问"})
            return r.status_code, r.headers.get("retry-after"), r.json()

    with cf.ThreadPoolExecutor(8) as ex:
        results = list(ex.map(one, range(8)))  # any connection error would raise here
    codes = sorted(c for c, _, _ in results)
    assert codes.count(200) >= 2 and 503 in codes and set(codes) <= {200, 503}
    busy = next(j for c, _, j in results if c == 503)
    assert "server busy" in busy["error"]["message"] and all(r == "1" for c, r, _ in results if c == 503)


def test_backend_bug_is_a_500_json(server):
    srv, base = server(EchoLLM(fail=True))
    r = httpx.post(base + "/v1/completions", json={"prompt": "问"})
    assert r.status_code == 500 and "internal server error" in r.json()["error"]["message"]
    assert httpx.get(base + "/health").status_code == 200  # the worker survived


def test_cli_rejects_an_empty_api_key():
    from toolkit.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="API key"):
        make_server(EchoLLM(), "127.0.0.1", 0, api_key=" ")


def test_serve_cli_checks_its_limits():
    from pipelines.cli import build_parser
    from toolkit.errors import InvalidInputError

    args = build_parser().parse_args(["serve", "--workers", "0"])
    with pytest.raises(InvalidInputError, match="workers"):
        args.func(args)
    args = build_parser().parse_args(["serve", "--api-key", "k", "--max-queue", "5", "--timeout", "3"])
    assert (args.api_key, args.max_queue, args.timeout) == ("k", 5, 3.0)


@pytest.mark.e2e
def test_hanlin_serve_process_with_api_key(tiny_model_dir):
    """The real command: `hanlin serve --api-key` in its own process, over loopback."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "pipelines", "serve", "--model", str(tiny_model_dir), "--port", str(port),
                             "--api-key", "k3y", "--workers", "2"], env=env, cwd=str(repo),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert httpx.get(base + "/v1/models").status_code == 401
        r = httpx.post(base + "/v1/completions", json={"prompt": "<bos><五绝><题>春夜<文>", "max_tokens": 4},
                       headers={"Authorization": "Bearer k3y"}, timeout=60)
        assert r.status_code == 200 and r.json()["usage"]["completion_tokens"] == 4
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "Bearer API key required" in out and "2 workers" in out
