"""hanlin law search|get|verify on the fixture corpus."""

import json


def test_get_json(cli):
    rc, out, _ = cli("law", "get", "民法典", "1165", "--json")
    assert rc == 0
    d = json.loads(out)
    assert d["law_name"] == "中华人民共和国民法典" and d["article_label"] == "第一千一百六十五条"


def test_get_readable_and_missing(cli):
    rc, out, _ = cli("law", "get", "刑法", "第一百三十三条之一")
    assert rc == 0 and "第一百三十三条之一" in out and "醉酒" in out
    rc, out, _ = cli("law", "get", "合同法", "52")
    assert rc == 1 and "不再有效" in out
    rc, _, err = cli("law", "get", "民法点", "1")
    assert rc == 2 and "民法典" in err


def test_search_json_with_filter(cli):
    rc, out, _ = cli("law", "search", "被公司辞退没有补偿", "--law", "劳动合同法", "-k", "3", "--json")
    hits = json.loads(out)
    assert rc == 0 and len(hits) == 3
    assert {h["law_name"] for h in hits} == {"中华人民共和国劳动合同法"}
    rc, _, err = cli("--lang", "en", "law", "search", "  ")
    assert rc == 2 and "empty query" in err


def test_search_text_shows_how_everyday_words_were_read(cli):
    rc, out, _ = cli("law", "search", "被公司辞退了怎么办", "-k", "2")
    assert rc == 0 and "用语对应" in out and "辞退 → " in out and "解除劳动合同" in out


def test_verify_text_and_file(cli, tmp_path):
    rc, out, _ = cli("law", "verify", "根据合同法第52条以及民法典第1165条")
    assert rc == 1 and "已失效" in out and "中华人民共和国民法典" in out
    f = tmp_path / "answer.txt"
    f.write_text("依据民法典第1165条。", encoding="utf-8")
    rc, out, _ = cli("law", "verify", f"@{f}", "--json")
    checks = json.loads(out)
    assert rc == 0 and [c["status"] for c in checks] == ["ok"] and checks[0]["span"] == [2, 11]


def test_verify_rejects_non_utf8_and_missing_files(cli, tmp_path):
    f = tmp_path / "gbk.txt"
    f.write_bytes("依据民法典第1165条。".encode("gbk"))
    rc, _, err = cli("law", "verify", f"@{f}")
    assert rc == 2 and "UTF-8" in err
    rc, _, err = cli("law", "verify", f"@{tmp_path / 'nope.txt'}")
    assert rc == 2 and "找不到文件" in err


def test_search_long_query_from_file_is_truncated_with_a_note(cli, tmp_path):
    f = tmp_path / "q.txt"
    f.write_text("公司辞退没有经济补偿" * 20_000, encoding="utf-8")
    rc, out, err = cli("law", "search", f"@{f}", "-k", "2", "--json")
    assert rc == 0 and len(json.loads(out)) == 2 and "truncated" in err
