"""Checks a local model directory before loading it, so failures name what is wrong.

A Hugging Face checkpoint directory needs ``config.json`` (with a ``model_type`` transformers knows, or
custom code the user has allowed), safetensors weights (all shards present) and tokenizer files.
"""

from __future__ import annotations

import json
from pathlib import Path

from toolkit.errors import BackendError, DataMissingError

TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "vocab.txt", "spiece.model")


def check_model_dir(path: str | Path, trust_remote_code: bool = False, architecture: bool = True) -> dict:
    """Validate a checkpoint directory and return its parsed ``config.json``.

    Args:
        path: the directory.
        trust_remote_code: whether a config that needs custom code (``auto_map``) may be accepted.
        architecture: check ``model_type`` against transformers' causal LMs (the NumPy engine checks its own).

    Raises:
        DataMissingError: the directory or some required files are missing (all of them are named).
        BackendError: the config is unreadable or its ``model_type`` is not a supported causal LM.
    """
    path = Path(path)
    if not path.is_dir():
        hint = ""
        if not path.is_absolute() and str(path).count("/") == 1:  # looks like a hub id (org/name)
            hint = ("; Hanlin 不会下载模型，请给本地目录或 openai:<base_url>#<model> (Hanlin never downloads "
                    "models: give a local directory or openai:<base_url>#<model>)")
        raise DataMissingError(f"模型目录不存在 (model directory not found): {path}{hint}")
    missing = []
    if not (path / "config.json").is_file():
        missing.append("config.json")
    missing += _missing_weights(path)
    if not any((path / f).is_file() for f in TOKENIZER_FILES):
        missing.append("tokenizer.json (或 or " + " / ".join(TOKENIZER_FILES[1:]) + ")")
    if missing:
        raise DataMissingError(
            f"模型目录不完整 (incomplete model directory) {path}; 缺少文件 (missing files): {', '.join(missing)}"
        )
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise BackendError(f"config.json 无法解析 (config.json is not valid JSON): {path}: {e}") from None
    if architecture:
        check_architecture(config, trust_remote_code)
    return config


def check_architecture(config: dict, trust_remote_code: bool = False) -> None:
    """Raise :class:`BackendError` unless ``config['model_type']`` is a causal LM transformers can build."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    model_type = config.get("model_type")
    if trust_remote_code and config.get("auto_map", {}).get("AutoModelForCausalLM"):
        return
    if model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        return
    hint = ""
    if config.get("auto_map"):
        hint = "；该模型需要自定义代码，可设置 HANLIN_TRUST_REMOTE_CODE=1 (needs custom code: set trust_remote_code)"
    elif model_type in CONFIG_MAPPING_NAMES:
        hint = "；它不是因果语言模型 (it is not a causal language model)"
    raise BackendError(
        f"不支持的模型架构 model_type={model_type!r} (unsupported architecture){hint}; "
        f"支持例如 (supported e.g.): deepseek_v2, deepseek_v3, qwen2, qwen2_moe, llama, mixtral ..."
    )


def _missing_weights(path: Path) -> list[str]:
    index = path / "model.safetensors.index.json"
    if index.is_file():
        try:
            shards = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        except (OSError, json.JSONDecodeError, KeyError) as e:
            return [f"{index.name} (无法解析 unreadable: {e})"]
        return sorted(s for s in shards if not (path / s).is_file())
    if (path / "model.safetensors").is_file():
        return []
    if any(path.glob("*.bin")):
        return ["model.safetensors (只支持 safetensors，不加载 pickle 权重 .bin; only safetensors weights are loaded)"]
    return ["model.safetensors"]
