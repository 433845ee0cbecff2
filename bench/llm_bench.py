"""Decode speed of the local engines: Hanlin's decode loop on the transformers engine vs
``model.generate``, constrained 五绝 (one at a time and batched), the NumPy engine on the same
workloads, and the OpenAI-compatible server over loopback vs direct calls.

Runs on a freshly initialised tiny DeepseekV2 MoE, and on the shipped embedded model when it exists.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import torch

N_TOKENS = 200


def _han_ids(llm) -> set[int]:
    return {i for t, i in llm.tokenizer.get_vocab().items() if len(t) == 1 and "\u4e00" <= t <= "\u9fff"}


def wujue_allowed(llm):
    """五绝 shape: 5 han ， 5 han 。 \\n 5 han ， 5 han 。 <eos>."""
    from toolkit.llm.constraints import char_ids, pattern_allowed

    ids = char_ids(llm.tokenizer, "，。\n")
    han = _han_ids(llm)
    line = [han] * 5
    pattern = line + [{ids["，"]}] + line + [{ids["。"]}, {ids["\n"]}] + line + [{ids["，"]}] + line + [{ids["。"]}]
    return pattern_allowed(pattern, then=llm.eos_ids), len(pattern) + 1


class Timing(float):
    """Wall seconds per call (the float value) plus CPU seconds (``.cpu``) of this process.

    On a shared machine wall time moves with other processes' load; CPU time is what the decode costs.
    """

    cpu: float


def _timed(fn, repeat: int = 1) -> Timing:
    fn()  # warm-up
    w, c = time.perf_counter(), time.process_time()
    for _ in range(repeat):
        fn()
    t = Timing((time.perf_counter() - w) / repeat)
    t.cpu = (time.process_time() - c) / repeat
    return t


class OnTensors:
    """A NumPy processor of :mod:`toolkit.llm.constraints` run inside ``model.generate`` (the reference)."""

    def __init__(self, proc):
        self.proc = proc

    def __call__(self, input_ids, scores):
        return torch.from_numpy(self.proc(input_ids.numpy(), scores.float().numpy()))


def bench_model(llm, label: str, quick: bool) -> list[tuple]:
    from transformers import LogitsProcessorList

    from toolkit.llm.constraints import AllowedMask, LogitBias

    n = 60 if quick else N_TOKENS
    prompt = "<bos><五绝><题>春夜<文>"
    no_eos = {e: -float("inf") for e in llm.eos_ids}  # force full length so tokens/s compare like for like
    ids = torch.tensor([llm.encode(prompt)])
    rows = []

    t = _timed(lambda: llm.generate_constrained(prompt, bias=no_eos, max_new_tokens=n))
    rows.append((label, "decode loop, greedy (transformers engine)", n, t, f"{n} tokens"))
    procs = LogitsProcessorList([OnTensors(LogitBias(no_eos))])
    t = _timed(lambda: llm.hf_model.generate(ids, logits_processor=procs, max_new_tokens=n, do_sample=False))
    rows.append((label, "model.generate, greedy", n, t, f"{n} tokens"))
    t = _timed(lambda: llm.generate_constrained(prompt, bias=no_eos, max_new_tokens=n, temperature=0.8, top_p=0.95,
                                                seed=1))
    rows.append((label, "decode loop, sampled (T=0.8, top_p=0.95)", n, t, f"{n} tokens"))

    allowed, length = wujue_allowed(llm)
    reps = 2 if quick else 5
    t = _timed(lambda: llm.generate_constrained(prompt, allowed, max_new_tokens=length, temperature=0.8, seed=2), reps)
    rows.append((label, "constrained 五绝, decode loop", length, t, f"{t * 1000:.0f} ms/poem"))

    def hf_constrained():
        p = LogitsProcessorList([OnTensors(AllowedMask(allowed, ids.shape[1]))])
        llm.hf_model.generate(ids, logits_processor=p, max_new_tokens=length, do_sample=True, temperature=0.8,
                              top_k=0)

    t = _timed(hf_constrained, reps)
    rows.append((label, "constrained 五绝, model.generate", length, t, f"{t * 1000:.0f} ms/poem"))
    t = _timed(lambda: llm.sample_constrained(prompt, allowed, n=8, max_new_tokens=length, temperature=0.8, seed=3),
               max(1, reps // 2))
    rows.append((label, "constrained 五绝, decode loop batch n=8", 8 * length, t, f"{t / 8 * 1000:.0f} ms/poem"))
    return rows


def bench_numpy(path: Path, label: str, quick: bool) -> list[tuple]:
    """The same decode workloads on the NumPy engine (:class:`~toolkit.llm.numpy_engine.NumpyLLM`), beside the rows above."""
    from toolkit.llm.numpy_engine import NumpyLLM

    t = time.perf_counter()
    llm = NumpyLLM(path)
    rows = [(label, "load (NumpyLLM; no torch import)", 0, None, f"{time.perf_counter() - t:.2f} s")]
    n = 60 if quick else N_TOKENS
    prompt = "<bos><五绝><题>春夜<文>"
    no_eos = {e: -float("inf") for e in llm.eos_ids}
    t = _timed(lambda: llm.generate_constrained(prompt, bias=no_eos, max_new_tokens=n))
    rows.append((label, "NumPy engine: decode loop, greedy", n, t, f"{n} tokens"))
    allowed, length = wujue_allowed(llm)
    reps = 2 if quick else 5
    t = _timed(lambda: llm.generate_constrained(prompt, allowed, max_new_tokens=length, temperature=0.8, seed=2), reps)
    rows.append((label, "NumPy engine: constrained 五绝", length, t, f"{t * 1000:.0f} ms/poem"))
    t = _timed(lambda: llm.sample_constrained(prompt, allowed, n=8, max_new_tokens=length, temperature=0.8, seed=3),
               max(1, reps // 2))
    rows.append((label, "NumPy engine: constrained 五绝 batch n=8", 8 * length, t, f"{t / 8 * 1000:.0f} ms/poem"))
    return rows


def bench_server(llm, label: str, quick: bool) -> list[tuple]:
    from toolkit.llm import load_llm
    from toolkit.llm.server import make_server

    n = 40 if quick else 100
    srv = make_server(llm, "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        client = load_llm(f"openai:http://127.0.0.1:{srv.server_port}/v1#{llm.name}")
        prompt = "<bos><诗><题>春夜<文>"
        direct = _timed(lambda: llm.complete(prompt, max_new_tokens=n))
        tokens = llm.complete(prompt, max_new_tokens=n).completion_tokens
        remote = _timed(lambda: client.complete(prompt, max_new_tokens=n))
        s = client.stream(prompt, max_new_tokens=n)
        t0 = time.perf_counter()
        next(s)
        ttft = time.perf_counter() - t0
        for _ in s:
            pass
        return [(label, "direct complete()", tokens, direct, f"{tokens} tokens"),
                (label, "server over loopback (complete, SSE)", tokens, remote,
                 f"first streamed token after {ttft * 1000:.0f} ms")]
    finally:
        srv.shutdown()
        srv.server_close()


def run(args) -> str:
    from tests.plugins.llm import build_tiny_model
    from toolkit.config import get_settings
    from toolkit.llm.transformers_engine import TransformersLLM

    rows = []
    with tempfile.TemporaryDirectory() as d:
        tiny = TransformersLLM(build_tiny_model(Path(d) / "tiny"))
        label = f"tiny random ({sum(p.numel() for p in tiny.hf_model.parameters()) / 1e6:.1f} M)"
        rows += bench_model(tiny, label, args.quick) + bench_numpy(tiny.path, label, args.quick)
        rows += bench_server(tiny, label, args.quick)
    shipped = get_settings().embedded_model_dir
    if (shipped / "config.json").is_file():
        t = time.perf_counter()
        llm = TransformersLLM(shipped)
        load = time.perf_counter() - t
        label = f"{llm.name} ({sum(p.numel() for p in llm.hf_model.parameters()) / 1e6:.1f} M)"
        rows.append((label, "load (TransformersLLM; torch + transformers already imported)", 0, None, f"{load:.2f} s"))
        rows += bench_model(llm, label, args.quick) + bench_numpy(shipped, label, args.quick)
        rows += bench_server(llm, label, args.quick)
    lines = ["| model | what | tokens/s (wall) | tokens/s (CPU time) | note |", "|---|---|---:|---:|---|"]
    for m, w, n, t, note in rows:
        wall = f"{n / t:.0f}" if t else "—"
        cpu = f"{n / t.cpu:.0f}" if t and t.cpu else "—"
        lines.append(f"| {m} | {w} | {wall} | {cpu} | {note} |")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines.append(f"\n{torch.get_num_threads()} torch thread(s), CPU only, {os.cpu_count()} cores, load average "
                 f"{load:.1f} during the run. Wall tokens/s depend on other load; CPU-time tokens/s = generated "
                 "tokens / CPU seconds this process used (for the server rows that includes the server thread).")
    return "\n".join(lines)
