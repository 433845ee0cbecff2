"""``hanlin model info|chat|route`` and ``hanlin serve`` argument handling, on the tiny model."""

import io
import json

from pipelines.cli import build_parser, main


def test_model_info_json(tiny_model_dir, capsys):
    assert main(["model", "info", "--model", str(tiny_model_dir), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["model_type"] == "deepseek_v2" and info["active_params"] < info["total_params"]
    assert info["routed_experts"] == 8 and info["experts_per_token"] == 2


def test_model_info_text_and_missing_dir(tiny_model_dir, tmp_path, capsys):
    assert main(["model", "info", "--model", str(tiny_model_dir)]) == 0
    assert "active params/token" in capsys.readouterr().out
    assert main(["--lang", "en", "model", "info", "--model", str(tmp_path / "none")]) == 2
    assert "not found" in capsys.readouterr().err


def test_chat_poetry_mode_and_exit(tiny_model_dir, tiny_llm):
    args = build_parser().parse_args(["model", "chat", "--model", str(tiny_model_dir), "--max-new-tokens", "6",
                                      "--temperature", "0"])
    out = io.StringIO()
    assert args.func(args, stdin=io.StringIO("七绝 春夜\n/exit\nnever read\n"), stdout=out) == 0
    text = out.getvalue()
    assert "poetry model" in text
    assert tiny_llm.chat([{"role": "user", "content": "七绝 春夜"}], max_new_tokens=6) in text


def test_route_json(tiny_model_dir, capsys):
    assert main(["model", "route", "--model", str(tiny_model_dir), "--json", "<bos>春风"]) == 0
    t = json.loads(capsys.readouterr().out)
    assert t["tokens"] == ["<bos>", "春", "风"] and len(t["expert_ids"][0]) == 2


def test_serve_defaults_to_loopback():
    args = build_parser().parse_args(["serve"])
    assert args.host is None and args.port == 8000  # host None -> settings.host, 127.0.0.1 by default
    from toolkit.config import Settings

    assert Settings().host == "127.0.0.1"
