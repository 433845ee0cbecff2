"""``hanlin serve`` under load: 100 concurrent clients on loopback, side by side with the stdlib peer.

Each server runs in its own process with the embedded model:

- **hanlin**: ``hanlin serve`` (worker pool, listen backlog 128, waiting room for silent connections,
  bounded queue with 503, timeouts);
- **peer**: the same request handler on ``http.server.ThreadingHTTPServer`` (a thread per connection,
  listen backlog 5): what ``hanlin serve`` was before.

Scenarios, each ``ROUNDS`` times (bounded: ``CLIENTS`` requests per round, ``CLIENT_TIMEOUT`` s per request):

- **burst**: ``CLIENTS`` clients connect at the same moment (a barrier) and each POSTs one
  ``/v1/completions`` (8 new tokens);
- **burst + idle**: ``IDLE`` connections that never send anything are opened first and held open, then
  the same burst.

Reported per server: requests answered 200, connection errors (reset / refused / timeout), other
HTTP statuses, latency p50/p95/max of the answered ones, peak RSS (``VmHWM``) and peak threads of the
server process. ``--quick``: 1 round per scenario.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 100
IDLE = 200
ROUNDS = 3
CLIENT_TIMEOUT = 300.0
PROMPT = "<bos><五绝><题>春夜<文>"

_PEER = """
import sys
from http.server import ThreadingHTTPServer
from toolkit.llm import load_llm
from toolkit.llm.server import OpenAIHandler
handler = type("PeerHandler", (OpenAIHandler,), {"llm": load_llm(None)})
srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler)
srv.daemon_threads = True
srv.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, val = line.partition(":")
        if key in ("VmHWM", "VmRSS", "Threads"):
            out[key] = int(val.split()[0])
    return out


def _start(kind: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    if kind == "hanlin":
        cmd = [sys.executable, "-m", "pipelines", "serve", "--port", str(port)]
    else:
        cmd = [sys.executable, "-c", _PEER, str(port)]
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


def _burst(port: int, peak: dict, pid: int) -> dict:
    url = f"http://127.0.0.1:{port}/v1/completions"
    barrier = threading.Barrier(CLIENTS)
    results: list = [None] * CLIENTS

    def one(i: int) -> None:
        with httpx.Client(timeout=CLIENT_TIMEOUT) as c:
            barrier.wait()
            t0 = time.perf_counter()
            try:
                r = c.post(url, json={"prompt": PROMPT, "max_tokens": 8, "seed": i, "temperature": 1.0})
                results[i] = (r.status_code, time.perf_counter() - t0)
            except httpx.HTTPError as e:  # reset, refused, timed out
                results[i] = (type(e).__name__, time.perf_counter() - t0)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(CLIENTS)]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                st = _status(pid)
                peak["Threads"] = max(peak.get("Threads", 0), st["Threads"])
            except OSError:
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    return {"ok": [s for code, s in results if code == 200],
            "conn_errors": [code for code, _ in results if isinstance(code, str)],
            "other": [code for code, _ in results if isinstance(code, int) and code != 200]}


def _scenario(kind: str, idle: bool, rounds: int) -> dict:
    port = _free_port()
    proc = _start(kind, port)
    peak: dict = {}
    totals = {"ok": [], "conn_errors": [], "other": []}
    held = []
    try:
        # one warm-up request: the first generation pays one-off costs in both servers alike
        httpx.post(f"http://127.0.0.1:{port}/v1/completions", json={"prompt": PROMPT, "max_tokens": 8}, timeout=CLIENT_TIMEOUT)
        for _ in range(rounds):
            if idle:
                held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(IDLE)]
            res = _burst(port, peak, proc.pid)
            for k in totals:
                totals[k] += res[k]
            for s in held:
                s.close()
            held = []
        st = _status(proc.pid)
        peak["VmHWM"] = st["VmHWM"]
    finally:
        for s in held:
            s.close()
        proc.kill()
        proc.wait()
    return {**totals, **peak}


def _row(label: str, r: dict, rounds: int) -> str:
    n = CLIENTS * rounds
    ok = sorted(r["ok"])
    q = statistics.quantiles(ok, n=20) if len(ok) >= 2 else [float("nan")] * 19
    errs = ", ".join(sorted(set(r["conn_errors"]))) or "-"
    other = ", ".join(f"{c}×{r['other'].count(c)}" for c in sorted(set(r["other"]))) or "-"
    p50 = statistics.median(ok) if ok else float("nan")
    return (f"| {label} | {len(ok)}/{n} | {len(r['conn_errors'])} ({errs}) | {other} | {p50:.2f} | {q[18]:.2f} | "
            f"{max(ok) if ok else float('nan'):.2f} | {r['VmHWM'] / 1024:.0f} | {r.get('Threads', 0)} |")


def run(args) -> str:
    rounds = 1 if getattr(args, "quick", False) else ROUNDS
    rows = []
    for idle in (False, True):
        for kind in ("hanlin", "peer"):
            label = f"{'hanlin serve' if kind == 'hanlin' else 'peer: ThreadingHTTPServer'}, " + (
                f"burst + {IDLE} idle connections" if idle else "burst")
            print(f"{label} ...", flush=True)
            rows.append(_row(label, _scenario(kind, idle, rounds), rounds))
    load = os.getloadavg()[0]
    head = (f"{CLIENTS} concurrent clients on loopback (barrier start), each one POST /v1/completions "
            f"(embedded model, 8 new tokens), {rounds} round(s) per scenario; per-request timeout {CLIENT_TIMEOUT:g} s. "
            f"Latency in seconds over the answered requests; RSS = the server's peak resident memory (VmHWM); "
            f"threads = the server's peak thread count. 1-min load average at the end: {load:.2f} "
            f"(2 shared cores: latency is inflated by other work; errors and memory are not).\n\n")
    table = ("| server, scenario | answered 200 | connection errors | other statuses | p50 s | p95 s | max s | "
             "peak RSS MiB | peak threads |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows))
    return head + table + "\n\nBar (issue 18): 0 connection errors, RSS bounded."
