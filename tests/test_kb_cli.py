"""``hanlin kb ...`` end to end on a temp data dir."""

import json

import pytest

from pipelines.cli import main
from tests.plugins.kb import LAW_TEXT


def test_kb_cli_flow(kb_settings, tmp_path, capsys):
    law = tmp_path / "劳动合同法.txt"
    law.write_bytes(LAW_TEXT.encode("gbk"))
    bad = tmp_path / "a.xlsx"
    bad.write_bytes(b"x")
    assert main(["kb", "create", "法规"]) == 0
    assert main(["--lang", "en", "kb", "add", "法规", str(law), str(law), str(bad), "-q"]) == 1  # one refused
    out, err = capsys.readouterr()
    assert "✓" in out and "duplicate" in out and "unsupported" in err
    assert main(["kb", "ls"]) == 0 and "法规" in capsys.readouterr().out
    assert main(["kb", "ls", "法规", "--json"]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert docs[0]["name"] == "劳动合同法.txt" and docs[0]["encoding"] == "gb18030"
    assert main(["kb", "search", "法规", "试用期最长", "-k", "2", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert "试用期不得超过一个月" in hits[0]["text"] and hits[0]["heading_path"] == ["第二章 试用期"]
    assert main(["kb", "ask", "法规", "试用期工资不得低于多少？"]) == 0
    out = capsys.readouterr().out
    assert "百分之八十" in out and "[1] 劳动合同法.txt" in out
    assert main(["kb", "ask", "法规", "火星探测器的发射窗口是哪一年？"]) == 1
    assert main(["kb", "rm", "法规", docs[0]["doc_id"]]) == 0
    assert main(["kb", "rm", "法规", docs[0]["doc_id"]]) == 2  # unknown doc id: error exit
    assert main(["kb", "delete", "法规", "-y"]) == 0
    capsys.readouterr()
    assert main(["kb", "ls"]) == 0 and "法规" not in capsys.readouterr().out
    assert main(["kb", "create", "../x"]) == 2


def test_kb_cli_settings_and_compact(kb_settings, tmp_path, capsys):
    law = tmp_path / "劳动合同法.txt"
    law.write_text(LAW_TEXT, encoding="utf-8")
    extra = tmp_path / "补充.txt"
    extra.write_text("第九条 押金在租期届满后七日内退还。", encoding="utf-8")
    assert main(["kb", "create", "设置", "--expansion", "on"]) == 0
    assert "法律口语扩展 on" in capsys.readouterr().out
    assert main(["kb", "add", "设置", str(law), "-q"]) == 0 and main(["kb", "add", "设置", str(extra), "-q"]) == 0
    assert main(["kb", "set", "设置", "--expansion", "off"]) == 0
    assert "法律口语扩展 off" in capsys.readouterr().out
    assert main(["kb", "set", "设置"]) == 0 and "向量模型 static" in capsys.readouterr().out
    assert main(["kb", "compact", "设置"]) == 0 and "2 段合并为 1 段" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # argparse refuses an unknown embedder, naming the valid ones
        main(["kb", "set", "设置", "--embedder", "bert"])
    assert "static" in capsys.readouterr().err
