"""The blind-judgement bench: ratings joined with the key, bad ratings named, titles cleaned."""

import json

import pytest

from bench.poetry_blind import clean_title, read_ratings, score, text_stats


def _key(tmp_path):
    items = [{"no": 1, "source": "hanlin", "form": "五绝", "title": "春夜", "text": "a", "ok": True, "copied_lines": []},
             {"no": 2, "source": "tang", "form": "五绝", "title": "静夜思", "text": "b"},
             {"no": 3, "source": "hanlin", "form": "七绝", "title": "秋思", "text": "c", "ok": True, "copied_lines": []}]
    key = {"run": "r1", "seed": 1, "items": items, "form_ok": 2, "verbatim_lines": 0, "seconds": [1.0, 2.0],
           "hanlin_stats": text_stats(["不见青山处，孤舟白水流。", "山山山水"]),
           "corpus_stats": text_stats(["床前明月光，疑是地上霜。"])}
    path = tmp_path / "key-r1.json"
    path.write_text(json.dumps(key, ensure_ascii=False), encoding="utf-8")
    return path


def test_score_joins_ratings_with_the_key(tmp_path):
    ratings = tmp_path / "ratings-r1.csv"
    ratings.write_text("no,fluency,coherence,meaning,poeticness,human,note\n1,2,2,1,3,n,\n2,5,5,4,4,y,fine\n3,4,4,4,4,y,\n",
                       encoding="utf-8")
    table = score(ratings, _key(tmp_path))
    hanlin = next(l for l in table.splitlines() if l.startswith("| Hanlin"))
    assert "| 2 | 3.00 | 3.00 | 2.50 | 3.50 | **3.00** | 1 / 2 |" in hanlin
    assert "| Tang poets | 1 | 5.00 |" in table
    assert "50.0 %" in table  # one of the two Hanlin texts uses a character three times


def test_bad_ratings_are_named(tmp_path):
    bad = tmp_path / "ratings-x.csv"
    bad.write_text("no,fluency,coherence,meaning,poeticness,human,note\n7,6,1,1,1,y,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 7: fluency=6"):
        read_ratings(bad)
    bad.write_text("no,fluency,coherence,meaning,poeticness,human,note\n7,1,1,1,1,maybe,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 7"):
        read_ratings(bad)
    blank = tmp_path / "ratings-y.csv"
    blank.write_text("no,fluency,coherence,meaning,poeticness,human,note\n1,,,,,,\n", encoding="utf-8")
    assert read_ratings(blank) == {}


def test_titles_lose_numbering():
    assert clean_title("和微之诗二十三首 其五") == "和微之诗"
    assert clean_title("秋兴八首其一") == "秋兴"
    assert clean_title("静夜思") == "静夜思"
