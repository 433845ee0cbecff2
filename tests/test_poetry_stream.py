"""Poetry pipeline: the draft (token) stream, warm-up, shared pipelines and the saved line set."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from toolkit.errors import InvalidInputError
from toolkit.prosody import check


def test_on_draft_streams_characters_and_keeps_results(pipe):
    seen: list[list[str]] = []
    poems = pipe.generate("春夜", form="五绝", n=2, seed=11, on_draft=lambda d: seen.append(list(d)))
    assert [p.text for p in poems] == [p.text for p in pipe.generate("春夜", form="五绝", n=2, seed=11)]
    firsts = [d[0] for d in seen]
    assert len(seen) > 20 and firsts[0] and len(firsts[0]) == 1  # one character at a time
    assert all(b.startswith(a) for a, b in zip(firsts, firsts[1:]))  # each update extends the last
    assert len({len(d) for d in seen}) == 1  # every update carries the whole sampling batch
    finished = seen[-1]
    assert all(check(t, "五绝").ok for t in finished)
    assert {p.text for p in poems} <= set(finished)  # the ranked poems are drafts that were streamed


def test_on_draft_for_continuation_and_ci(pipe):
    seen: list[str] = []
    poem = pipe.continue_poem("春眠不觉晓", seed=2, on_draft=lambda d: seen.append(d[0]))[0]
    assert seen and all(s.startswith("春眠不觉晓，") for s in seen)
    assert poem.text.startswith("春眠不觉晓，")
    ci: list[str] = []
    pipe.generate("春", form="浣溪沙", seed=3, on_draft=lambda d: ci.append(d[0]))
    assert len(ci) > 10 and ci[-1].endswith("。")


def test_capable_backend_reports_finished_texts(poem_index, fake_chat):
    from pipelines.poetry import PoetryPipeline
    from pipelines.poetry.linehash import LineSet

    seen = []
    pp = PoetryPipeline(llm=fake_chat(), index=poem_index, line_set=LineSet([]))
    poems = pp.generate("春", form="五绝", on_draft=seen.append)
    assert seen == [[p.text for p in poems]]


def test_warm_steps_and_bad_step(pipe):
    spent = pipe.warm(("lines", "index", "decode"))
    assert set(spent) == {"lines", "index", "decode"} and all(v >= 0 for v in spent.values())
    with pytest.raises(InvalidInputError, match="unknown warm-up steps"):
        pipe.warm(("model",))


def test_llm_loader_called_once_under_concurrency(tiny_llm, poem_index):
    import threading

    from pipelines.poetry import PoetryPipeline

    calls = []

    def loader():
        calls.append(1)
        time.sleep(0.2)
        return tiny_llm

    pp = PoetryPipeline(index=poem_index, llm_loader=loader)
    threads = [threading.Thread(target=lambda: pp.llm) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and pp.llm is tiny_llm


def test_shared_warmup_gate_release_and_error(monkeypatch):
    from pipelines.poetry import shared

    monkeypatch.setattr(shared, "_WARMUPS", {})
    monkeypatch.setattr(shared, "_PIPES", {})
    spec = "/nonexistent/model-dir"
    w = shared.start_warmup(spec, steps=("llm",), gate=lambda: False)
    time.sleep(0.3)
    assert w.started is None and not w.done  # waits for its gate
    assert shared.start_warmup(spec) is w  # once per spec; a second call releases it
    assert w.wait(30) and w.started is not None
    assert w.error and "nonexistent" in w.error  # the loader's error, kept for the page to show
    assert shared.shared_pipeline(spec) is shared.shared_pipeline(spec)
    assert shared.warmup(spec) is w and shared.warmup("other") is None


def test_line_set_loads_sorted_without_copy_and_repairs(corpus_settings):
    from pipelines.poetry import linehash

    h = np.array([5, 1, 3, 3], dtype=np.int64)
    assert linehash.LineSet.from_sorted(h).hashes.tolist() == [1, 3, 5]  # unsorted input: sorted, deduplicated
    ok = np.array([1, 3, 5], dtype=np.int64)
    assert linehash.LineSet.from_sorted(ok).hashes is ok
    r = linehash.build_line_set(corpus_settings, progress=False)
    assert r["count"] > 100 and Path(r["path"]).is_file() and linehash.is_valid(corpus_settings)
    saved = np.load(r["path"])
    assert bool(np.all(saved[1:] > saved[:-1]))
    Path(r["path"]).write_bytes(b"not a numpy file")
    assert not linehash.is_valid(corpus_settings)
    linehash._CACHE.clear()
    assert "床前看月光" in linehash.line_set(corpus_settings, progress=False)  # rebuilt from the corpus
    assert linehash.is_valid(corpus_settings)


def test_index_build_only_lines(corpus_settings, capsys):
    from pipelines.cli import main
    from pipelines.poetry import linehash

    assert main(["--lang", "en", "index", "build", "--only", "lines", "--quiet"]) == 0
    assert "distinct lines" in capsys.readouterr().out and linehash.is_valid(corpus_settings)
    assert main(["--lang", "en", "index", "build", "--only", "lines", "--if-missing"]) == 0
    assert "skipped" in capsys.readouterr().out
