"""The committed fixtures (built by data/build_fixtures.py through the real code) and the read API."""

from __future__ import annotations

import json
import sqlite3

import pytest

from toolkit.corpus import (
    ArticleRecord, DataMissingError, PoemRecord, iter_articles, iter_poems, laws_db_path, poems_path,
    read_articles, read_poems, status,
)
from toolkit.corpus.forms import shape_form
from toolkit.corpus.textnorm import split_clauses

POEM_FIELDS = {"id", "collection", "dynasty", "author", "title", "text", "text_t", "title_t", "author_t",
               "lines", "form", "tune"}


def test_poems200_schema_and_consistency(poems200_path):
    rows = [json.loads(line) for line in poems200_path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 200
    assert len({r["id"] for r in rows}) == 200
    for r in rows:
        assert set(r) == POEM_FIELDS
        assert r["lines"] == split_clauses(r["text"])  # lines are the text's clauses, no punctuation
        if r["tune"]:
            assert r["form"] == r["tune"]
        else:
            assert r["form"] == shape_form(r["lines"])


def test_poems200_content(poems200_path):
    poems = list(read_poems(poems200_path))
    assert all(isinstance(p, PoemRecord) for p in poems)
    by_title = {(p.author, p.title): p for p in poems}
    assert by_title[("李白", "静夜思")].form == "五绝"
    assert by_title[("李白", "静夜思")].title_t == "靜夜思"  # original traditional kept
    assert by_title[("孟浩然", "春晓")].form == "五绝"
    assert by_title[("王之涣", "登鹳雀楼")].form == "五绝"
    assert by_title[("杜甫", "登高")].form == "七律"
    assert by_title[("杜甫", "春望")].form == "五律"
    assert by_title[("张继", "枫桥夜泊")].form == "七绝"
    assert by_title[("陈子昂", "登幽州台歌")].form == "other"
    forms = {p.form for p in poems}
    assert {"五绝", "七绝", "五律", "七律", "other"} <= forms
    ci = [p for p in poems if p.tune]
    assert len(ci) >= 15
    shuidiao = next(p for p in ci if p.tune == "水调歌头" and p.author == "苏轼")
    assert shuidiao.lines[0] == "明月几时有" and shuidiao.text_t.startswith("明月幾時有")
    assert any(p.tune == "念奴娇" and p.lines[0] == "大江东去" for p in ci)
    assert any(p.collection == "诗经" and p.title == "关雎" for p in poems)
    tang = [p for p in poems if p.collection == "全唐诗"]
    assert all(p.dynasty == "唐" for p in tang)
    assert sum(p.text != p.text_t for p in tang) > len(tang) * 0.8  # traditional originals differ


def test_laws50_schema(laws50_path):
    con = sqlite3.connect(laws50_path)
    cols = {t: [r[1] for r in con.execute(f"PRAGMA table_info({t})")] for t in ("laws", "articles", "law_aliases")}
    assert cols["laws"][:9] == ["law_id", "law_name", "short_name", "status", "doc_type", "department",
                                "publish_date", "effective_date", "is_current"]
    assert {"id", "law_id", "law_name", "article_no", "article_label", "sub", "chapter", "section",
            "text"} <= set(cols["articles"])
    n_laws, n_cur = con.execute("SELECT count(*), sum(is_current) FROM laws").fetchone()
    assert n_laws > 350 and 0 < n_laws - n_cur < 50
    # Only articles of laws in force, with unique labels per law.
    assert con.execute("SELECT count(*) FROM articles a JOIN laws l USING(law_id) WHERE l.is_current=0").fetchone()[0] == 0
    assert con.execute("SELECT count(*) - count(DISTINCT law_name || article_label) FROM articles").fetchone()[0] == 0
    assert con.execute("SELECT replaced_by FROM laws WHERE short_name='婚姻法'").fetchone() == ("中华人民共和国民法典",)
    alias = dict(con.execute("SELECT alias, law_name FROM law_aliases").fetchall())
    assert alias["消法"] == "中华人民共和国消费者权益保护法" and alias["民法典"] == "中华人民共和国民法典"
    assert alias["刑法修正案十一"] == "中华人民共和国刑法修正案（十一）"


def test_laws50_articles(laws50_path):
    arts = {(a.short_name, a.article_label): a for a in read_articles(laws50_path)}
    assert 45 <= len(arts) <= 60
    assert all(isinstance(a, ArticleRecord) for a in arts.values())
    a = arts[("刑法", "第一百二十条之一")]
    assert (a.article_no, a.sub) == (120, 1) and a.chapter.startswith("第二章")
    assert arts[("民法典", "第一千一百六十五条")].article_no == 1165
    assert "过错" in arts[("民法典", "第一千一百六十五条")].text
    assert arts[("劳动合同法", "第四十七条")].text.startswith("经济补偿按劳动者在本单位工作的年限")
    assert "\n" in arts[("劳动合同法", "第三十八条")].text  # paragraphs / items kept on their own lines
    assert arts[("民法典", "第一千二百六十条")].section == ""


def test_api_reads_settings_corpora(corpus_settings):
    assert poems_path(corpus_settings).name == "poems.jsonl"
    assert sum(1 for _ in iter_poems(corpus_settings)) == 200
    assert sum(1 for _ in iter_articles(corpus_settings)) == 49
    st = status(corpus_settings)
    assert st["pulled"] and st["laws"]["articles"] == 49 and st["poems"]["poems"] == 200


def test_missing_data_says_run_pull(tmp_settings):
    for fn in (laws_db_path, poems_path):
        with pytest.raises(DataMissingError, match="hanlin data pull"):
            fn(tmp_settings)
    with pytest.raises(DataMissingError):
        next(iter_articles(tmp_settings))


def test_cli_status(corpus_settings, capsys):
    from pipelines.cli import main

    assert main(["data", "status"]) == 0
    out = capsys.readouterr().out
    assert "49 articles" in out and "诗词 poems: 200" in out
    assert main(["data", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["laws"]["articles"] == 49


def test_cli_status_without_data(tmp_settings, capsys):
    from pipelines.cli import main

    assert main(["data", "status"]) == 1
    assert "hanlin data pull" in capsys.readouterr().out
