"""``hanlin law ask`` / ``hanlin law draft`` wiring (the legal backend replaced by the fake)."""

import json

import pytest
from docx import Document

from pipelines.cli import law_tasks
from pipelines.legal import DocumentDrafter, StatuteQA


@pytest.fixture
def cli(monkeypatch, fake_legal):
    monkeypatch.setattr(StatuteQA, "from_settings", classmethod(lambda cls, *a, **k: cls(fake_legal.backend())))
    monkeypatch.setattr(DocumentDrafter, "from_settings", classmethod(lambda cls, *a, **k: cls(fake_legal.backend())))
    import argparse

    parser = argparse.ArgumentParser()
    law_tasks.register_tasks(parser.add_subparsers())

    def run(*argv):
        args = parser.parse_args(list(argv))
        return args.func(args)

    return run


def test_draft_list_and_example_to_docx(cli, capsys, tmp_path):
    assert cli("draft", "--list") == 0
    out = capsys.readouterr().out
    assert all(k in out for k in ("民事起诉状", "劳动合同", "要素式"))
    target = tmp_path / "合同.docx"
    assert cli("draft", "房屋租赁合同", "--example", "--out", str(target)) == 0
    assert Document(str(target)).paragraphs[0].text == "房屋租赁合同"


def test_draft_from_fields_file_and_error(cli, capsys, tmp_path):
    assert cli("draft", "律师函", "--example") == 0
    fields = json.loads(capsys.readouterr().out)
    (tmp_path / "f.json").write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
    assert cli("draft", "律师函", "--fields", str(tmp_path / "f.json"), "--out", str(tmp_path / "x.md")) == 0
    assert (tmp_path / "x.md").read_text(encoding="utf-8").startswith("# 律师函")
    del fields["deadline"]
    (tmp_path / "g.json").write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
    from toolkit.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="deadline"):
        cli("draft", "律师函", "--fields", str(tmp_path / "g.json"))


def test_ask_json(cli, capsys):
    assert cli("ask", "借款人到期不返还借款怎么办？", "--json") == 0
    d = json.loads(capsys.readouterr().out)
    assert d["mode"] == "extractive" and d["citations"] and all(c["status"] == "ok" for c in d["checks"])
