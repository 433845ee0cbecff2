"""One settings object for Hanlin: defaults < settings file < ``HANLIN_*`` environment variables.

Example:
    >>> from toolkit.config import get_settings
    >>> s = get_settings()
    >>> s.corpora_dir.name
    'corpora'
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path

import yaml

from .errors import InvalidInputError

# The checkout root: toolkit/ sits directly under it.
REPO_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_MODEL = "hanlin-moe-mini"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = REPO_ROOT / "data"  # pulled corpora, indexes, models, user state
    cache_dir: Path = Path(os.path.expanduser("~/.cache/hanlin"))  # downloaded packages, reused by fresh clones
    prompts_dir: Path = REPO_ROOT / "prompts"  # shipped prompt templates (read-only defaults)
    user_dir: Path | None = None  # user layer (edited prompts, knowledge bases); default data_dir/user
    llm: str | None = None  # None = embedded default; a directory; or openai:<base_url>#<model>
    engine: str = "auto"  # local checkpoints: "auto" (numpy when it can run the model), "numpy", "transformers"
    embedder: str = "lsa"  # "lsa" (local, no download) or a local sentence-transformers directory
    trust_remote_code: bool = False  # only ever True when the user sets it
    max_upload_mb: int = 100  # knowledge-base file size limit
    host: str = "127.0.0.1"  # servers bind to loopback unless configured otherwise
    port: int = 8501
    extra: dict = field(default_factory=dict)  # free-form keys from the settings file

    @property
    def corpora_dir(self) -> Path:
        return self.data_dir / "corpora"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "indexes"

    @property
    def dicts_dir(self) -> Path:
        return self.data_dir / "dicts"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def user_root(self) -> Path:
        return self.user_dir or (self.data_dir / "user")

    @property
    def kb_root(self) -> Path:
        return self.user_root / "kb"

    @property
    def embedded_model_dir(self) -> Path:
        return self.models_dir / EMBEDDED_MODEL


_PATH_FIELDS = {"data_dir", "cache_dir", "prompts_dir", "user_dir"}
_BOOL_FIELDS = {"trust_remote_code"}
_INT_FIELDS = {"max_upload_mb", "port"}
ENGINES = ("auto", "numpy", "transformers")


def _coerce(name: str, value):
    if value is None:
        return None
    if name in _PATH_FIELDS:
        return Path(os.path.expanduser(str(value))).resolve()
    if name in _BOOL_FIELDS:
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in {"1", "true", "yes", "on"}
    if name == "engine":
        value = str(value).strip().lower()
        if value not in ENGINES:
            raise InvalidInputError(f"未知的推理引擎 engine={value!r} (unknown engine); 可选 (valid): {', '.join(ENGINES)}")
        return value
    if name in _INT_FIELDS:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InvalidInputError(f"设置 {name} 必须是整数 (setting {name} must be an integer), got {value!r}") from None
    return value


def load_settings(path: str | Path | None = None, env: dict | None = None) -> Settings:
    """Build settings from defaults, an optional YAML file and ``HANLIN_*`` variables.

    Args:
        path: settings file; default ``$HANLIN_CONFIG`` or ``~/.config/hanlin/settings.yaml`` if present.
        env: environment mapping (default ``os.environ``).

    Returns:
        A frozen :class:`Settings`.
    """
    env = dict(os.environ if env is None else env)
    known = {f.name for f in fields(Settings)} - {"extra"}
    values: dict = {}
    extra: dict = {}
    cfg = path or env.get("HANLIN_CONFIG") or os.path.expanduser("~/.config/hanlin/settings.yaml")
    cfg = Path(cfg)
    if cfg.is_file():
        try:
            raw = yaml.safe_load(cfg.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise InvalidInputError(f"设置文件无法解析 (settings file is not valid YAML): {cfg}: {e}") from None
        if not isinstance(raw, dict):
            raise InvalidInputError(f"设置文件必须是键值映射 (settings file must be a mapping): {cfg}")
        for k, v in raw.items():
            (values if k in known else extra)[k] = v
    elif path is not None:
        raise InvalidInputError(f"找不到设置文件 (settings file not found): {cfg}")
    for k in known:
        ev = env.get("HANLIN_" + k.upper())
        if ev is not None and ev != "":
            values[k] = ev
    return Settings(**{k: _coerce(k, v) for k, v in values.items()}, extra=extra)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached). Tests call ``get_settings.cache_clear()`` after changing env."""
    return load_settings()


def with_overrides(settings: Settings, **changes) -> Settings:
    """A copy of ``settings`` with some fields changed (coerced like the file values)."""
    return replace(settings, **{k: _coerce(k, v) for k, v in changes.items()})
