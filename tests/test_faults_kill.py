"""kill -9 during add / remove / index save, and readers during writes: real processes, real SIGKILL.

Each test runs a writer in a subprocess, kills it with SIGKILL (at a chosen step, or at a moment
chosen by the clock), reopens the knowledge base in this process and compares it with what the
writer reported as committed: every committed document is there, whole; nothing half-added is.
"""

import hashlib
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

pytestmark = pytest.mark.faults

REPO = Path(__file__).resolve().parent.parent

_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from toolkit.config import load_settings
    from pipelines.qa import KnowledgeBase
    root, name, op, step, folder = sys.argv[1:6]
    kb = KnowledgeBase.open(name, root=root, settings=load_settings())
    if step != "-":
        def hook(s):
            if s == step:
                os.kill(os.getpid(), signal.SIGKILL)
        kb._step = hook
    if op == "add":
        for i, p in enumerate(sorted(Path(folder).iterdir())):
            doc_id = kb.add_file(p)
            print("done", doc_id, flush=True)
    elif op == "remove":
        print("ready", flush=True)
        for d in kb.documents():
            kb.remove(d.doc_id)
            print("done", d.doc_id, flush=True)
    """
)


def _writer(kb, op, step="-", folder="-"):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(kb.folder.parent), kb.name, op, step, str(folder)],
                            env=env, stdout=subprocess.PIPE, text=True, cwd=str(REPO))


def _files(tmp_path, n):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(n):
        body = LAW_TEXT.replace("第一条", f"第{i + 1}条 编号 zq{i:03d} 文件。第一条")
        (folder / f"{i:02d}-文件.txt").write_text(body, encoding="utf-8")
    return folder


def _check(kb):
    """Reopen-side comparison: catalogue, index, originals and journal agree; every document searchable."""
    docs = kb.documents()
    chunk_ids = {c.chunk_id for d in docs for c in kb.chunks(d.doc_id)}
    index = kb.store.index()
    assert len(index) == len(chunk_ids) and all(c in index for c in chunk_ids)
    assert sorted(p.name for p in kb.files_dir.iterdir()) == sorted(d.stored for d in docs)
    for d in docs:
        assert hashlib.sha256((kb.files_dir / d.stored).read_bytes()).hexdigest() == d.sha256
        assert len(kb.chunks(d.doc_id)) == d.n_chunks
    assert not kb.journal.path.exists()
    return {d.doc_id for d in docs}


def _reopen(kb):
    return KnowledgeBase.open(kb.name, root=kb.folder.parent, settings=kb.settings)


@pytest.mark.parametrize("step", ["journal", "files", "index", "catalog"])
def test_sigkill_at_each_step_of_add(kb_factory, tmp_path, step):
    kb = kb_factory()
    keep = kb.add_texts([LEASE_TEXT], [{"source": "lease.md"}])[0]
    folder = _files(tmp_path, 1)
    proc = _writer(kb, "add", step, folder)
    assert proc.wait(timeout=120) == -signal.SIGKILL
    kb2 = _reopen(kb)
    have = _check(kb2)
    added = step == "catalog"  # the catalogue commit is the moment a document is in
    assert keep in have and len(have) == (2 if added else 1)
    assert kb2.search("押金", k=1)[0].doc_id == keep
    res = kb2.ingest(next(folder.iterdir()))  # retrying the add works (or reports the duplicate)
    assert res.duplicate == added
    _check(kb2)


@pytest.mark.parametrize("step", ["journal", "index", "catalog"])
def test_sigkill_at_each_step_of_remove(small_kb, step):
    before = {d.doc_id for d in small_kb.documents()}
    proc = _writer(small_kb, "remove", step)
    assert proc.wait(timeout=120) == -signal.SIGKILL
    kb2 = _reopen(small_kb)
    have = _check(kb2)
    assert len(have) == len(before) - 1  # a journalled remove is always finished
    assert kb2.repairs and "remove" in kb2.repairs[0]


@pytest.mark.parametrize("delay", [0.3, 0.9, 1.6])
def test_sigkill_at_a_moment_during_adds(kb_factory, tmp_path, delay):
    kb = kb_factory()
    folder = _files(tmp_path, 40)
    proc = _writer(kb, "add", "-", folder)
    committed = [proc.stdout.readline().split()[1]]  # one add done: imports warmed up
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    committed += [ln.split()[1] for ln in out.splitlines() if ln.startswith("done")]
    kb2 = _reopen(kb)
    have = _check(kb2)
    assert set(committed) <= have  # nothing reported as added is lost
    assert len(have) <= len(committed) + 1  # at most the one in flight, and then whole
    for d in kb2.documents():
        assert kb2.search(f"zq0{d.name[:2]}", k=1, mode="bm25")[0].doc_id == d.doc_id


@pytest.mark.parametrize("delay", [0.2, 0.8])
def test_sigkill_at_a_moment_during_removes(kb_factory, tmp_path, delay):
    kb = kb_factory()
    folder = _files(tmp_path, 25)
    kb.add_files(sorted(folder.iterdir()))
    before = {d.doc_id for d in kb.documents()}
    proc = _writer(kb, "remove")
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    removed = {ln.split()[1] for ln in out.splitlines() if ln.startswith("done")}
    kb2 = _reopen(kb)
    have = _check(kb2)
    assert not (removed & have)  # a reported remove stays done
    assert len(before - have - removed) <= 1  # only the one in flight may also be gone (rolled forward)
    assert have <= before


_SAVER = textwrap.dedent(
    """
    import sys
    from toolkit.index import Document, HybridIndex
    folder = sys.argv[1]
    ix = HybridIndex()
    for i in range(10**6):
        ix.add([Document(f"d{i}", f"第{i}条 借款人应当按照约定的期限返还借款{i}。")])
        ix.save(folder)
        print("saved", len(ix), flush=True)
    """
)


@pytest.mark.parametrize("delay", [0.4, 1.1])
def test_sigkill_during_index_save(tmp_path, delay):
    from toolkit.index import Document, HybridIndex

    folder = tmp_path / "index"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-c", _SAVER, str(folder)], env=env, stdout=subprocess.PIPE, text=True)
    first = int(proc.stdout.readline().split()[1])
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    last = max([first] + [int(ln.split()[1]) for ln in out.splitlines() if ln.startswith("saved")])
    ix = HybridIndex.load(folder)  # the old or the new save, never a mix
    assert len(ix) in (last, last + 1)
    assert ix.search("返还借款", k=1)
    ix.add([Document("new", "新的条文")])
    ix.save(folder)  # the next save sweeps what the killed one left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


_READER = textwrap.dedent(
    """
    import sys
    from toolkit.config import load_settings
    from pipelines.qa import KnowledgeBase
    root, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    kb = KnowledgeBase.open(name, root=root, settings=load_settings())
    for i in range(n):
        kb = KnowledgeBase.open(name, root=root, settings=load_settings()) if i % 3 == 0 else kb
        hits = kb.search("押金", k=3)
        assert hits and hits[0].source == "lease.md", hits
        print("ok", len(kb.documents()), flush=True)
    """
)


def test_readers_during_writes(kb_factory, tmp_path):
    """Two reader processes search and reopen while a writer adds: no error, no false 'corrupt', same top hit."""
    kb = kb_factory()
    kb.add_texts([LEASE_TEXT], [{"source": "lease.md"}])
    folder = _files(tmp_path, 30)
    writer = _writer(kb, "add", "-", folder)
    assert writer.stdout.readline().startswith("done")
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    readers = [subprocess.Popen([sys.executable, "-c", _READER, str(kb.folder.parent), kb.name, "25"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for r in readers:
        out, err = r.communicate(timeout=300)
        assert r.returncode == 0, err[-2000:]
        counts = [int(ln.split()[1]) for ln in out.splitlines()]
        assert len(counts) == 25 and counts == sorted(counts)  # each reader sees the base grow, never shrink
    writer.communicate(timeout=300)
    assert writer.returncode == 0
    _check(_reopen(kb))


def test_sigkill_during_delete_of_a_base(kb_factory, tmp_path):
    """A delete killed after its rename: the base is gone from the list, and the name can be reused."""
    kb = kb_factory("gone")
    kb.add_texts([LEASE_TEXT], [{"source": "lease.md"}])
    root = kb.folder.parent
    code = ("import shutil, os, signal, sys\n"
            "from pipelines.qa import KnowledgeBase\n"
            "calls = []\n"
            "def rmtree(*a, **k):\n"
            "    calls.append(a[0])\n"
            "    if len(calls) == 2:  # the second one removes the renamed folder: die before it does\n"
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
            "shutil.rmtree = rmtree\n"
            "KnowledgeBase.delete('gone', root=sys.argv[1])\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code, str(root)], env=env, cwd=str(REPO))
    assert proc.returncode == -signal.SIGKILL
    assert (root / ".gone.deleting" / "kb.json").is_file()  # the kill left the trash behind
    assert KnowledgeBase.list(root) == []
    kb2 = KnowledgeBase.create("gone", root=root, settings=kb.settings)
    assert kb2.documents() == [] and not (root / ".gone.deleting").exists()
