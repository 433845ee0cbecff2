"""The local HF backend on a tiny random DeepseekV2 MoE: generation, stops, seeds, validation, bad dirs."""

import json
import shutil

import pytest

from toolkit.errors import BackendError, DataMissingError, InvalidInputError
from toolkit.llm import GenParams, load_llm, parse_spec

PROMPT = "<bos><五绝><题>春夜<文>"


def test_load_llm_on_directory(tiny_model_dir):
    llm = load_llm(str(tiny_model_dir))
    assert llm.local and not llm.capable  # no chat template: not instruction-following
    assert llm.context_length == 256
    assert llm.config["model_type"] == "deepseek_v2" and llm.engine == "numpy"
    assert llm.poetry_format


def test_load_llm_default_uses_settings(tmp_settings, tiny_model_dir, monkeypatch):
    with pytest.raises(DataMissingError, match="hanlin-moe-mini"):
        load_llm(settings=tmp_settings)  # embedded model dir not present in the temp data dir
    shutil.copytree(tiny_model_dir, tmp_settings.embedded_model_dir)
    assert load_llm(settings=tmp_settings).name == "hanlin-moe-mini"


def test_greedy_generate_equals_stream(tiny_llm):
    text = tiny_llm.generate(PROMPT, max_new_tokens=24)
    pieces = list(tiny_llm.stream(PROMPT, max_new_tokens=24))
    assert len(pieces) > 1 and "".join(pieces) == text
    assert len(text) == 24  # char-level: one char per token, random model never emits <eos> here


def test_stop_strings_in_generate_and_stream(tiny_llm):
    full = tiny_llm.generate(PROMPT, max_new_tokens=24)
    stop = full[7:9]  # a two-char stop string, possibly split across stream pieces
    cut = full.find(stop)
    c = tiny_llm.complete(PROMPT, max_new_tokens=24, stop=[stop, "不可能出现的字串"])
    assert c.text == full[:cut] and c.finish_reason == "stop"
    assert "".join(tiny_llm.stream(PROMPT, max_new_tokens=24, stop=stop)) == full[:cut]


def test_seeds_reproduce(tiny_llm):
    a = tiny_llm.generate(PROMPT, max_new_tokens=16, temperature=1.0, seed=7)
    b = tiny_llm.generate(PROMPT, max_new_tokens=16, temperature=1.0, seed=7)
    c = tiny_llm.generate(PROMPT, max_new_tokens=16, temperature=1.0, seed=8)
    assert a == b and a != c


def test_sampling_params_change_output(tiny_llm):
    greedy = tiny_llm.generate(PROMPT, max_new_tokens=12)
    top1 = tiny_llm.generate(PROMPT, max_new_tokens=12, temperature=1.5, top_k=1, seed=3)
    assert top1 == greedy  # top_k=1 sampling is greedy


@pytest.mark.parametrize("kw, name", [
    ({"temperature": -0.1}, "temperature"), ({"temperature": 2.5}, "temperature"), ({"top_p": 0}, "top_p"),
    ({"top_p": 1.2}, "top_p"), ({"top_k": -1}, "top_k"), ({"max_new_tokens": 0}, "max_new_tokens"),
    ({"max_new_tokens": 9000}, "max_new_tokens"), ({"repetition_penalty": 0}, "repetition_penalty"),
    ({"seed": "x"}, "seed"), ({"seed": 1.5}, "seed"), ({"stop": [1]}, "stop"), ({"bogus": 1}, "bogus"),
])
def test_param_validation_names_parameter(tiny_llm, kw, name):
    with pytest.raises(InvalidInputError, match=name):
        tiny_llm.generate(PROMPT, **kw)


def test_params_aliases():
    p = GenParams.from_kwargs(max_tokens=5, stop="。", seed=None)
    assert p.max_new_tokens == 5 and p.stop == ("。",) and p.seed is None


def test_long_prompt_truncated_with_warning_or_error(tiny_llm, caplog):
    long = "春" * 400
    c = tiny_llm.complete(long, max_new_tokens=8)
    assert c.truncated_tokens == 400 - (256 - 8) and c.prompt_tokens == 256 - 8
    assert c.warnings and "truncated" in c.warnings[0] and "truncated" in caplog.text
    with pytest.raises(InvalidInputError, match="context_length"):
        tiny_llm.generate(long, max_new_tokens=8, on_overflow="error")


def test_chat_uses_poetry_prompt(tiny_llm):
    from toolkit.llm.embedded.format import chat_prompt

    assert chat_prompt("七绝 春夜") == "<bos><七绝><题>春夜<文>" and chat_prompt("春夜") == "<bos><诗><题>春夜<文>"
    msgs = [{"role": "user", "content": "七绝 春夜"}]
    assert tiny_llm.chat(msgs, max_new_tokens=6) == tiny_llm.generate(chat_prompt("七绝 春夜"), max_new_tokens=6)
    with pytest.raises(InvalidInputError, match="role"):
        tiny_llm.chat([{"role": "robot", "content": "x"}])


def test_chat_template_used_when_present(tmp_path, tiny_model_dir):
    from toolkit.llm.transformers_engine import TransformersLLM

    d = tmp_path / "chat"
    shutil.copytree(tiny_model_dir, d)
    cfg = json.loads((d / "tokenizer_config.json").read_text())
    cfg["chat_template"] = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}<文>"
    (d / "tokenizer_config.json").write_text(json.dumps(cfg, ensure_ascii=False))
    llm = TransformersLLM(d)
    assert llm.capable
    assert llm.render_chat([__import__("toolkit.llm", fromlist=["Message"]).Message("user", "你好")]) == "<user>你好<文>"


def test_missing_dir_and_missing_files_are_named(tmp_path, tiny_model_dir):
    with pytest.raises(DataMissingError, match="not found"):
        load_llm(str(tmp_path / "nope"))
    d = tmp_path / "partial"
    shutil.copytree(tiny_model_dir, d)
    (d / "model.safetensors").unlink()
    (d / "tokenizer.json").unlink()
    with pytest.raises(DataMissingError) as e:
        load_llm(str(d))
    assert "model.safetensors" in str(e.value) and "tokenizer.json" in str(e.value)


def test_unsupported_model_type_is_named(tmp_path, tiny_model_dir):
    d = tmp_path / "weird"
    shutil.copytree(tiny_model_dir, d)
    cfg = json.loads((d / "config.json").read_text())
    cfg["model_type"] = "hanlin_unknown_arch"
    (d / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(BackendError, match="hanlin_unknown_arch"):
        load_llm(str(d))
    cfg["model_type"] = "vit"  # known to transformers, but not a causal LM
    (d / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(BackendError, match="'vit'.*causal"):
        load_llm(str(d))


def test_parse_spec():
    assert parse_spec("openai:http://h:1/v1#m/x") == ("openai", "http://h:1/v1", "m/x")
    assert parse_spec("openai:http://h:1/v1") == ("openai", "http://h:1/v1", None)
    assert parse_spec("data/models/x") == ("dir", "data/models/x", None)
    with pytest.raises(InvalidInputError, match="openai:<base_url>#<model>"):
        parse_spec("openai:")


def test_langchain_invoke_and_stream(tiny_llm):
    chat = tiny_llm.as_langchain().bind(max_new_tokens=6)
    out = chat.invoke("七绝 春夜")
    assert out.content == tiny_llm.chat([{"role": "user", "content": "七绝 春夜"}], max_new_tokens=6)
    assert "".join(c.content for c in chat.stream("七绝 春夜")) == out.content


def test_stream_validates_eagerly(tiny_llm):
    with pytest.raises(InvalidInputError, match="temperature"):
        tiny_llm.stream(PROMPT, temperature=9)  # raises before iteration
