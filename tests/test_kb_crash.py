"""Crash safety: a process dying during add/remove leaves the base consistent (document fully in or out)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipelines.qa import KnowledgeBase
from tests.plugins.kb import LAW_TEXT, LEASE_TEXT

def _segment(kb):
    """The folder of the knowledge base's first index segment (a HybridIndex)."""
    snap = json.loads((kb.folder / "index" / "segments.json").read_text(encoding="utf-8"))
    return kb.folder / "index" / snap["segments"][0]["name"]


REPO = Path(__file__).resolve().parent.parent


class Crash(BaseException):
    """Stands in for the process dying: nothing after the step runs."""


def _crash_at(kb, step):
    def hook(name):
        if name == step:
            raise Crash(name)

    kb._step = hook


def assert_consistent(kb):
    """Catalogue, index, stored files and journal agree."""
    docs = kb.documents()
    chunk_ids = {c.chunk_id for d in docs for c in kb.chunks(d.doc_id)}
    index = kb.store.index()
    assert len(index) == len(chunk_ids)
    assert all(cid in index for cid in chunk_ids)
    assert sorted(p.name for p in kb.files_dir.iterdir()) == sorted(d.stored for d in docs)
    assert not kb.journal.path.exists()


def _reopen(kb):
    return KnowledgeBase.open(kb.name, root=kb.folder.parent, settings=kb.settings)


@pytest.mark.parametrize("step,committed", [("journal", False), ("files", False), ("index", False), ("catalog", True)])
def test_crash_during_add(kb_factory, tmp_path, step, committed):
    kb = kb_factory()
    keep = kb.add_texts([LEASE_TEXT], [{"source": "lease.md"}])[0]
    p = tmp_path / "law.txt"
    p.write_text(LAW_TEXT, encoding="utf-8")
    _crash_at(kb, step)
    with pytest.raises(Crash):
        kb.add_file(p)
    kb2 = _reopen(kb)
    assert_consistent(kb2)
    names = [d.name for d in kb2.documents()]
    assert names == (["lease.md", "law.txt"] if committed else ["lease.md"])
    assert bool(kb2.repairs) == (not committed)  # a rolled-back add is reported
    assert kb2.search("押金", k=1)[0].doc_id == keep
    if committed:
        assert kb2.search("试用期", k=1)[0].source == "law.txt"
    else:  # the add can simply be retried
        assert kb2.ingest(p).duplicate is False
        assert_consistent(kb2)


@pytest.mark.parametrize("step", ["journal", "index", "catalog"])
def test_crash_during_remove_is_rolled_forward(small_kb, step):
    victim = small_kb.documents()[0]
    _crash_at(small_kb, step)
    with pytest.raises(Crash):
        small_kb.remove(victim.doc_id)
    kb2 = _reopen(small_kb)
    assert_consistent(kb2)
    assert victim.doc_id not in {d.doc_id for d in kb2.documents()}
    assert kb2.repairs and "remove" in kb2.repairs[0]


def test_corrupt_index_rebuilt_from_catalogue(small_kb):
    faiss_file = _segment(small_kb) / "dense.faiss"
    faiss_file.write_bytes(b"garbage")
    kb2 = _reopen(small_kb)
    assert any("rebuilt" in r for r in kb2.repairs)
    assert_consistent(kb2)
    assert kb2.search("押金", k=1)[0].source == "租赁合同.md"


_CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from toolkit.config import load_settings
    from pipelines.qa import KnowledgeBase
    root, name, path, step = sys.argv[1:5]
    kb = KnowledgeBase.open(name, root=root, settings=load_settings())
    if step != "-":
        def hook(s):
            if s == step:
                os._exit(9)  # die on the spot: no cleanup, no finally blocks
        kb._step = hook
    for i in range(1000):
        p = Path(path)
        p.write_text(p.read_text(encoding="utf-8") + f"\\n第{i + 100}条 追加的条文{i}。", encoding="utf-8")
        kb.add_file(p)
        if i == 0 and step == "-":
            print("ready", flush=True)  # one add done (jieba warmed up); the next ones are in flight
    """
)


def _child(kb, path, step):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(kb.folder.parent), kb.name, str(path), step],
        env=env,
        stdout=subprocess.PIPE,
        cwd=str(REPO),
    )


def test_process_exits_mid_add(kb_factory, tmp_path):
    kb = kb_factory()
    kb.add_texts([LEASE_TEXT], [{"source": "lease.md"}])
    p = tmp_path / "law.txt"
    p.write_text(LAW_TEXT, encoding="utf-8")
    proc = _child(kb, p, "index")  # index saved with the new chunks, catalogue not yet committed
    assert proc.wait(timeout=120) == 9
    assert (kb.folder / "journal.json").exists()
    kb2 = _reopen(kb)
    assert_consistent(kb2)
    assert [d.name for d in kb2.documents()] == ["lease.md"]


def test_sigkill_at_a_random_moment(kb_factory, tmp_path):
    kb = kb_factory()
    p = tmp_path / "grow.txt"
    p.write_text(LAW_TEXT, encoding="utf-8")
    proc = _child(kb, p, "-")
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.7)  # more adds are done and one is in flight
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    kb2 = _reopen(kb)
    assert_consistent(kb2)
    assert len(kb2.documents()) >= 1
    for d in kb2.documents():  # every listed document is fully searchable
        assert len(kb2.chunks(d.doc_id)) == d.n_chunks


def test_open_does_not_block_while_another_writer_holds_the_lock(small_kb):
    from pipelines.qa.journal import writer_lock

    with writer_lock(small_kb.folder) as held:
        assert held
        with writer_lock(small_kb.folder, blocking=False) as second:
            assert second is False
        t0 = time.perf_counter()
        kb2 = _reopen(small_kb)  # a reader (CLI search, web page) must not wait for a long add
        assert time.perf_counter() - t0 < 10
        assert kb2.search("押金", k=1)[0].source == "租赁合同.md"
