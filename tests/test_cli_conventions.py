"""The CLI's conventions: main input positional, common aliases, two examples closing every --help, no raw
docstring lines, and one language for help and messages (--lang / HANLIN_LANG)."""

import argparse
import json
import re

import pytest

from pipelines.cli import build_parser, main
from pipelines.cli.conventions import LocalisedWriter, argparse_language, localise_parser, split_lang

HAN = re.compile(r"[\u3400-\u9fff]")


def parsers(lang: str = "zh"):
    """(command path, parser) for the top level and every subcommand, each parser once."""
    argparse_language(lang)
    root = build_parser()
    localise_parser(root, lang)
    out, seen = [], set()

    def walk(path, p):
        if id(p) in seen:
            return
        seen.add(id(p))
        out.append((path, p))
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                names = {}
                for name, sub in a.choices.items():
                    names.setdefault(id(sub), (name, sub))
                for name, sub in names.values():
                    walk(f"{path} {name}", sub)

    walk("hanlin", root)
    return out


@pytest.fixture(params=["zh", "en"])
def lang(request, monkeypatch):
    monkeypatch.setenv("HANLIN_LANG", request.param)
    yield request.param
    argparse_language("zh")


def test_every_help_ends_with_two_examples(lang):
    found = parsers(lang)
    assert len(found) > 25
    for path, p in found:
        text = p.format_help().rstrip("\n").split("\n")
        assert text[-3] == ("示例:" if lang == "zh" else "Examples:"), (path, text[-3:])
        for line in text[-2:]:
            assert line.startswith("  hanlin "), (path, line)
        assert "``" not in "\n".join(text), path  # no docstring markup


def test_help_is_in_one_language(lang):
    for path, p in parsers(lang):
        body = p.format_help().split("示例:" if lang == "zh" else "Examples:")[0]
        body = re.sub(r"\{[^}]*\}|--\S+|-\w\b|[A-Z_]{2,}|usage|hanlin[\w ]*", "", body)  # names, flags, metavars
        if lang == "en":
            # Chinese left in English help: only form names and examples of values (五绝 …) are allowed
            leftover = [ln for ln in body.splitlines() if HAN.search(ln) and not re.search(r"五绝|七绝|平起|仄起|词牌|平水韵|词林正韵|中华新韵|中华通韵|如 |e\.g\.", ln)]
            assert len(leftover) <= 3, (path, leftover)
        else:
            assert "show this help" not in body and "positional arguments" not in body, path


@pytest.mark.parametrize("argv,field,value", [
    (["poem", "gen", "秋日登高"], "topic", "秋日登高"),
    (["poem", "generate", "秋日登高", "--form", "七律"], "topic", "秋日登高"),
    (["poem", "write", "春夜"], "topic", "春夜"),
    (["poem", "continue", "白日依山尽"], "opening", "白日依山尽"),
    (["poem", "search", "明月"], "query", "明月"),
    (["poem", "check", "床前明月光"], "text", "床前明月光"),
    (["law", "ask", "被辞退怎么办"], "question", "被辞退怎么办"),
    (["law", "search", "押金"], "query", "押金"),
    (["law", "find", "押金"], "query", "押金"),
    (["law", "verify", "民法典第1165条"], "text", "民法典第1165条"),
    (["law", "draft", "借款合同"], "kind", "借款合同"),
    (["kb", "ask", "合同库", "押金？"], "question", "押金？"),
    (["kb", "list"], "name", None),
    (["model", "route", "床前明月光"], "text", "床前明月光"),
])
def test_main_input_is_positional_and_aliases_work(argv, field, value):
    args = build_parser().parse_args(argv)
    assert getattr(args, field) == value and callable(args.func)


def test_old_topic_option_still_works():
    args = build_parser().parse_args(["poem", "gen", "--topic", "春夜"])
    assert args.topic is None and args.topic_option == "春夜"


def test_lang_anywhere_on_the_line():
    assert split_lang(["poem", "gen", "--lang", "en", "春夜"]) == (["poem", "gen", "春夜"], "en")
    assert split_lang(["--lang=zh", "kb", "ls"]) == (["kb", "ls"], "zh")


def test_writer_keeps_one_language():
    import io

    for lang, want in (("zh", "找不到文件: x.txt\n── 1 ── (score -2.4)\n"), ("en", "file not found: x.txt\n── 1 ── (score -2.4)\n")):
        buf = io.StringIO()
        w = LocalisedWriter(buf, lang)
        w.write("找不到文件 (file not found): x.txt\n── 1 ── (score -2.4)\n")
        w.flush()
        assert buf.getvalue() == want


def test_errors_and_output_follow_the_language(capsys, tmp_path):
    missing = tmp_path / "none.txt"
    assert main(["--lang", "en", "law", "verify", f"@{missing}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: file not found") and not HAN.search(err.replace(str(missing), ""))
    assert main(["--lang", "zh", "law", "verify", f"@{missing}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：找不到文件") and "file not found" not in err
    assert main(["--lang", "xx", "kb", "ls"]) == 2


def test_json_output_is_left_alone(capsys, prosody_ready):
    assert main(["--lang", "zh", "poem", "check", "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["form"] == "五绝"


def test_every_option_help_is_in_one_language(lang):
    for path, p in parsers(lang):
        for a in p._actions:
            if not a.help or a.help == argparse.SUPPRESS:
                continue
            words = re.sub(r"settings\.\w+|openai:\S+|data/\S+|[\w-]+\.(?:jsonl|sqlite)|HANLIN_\w+|JSON|CPU|zh|en\b", "", a.help)
            if lang == "en":  # form names are names; nothing else in Chinese
                assert not HAN.search(re.sub(r"五绝|七绝|五律|七律|平起|仄起", "", words)), (path, a.help)
            else:
                assert HAN.search(a.help) and not re.search(r"\([a-z][a-z ,;]+\)", words), (path, a.help)
