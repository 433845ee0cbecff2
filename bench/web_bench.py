"""Web UI latency on a cold server: process start → usable page, click 生成 → first complete poem.

Each run starts the real server (``hanlin web`` on 127.0.0.1, a free port, a fresh user folder) and drives
it in headless Debian Chromium (playwright; the browser is launched before the clock starts, as a user's
browser would already be open), then opens the app at once. Measured per run:

- **health**: process start → ``/_stcore/health`` answers.
- **usable page**: process start → the poetry page's heading is shown and the first script run has ended
  (Streamlit's status widget hidden), i.e. the page accepts input.
- **first poem**: topic 「春夜」 is typed and 生成 clicked; time from the click until the first
  candidate's complete text and its 平仄 grid are shown (and, separately, until the first streamed draft
  characters appear). Two scenarios: the click comes as soon as the page is usable (the worst case:
  the model has just started loading), or 10 s later (a user who reads the form first).
- **2nd poem**: another click (new seed) on the same, now warm, server.
- **server CPU**: user+system CPU seconds of the server process over the run (wall time on this shared
  2-core machine is inflated by other work; the 1-minute load average at each start is reported too).

``--quick``: 1 run per scenario instead of 3.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 120_000
TOPIC = "春夜"  # a topic, so the first poem also needs the poem index (retrieval of similar poems)
STREAM = '[data-testid="stText"]'  # poem text (streamed into while generating)
BARS = {"usable": 10.0, "first": 3.0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_cpu(pid: int) -> float:
    """User+system CPU seconds of ``pid`` and its live descendants (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                kids = (task / "children").read_text().split()
                todo.extend(int(k) for k in kids)
        except (OSError, IndexError, ValueError):
            continue
    return total


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and anything it started (its own process group)."""
    import signal

    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def _settle(page) -> None:
    page.wait_for_timeout(100)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def _poem(page, seed: str, topic: str, not_before: float = 0.0) -> tuple[float, float]:
    """Click 生成 for ``topic`` with ``seed`` (not before ``not_before``, a perf_counter time): (seconds to the
    first streamed draft characters, seconds until the first candidate's complete text and 平仄 grid are
    shown and the run has ended)."""
    for label, value in (("题目", topic), ("随机种子", seed)):
        box = page.get_by_label(label, exact=True)  # not the field's "Help for …" button
        box.fill(value)
        box.press("Enter")
        _settle(page)
    heads = page.locator("h3", has_text="候选 1")
    old = heads.first.inner_text() if heads.count() else ""
    time.sleep(max(0.0, not_before - time.perf_counter()))
    t0 = time.perf_counter()
    page.get_by_role("button", name="生成").click()
    page.wait_for_function(  # the streamed draft, or (a UI without streaming) the new result
        "old => document.body.innerText.includes('草稿') || [...document.querySelectorAll('h3')]"
        ".some(h => h.innerText.startsWith('候选 1') && h.innerText !== old)", arg=old, timeout=TIMEOUT_MS)
    first_chars = time.perf_counter() - t0
    page.wait_for_function(
        "old => [...document.querySelectorAll('h3')].some(h => h.innerText.startsWith('候选 1') && h.innerText !== old)",
        arg=old, timeout=TIMEOUT_MS)
    page.locator("table td").first.wait_for()
    page.get_by_text("生成中").wait_for(state="detached")
    return first_chars, time.perf_counter() - t0


def _one_run(browser, delay: float, engine: str = "auto") -> dict:
    from pipelines.cli.web import command

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    user = tempfile.mkdtemp(prefix="hanlin-web-bench-")
    env = dict(os.environ, HANLIN_USER_DIR=user, PYTHONPATH=str(ROOT), HANLIN_ENGINE=engine)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    log = Path(user) / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(command("127.0.0.1", port), cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"hanlin web exited with {proc.returncode}")
                if time.perf_counter() - t0 > TIMEOUT_MS / 1000:
                    raise TimeoutError("server did not answer")
                time.sleep(0.05)
        health = time.perf_counter() - t0
        page.goto(url + "/poetry")  # / is the start page
        page.get_by_role("heading", name="诗词创作").first.wait_for()
        _settle(page)
        usable = time.perf_counter() - t0
        page.get_by_role("tab", name="创作").click()
        first_chars, first = _poem(page, "7", TOPIC, not_before=t0 + usable + delay)
        _, again = _poem(page, "8", TOPIC)
        cpu = _tree_cpu(proc.pid)
        m = re.search(r"poetry model ready\) ([0-9.]+)s after start", log.read_text(encoding="utf-8", errors="replace"))
    finally:
        page.close()
        _stop(proc)
    return {"health": health, "usable": usable, "ready": float(m.group(1)) if m else float("nan"),
            "first_chars": first_chars, "first": first, "warm": again, "cpu": cpu, "load": load}


BREAKDOWN = r"""
import json, sys, time
engine = sys.argv[1]
out, c = [], time.process_time()
def lap(name):
    global c
    out.append((name, time.process_time() - c)); c = time.process_time()
if engine == "transformers":
    import torch; lap("import torch")
    import transformers.models.deepseek_v2.modeling_deepseek_v2; lap("import transformers (+ DeepseekV2 modeling)")
else:
    import toolkit.llm.numpy_engine; lap("import the NumPy engine (numpy, tokenizers)")
from pipelines.poetry import PoetryPipeline
from toolkit.llm import load_llm
p = PoetryPipeline.from_settings(llm_loader=lambda: load_llm(engine=engine)); lap("import pipelines.poetry")
p.llm; lap("load the model (rest of load_llm)")
p.line_set; lap("corpus line set (data/indexes/poem_lines.npy)")
p.index; lap("poem index: open + one priming search")
p.warm(("decode",)); lap("tone vocabulary for constrained decoding")
p.generate("春夜", form="七绝", n=2, seed=7); lap("first poem (topic 春夜, 2 candidates)")
p.generate("春夜", form="七绝", n=2, seed=8); lap("second poem")
print(json.dumps(out))
"""


def _cpu_breakdown(engine: str) -> list[tuple[str, float]]:
    """CPU seconds of each loading step up to the first poems, in a fresh process (independent of load)."""
    import json

    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "-c", BREAKDOWN, engine], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=600, check=True)
    return [tuple(x) for x in json.loads(r.stdout.strip().splitlines()[-1])]


# (label, click delay after the page is usable, HANLIN_ENGINE): the default NumPy engine, and the
# transformers engine (torch) as the peer it replaces, in the same run.
SCENARIOS = (("NumPy engine (default): click as soon as the page is usable", 0.0, "auto"),
             ("NumPy engine: click 10 s after the page is usable", 10.0, "auto"),
             ("transformers engine (peer): click as soon as the page is usable", 0.0, "transformers"))
ROWS = (("health", "process start → health endpoint", None),
        ("usable", "process start → usable poetry page", "usable"),
        ("ready", "`hanlin web` start → poetry model, index and line set loaded (its log)", None),
        ("first_chars", "click 生成 → first streamed draft characters", None),
        ("first", "click 生成 → first complete poem shown", "first"),
        ("warm", "click 生成 → complete poem (2nd click, warm)", None),
        ("cpu", "server CPU s over the run (start, page, 2 poems)", None))


def run(args) -> str:
    if not CHROMIUM.exists():
        raise RuntimeError("Debian chromium not installed at /usr/bin/chromium (make browser)")
    from playwright.sync_api import sync_playwright

    n = 1 if getattr(args, "quick", False) else 3
    results: dict[int, list[dict]] = {i: [] for i in range(len(SCENARIOS))}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for _ in range(n):  # interleaved, so both scenarios see similar machine load
                for i, (_, delay, engine) in enumerate(SCENARIOS):
                    r = _one_run(browser, delay, engine)
                    results[i].append(r)
                    print(f"engine={engine} delay={delay:g} " + " ".join(f"{k}={v:.2f}" for k, v in r.items()), flush=True)
        finally:
            browser.close()

    def med(rows: list[dict], key: str) -> str:
        vals = [r[key] for r in rows if r[key] == r[key]]  # NaN: not reported
        if not vals:
            return "—"
        return f"{statistics.median(vals):.2f}" + (f" ({min(vals):.2f}–{max(vals):.2f})" if len(vals) > 1 else "")

    loads = ", ".join(f"{r['load']:.2f}" for rows in results.values() for r in rows)
    out = [f"{n} cold server start(s) per scenario (fresh `hanlin web` process each), headless Debian Chromium "
           f"launched before the clock starts; topic 「{TOPIC}」, 七绝, 2 candidates. Seconds, median (min–max). "
           f"1-min load average at each start: {loads} (2 cores shared with other work: wall times are "
           "inflated; the CPU row is the server's own cost).", "",
           "| metric | " + " | ".join(name for name, _, _ in SCENARIOS) + " | bar |",
           "|---|" + "---|" * len(SCENARIOS) + "---|"]
    for key, label, bar in ROWS:
        cells = " | ".join(med(results[i], key) for i in range(len(SCENARIOS)))
        out.append(f"| {label} | {cells} | {f'≤ {BARS[bar]:g} s' if bar else ''} |")
    first = [statistics.median(r["first"] for r in results[i]) for i in (0, 2)]
    out += ["", f"First poem after a cold start, clicked as soon as the page is usable: transformers engine "
            f"{first[1]:.2f} s ÷ NumPy engine {first[0]:.2f} s = **{first[1] / first[0]:.1f}×** faster."]
    steps = {e: _cpu_breakdown(e) for e in ("numpy", "transformers")}
    common = [n for n, _ in steps["numpy"] if n in dict(steps["transformers"])]
    names = [n for e in steps for n, _ in steps[e] if n not in common] + common  # engine imports first
    totals = {e: sum(v for n, v in steps[e] if n != "second poem") for e in steps}
    out += ["", "What the first poem waits for: CPU seconds per step in a fresh process (the warm-up's work, "
            "then the poems; not inflated by machine load), per engine.", "",
            "| step | NumPy engine CPU s | transformers engine CPU s |", "|---|---|---|"]
    for name in names:
        cells = [f"{dict(steps[e])[name]:.2f}" if name in dict(steps[e]) else "—" for e in ("numpy", "transformers")]
        out.append(f"| {name} | {cells[0]} | {cells[1]} |")
    out.append(f"| **total to the first poem** | **{totals['numpy']:.2f}** | **{totals['transformers']:.2f}** |")
    return "\n".join(out)
