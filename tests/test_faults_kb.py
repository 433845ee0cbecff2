"""Bad input and outside damage to a knowledge base: a specific message, nothing lost, it always reopens."""

import errno
import hashlib
import json
import os
import zipfile
from pathlib import Path

import pytest

from pipelines.qa import DocumentError, KnowledgeBase
from pipelines.qa.loaders import load_file
from tests.plugins.kb import LAW_TEXT, LEASE_TEXT, make_docx

pytestmark = pytest.mark.faults


def _segment(kb):
    """The folder of the knowledge base's first index segment (a HybridIndex)."""
    snap = json.loads((kb.folder / "index" / "segments.json").read_text(encoding="utf-8"))
    return kb.folder / "index" / snap["segments"][0]["name"]


def _reopen(kb):
    return KnowledgeBase.open(kb.name, root=kb.folder.parent, settings=kb.settings)


def _consistent(kb):
    docs = kb.documents()
    chunk_ids = {c.chunk_id for d in docs for c in kb.chunks(d.doc_id)}
    index = kb.store.index()
    assert len(index) == len(chunk_ids) and all(c in index for c in chunk_ids)
    assert sorted(p.name for p in kb.files_dir.iterdir()) == sorted(d.stored for d in docs)
    for d in docs:  # stored originals are intact
        assert hashlib.sha256((kb.files_dir / d.stored).read_bytes()).hexdigest() == d.sha256
    assert not kb.journal.path.exists()


# ---------------------------------------------------------------- failure 1: long file names
def test_long_cjk_file_name_is_stored_and_the_base_reopens(kb_factory, tmp_path):
    kb = kb_factory()
    p = tmp_path / ("劳动合同法释义" * 12 + "甲乙丙丁戊己庚辛.txt")  # 92 CJK chars: 276 bytes with .txt
    assert len(p.name) > 80 and len(p.name.encode()) <= 255 * 2
    try:
        p.write_text(LAW_TEXT, encoding="utf-8")
    except OSError as e:  # this file system cannot hold the name itself: use 80 chars (240 bytes)
        assert e.errno == errno.ENAMETOOLONG
        p = tmp_path / ("劳" * 80 + ".txt")
        p.write_text(LAW_TEXT, encoding="utf-8")
    doc_id = kb.add_file(p)
    info = kb.documents()[0]
    assert len(info.stored.encode()) <= 200 and info.name.endswith(".txt") and info.name.startswith("劳")
    kb2 = _reopen(kb)
    _consistent(kb2)
    assert kb2.search("试用期", k=1)[0].doc_id == doc_id
    kb2.remove(doc_id)
    assert _reopen(kb).documents() == []


def test_recovery_does_not_fail_on_a_name_the_file_system_refuses(small_kb):
    """A journal written by an older version names a file longer than 255 bytes: recovery still finishes."""
    bad = "0123456789abcdef-" + "长" * 100 + ".txt"
    small_kb.journal.begin("add", [{"doc_id": "0123456789abcdef", "stored": bad, "chunk_ids": ["0123456789abcdef:0"]}])
    kb2 = _reopen(small_kb)
    assert any("rolled back" in r for r in kb2.repairs)
    _consistent(kb2)
    assert len(kb2.documents()) == 2


@pytest.mark.parametrize("junk", ["{", "[]", '{"op": "add", "docs": [{"doc_id": 1}]}', '{"op": "explode", "docs": []}'])
def test_a_junk_journal_does_not_brick_the_base(small_kb, tmp_path, junk):
    p = tmp_path / "half.txt"
    p.write_text("第九条 半途中断的添加。", encoding="utf-8")
    doc_id = small_kb.add_file(p)
    info = small_kb.catalog.document(doc_id)
    small_kb.catalog.delete([doc_id])  # as if the add died before its catalogue commit...
    small_kb.journal.path.write_text(junk, encoding="utf-8")  # ...and its journal was then damaged
    kb2 = _reopen(small_kb)
    assert any("journal" in r for r in kb2.repairs) and list(small_kb.folder.glob("journal.json.corrupt-*"))
    assert info.doc_id in {d.doc_id for d in kb2.documents()}  # the original was added back, not deleted
    assert len(kb2.documents()) == 3
    _consistent(kb2)


def test_a_failed_write_is_rolled_back_at_once(small_kb, tmp_path, monkeypatch):
    import pipelines.qa.kb as kbmod

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kbmod, "write_bytes", full)
    p = tmp_path / "new.txt"
    p.write_text("第九条 新的条文。", encoding="utf-8")
    with pytest.raises(OSError, match="No space"):
        small_kb.add_file(p)
    assert not small_kb.journal.path.exists()  # nothing left for the next open to repair
    monkeypatch.undo()
    _consistent(_reopen(small_kb))
    assert small_kb.add_file(p)


# ---------------------------------------------------------------- failure 2: the index's part-count path
def test_part_count_mismatch_is_a_corrupt_index_not_a_closed_database(small_kb):
    from toolkit.errors import IndexCorruptError
    from toolkit.index import HybridIndex

    mf = _segment(small_kb) / "manifest.json"
    m = json.loads(mf.read_text(encoding="utf-8"))
    m["count"] += 1
    mf.write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="part counts disagree"):
        HybridIndex.load(_segment(small_kb), embedder=small_kb.store.embedder)
    kb2 = _reopen(small_kb)  # self-repair from the catalogue
    assert any("rebuilt" in r for r in kb2.repairs)
    _consistent(kb2)
    assert kb2.search("押金", k=1)[0].source == "租赁合同.md"


def test_reader_repairs_an_index_damaged_after_it_opened(small_kb):
    reader = _reopen(small_kb)
    (_segment(small_kb) / "dense.faiss").write_bytes(b"garbage")
    small_kb.add_texts(["第五条 新增的条文。"], [{"source": "new.txt"}])  # the writer notices and rebuilds
    assert reader.search("押金", k=1)[0].source == "租赁合同.md"
    (_segment(small_kb) / "bm25" / os.listdir(_segment(small_kb) / "bm25")[0]).write_bytes(b"x")
    reader2 = KnowledgeBase(small_kb.folder, small_kb.settings)
    assert reader2.search("押金", k=1)[0].source == "租赁合同.md"  # repaired under the lock, no error


# ---------------------------------------------------------------- failure 3: junk catalogue / kb.json
@pytest.mark.parametrize("junk", [b"this is not a database" * 50, b"SQLite format 3\x00" + b"\xff" * 4000, b""])
def test_junk_catalog_is_rebuilt_from_the_stored_files(kb_factory, tmp_path, junk):
    kb = kb_factory()
    (tmp_path / "law.txt").write_text(LAW_TEXT, encoding="utf-8")
    make_docx(tmp_path / "lease.docx", "押金条款", ["押金在租期届满后七日内退还。"])
    ids = sorted(kb.add_file(tmp_path / n) for n in ("law.txt", "lease.docx"))
    kb.close()
    (kb.folder / "catalog.sqlite").write_bytes(junk)
    for extra in ("-wal", "-shm"):
        (kb.folder / f"catalog.sqlite{extra}").unlink(missing_ok=True)
    kb2 = _reopen(kb)
    if junk:  # an empty file is a valid empty SQLite database: nothing to repair but nothing lost either
        assert any("catalog.sqlite was unreadable" in r for r in kb2.repairs)
        assert any("rebuilt from the originals: 2 documents" in r for r in kb2.repairs)
        assert list(kb.folder.glob("catalog.sqlite.corrupt-*"))  # kept for inspection
    assert sorted(d.doc_id for d in kb2.documents()) == ids
    assert {d.name for d in kb2.documents()} == {"law.txt", "lease.docx"}
    _consistent(kb2)
    assert kb2.search("押金多久退还", k=1)[0].source == "lease.docx"
    assert KnowledgeBase.list(kb.folder.parent) == [kb.name]


def test_foreign_sqlite_with_other_tables_is_rebuilt(small_kb):
    import sqlite3

    small_kb.close()
    path = small_kb.folder / "catalog.sqlite"
    path.unlink()
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE documents (x); CREATE TABLE chunks (y);")
    db.close()
    kb2 = _reopen(small_kb)
    assert any("unreadable" in r for r in kb2.repairs)
    assert {d.name for d in kb2.documents()} == {"劳动合同法.txt", "租赁合同.md"}
    _consistent(kb2)


def test_a_locked_catalog_is_never_mistaken_for_damage(small_kb, monkeypatch):
    import sqlite3

    import pipelines.qa.catalog as cat

    monkeypatch.setattr(cat, "BUSY_TIMEOUT_S", 0.2)
    small_kb.close()
    holder = sqlite3.connect(small_kb.folder / "catalog.sqlite", isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        from pipelines.qa.errors import KnowledgeBaseBusyError

        with pytest.raises(KnowledgeBaseBusyError, match="busy.*locked"):
            _reopen(small_kb)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not list(small_kb.folder.glob("catalog.sqlite.corrupt-*"))
    assert len(_reopen(small_kb).documents()) == 2


def test_catalog_rebuild_resumes_after_a_crash(small_kb):
    """A crash in the middle of the rebuild: the originals wait in .files.reingest and the next open finishes."""
    small_kb.close()
    (small_kb.folder / "files").rename(small_kb.folder / ".files.reingest")
    (small_kb.folder / "files").mkdir()
    (small_kb.folder / "catalog.sqlite").unlink()
    kb2 = _reopen(small_kb)
    assert len(kb2.documents()) == 2 and not (small_kb.folder / ".files.reingest").exists()
    _consistent(kb2)


@pytest.mark.parametrize("junk", ["{not json", "[1, 2]", '{"chunking": {"max_chars": -5}}', ""])
def test_junk_kb_json_is_rewritten(small_kb, junk):
    (small_kb.folder / "kb.json").write_text(junk, encoding="utf-8")
    kb2 = _reopen(small_kb)
    assert any("kb.json was unreadable" in r for r in kb2.repairs)
    assert json.loads((small_kb.folder / "kb.json").read_text(encoding="utf-8"))["name"] == small_kb.name
    assert len(kb2.documents()) == 2
    assert _reopen(small_kb).repairs == []  # repaired once, for good


def test_kb_cli_ls_and_search_work_after_damage(kb_settings, capsys):
    from pipelines.cli import main

    kb = KnowledgeBase.create("坏库", settings=kb_settings)  # under the settings' kb_root, as the CLI sees it
    kb.add_texts([LAW_TEXT, LEASE_TEXT], [{"source": "劳动合同法.txt"}, {"source": "租赁合同.md"}])
    kb.close()
    (kb.folder / "catalog.sqlite").write_bytes(b"junk" * 100)
    assert main(["kb", "ls"]) == 0
    assert main(["kb", "ls", kb.name]) == 0
    out = capsys.readouterr().out
    assert "unreadable" in out and "租赁合同.md" in out
    assert main(["kb", "search", kb.name, "押金"]) == 0
    (kb.folder / "kb.json").write_text("{", encoding="utf-8")
    assert main(["kb", "search", kb.name, "押金"]) == 0
    assert "租赁合同.md" in capsys.readouterr().out


# ---------------------------------------------------------------- failure 6 + upload limits
def test_docx_bomb_is_refused_by_its_uncompressed_size(tmp_path):
    p = make_docx(tmp_path / "bomb.docx", "标题", ["正文。"])
    with zipfile.ZipFile(p) as z:  # swell document.xml with a run of one repeated character
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    xml = parts["word/document.xml"]
    parts["word/document.xml"] = xml.replace(b"</w:body>", b"<!--" + b"a" * (3 * 1048576) + b"--></w:body>")
    bomb = tmp_path / "bomb2.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(DocumentError) as e:
        load_file(bomb, max_mb=1)
    assert e.value.code == "too_large" and "uncompressed" in str(e.value)
    assert load_file(bomb, max_mb=10).kind == "docx"  # under the limit it still loads


def test_too_many_chunks_is_refused_and_nothing_is_stored(kb_factory, tmp_path, monkeypatch):
    import pipelines.qa.kb as kbmod

    kb = kb_factory()
    monkeypatch.setattr(kbmod, "max_chunks_per_file", lambda mb: 3)
    p = tmp_path / "long.txt"
    p.write_text("\n".join(f"第{i}条 " + "条文内容。" * 60 for i in range(1, 30)), encoding="utf-8")
    with pytest.raises(DocumentError) as e:
        kb.ingest(p)
    assert e.value.code == "too_many_chunks" and "limit" in str(e.value)
    assert kb.documents() == [] and list(kb.files_dir.iterdir()) == []
    q = tmp_path / "short.txt"
    q.write_text("第一条 短。", encoding="utf-8")
    res = kb.add_files([p, q])  # in a batch the others still go in
    assert getattr(res[0], "code", None) == "too_many_chunks" and res[1].n_chunks == 1


# ---------------------------------------------------------------- weak spots: encodings, non-files
@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read(tmp_path, enc):
    p = tmp_path / "w.txt"
    p.write_bytes(LAW_TEXT.encode(enc))
    doc = load_file(p)
    assert doc.encoding == enc and "试用期" in doc.text


def test_binary_with_nuls_still_refused(tmp_path):
    p = tmp_path / "b.txt"
    p.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(DocumentError) as e:
        load_file(p)
    assert e.value.code == "binary"


def test_folder_fifo_and_device_named_txt_are_named_as_such(tmp_path):
    folder = tmp_path / "dir.txt"
    folder.mkdir()
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    dev = tmp_path / "zero.txt"
    dev.symlink_to("/dev/zero")
    for p, word in ((folder, "folder"), (fifo, "FIFO"), (dev, "device")):
        with pytest.raises(DocumentError) as e:
            load_file(p, max_mb=1)  # must return at once: a FIFO or /dev/zero is never read
        assert e.value.code == "not_a_file" and word in str(e.value) and "not a regular file" in str(e.value)
    with pytest.raises(DocumentError) as e:
        load_file(tmp_path / "missing.txt")
    assert e.value.code == "not_found"


def test_progress_inside_one_large_file(kb_factory, tmp_path, monkeypatch, capsys):
    import pipelines.qa.index_store as st
    import pipelines.qa.loaders as loaders
    from tests.plugins.kb import make_pdf

    monkeypatch.setattr(st, "PROGRESS_MIN_CHUNKS", 2)
    monkeypatch.setattr(loaders, "PROGRESS_MIN_PAGES", 2)
    kb = kb_factory()
    p = tmp_path / "big.txt"
    p.write_text("\n".join(f"第{i}条 " + "条文内容。" * 60 for i in range(1, 20)), encoding="utf-8")
    kb.add_files([p], progress=True)
    err = capsys.readouterr().err
    assert "索引 (indexing)" in err and "kb add" in err
    pdf = make_pdf(tmp_path / "long.pdf", [f"第{i}条 条文。" for i in range(1, 4)])
    kb.add_files([pdf], progress=True)
    assert "读取 (reading) long.pdf" in capsys.readouterr().err  # a bar over the pages while parsing


# ---------------------------------------------------------------- weak spots: temp folders, fsync
def test_stale_index_temp_folders_are_swept(small_kb):
    index = small_kb.folder / "index"
    dead = small_kb.folder / ".index.999999999.abcd1234.tmp"  # pid far above pid_max: not alive
    live = small_kb.folder / f".index.{os.getpid()}.abcd1234.tmp"
    legacy = small_kb.folder / ".index.abcd1234.tmp"
    for d in (dead, live, legacy):
        d.mkdir()
        (d / "bm25.bin").write_bytes(b"x" * 1000)
    os.utime(legacy, (1, 1))  # an hour+ old
    small_kb.add_texts(["第七条 再加一条。"], [{"source": "more.txt"}])
    assert not dead.exists() and not legacy.exists()
    assert live.exists()  # a save in progress in a live process is never touched
    assert index.is_dir() and not list(small_kb.folder.glob(".index.old"))


def test_atomic_dir_fsyncs_files_and_folders(tmp_path, monkeypatch):
    import toolkit.atomic as atomic

    synced = []
    real = os.fsync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    monkeypatch.setattr(atomic.os, "fsync", spy)
    target = tmp_path / "out"
    with atomic.atomic_dir(target) as tmp:
        (tmp / "a.bin").write_bytes(b"1")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "b.bin").write_bytes(b"2")
    names = [Path(s).name for s in synced]
    assert "a.bin" in names and "b.bin" in names and "sub" in names and str(tmp_path) in synced
    assert (target / "sub" / "b.bin").read_bytes() == b"2"
    with atomic.atomic_dir(target) as tmp:  # replacing an existing folder: swapped, old one removed
        (tmp / "c.bin").write_bytes(b"3")
    assert sorted(p.name for p in target.iterdir()) == ["c.bin"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_write_with_a_long_target_name(tmp_path):
    from toolkit.atomic import write_text

    target = tmp_path / ("长" * 80 + ".txt")  # 244 bytes: the temp name must not add to it
    write_text(target, "内容")
    assert target.read_text(encoding="utf-8") == "内容"
