"""Model backends behind one interface: the embedded MoE, any local HF checkpoint, OpenAI-compatible servers.

Example:
    >>> from toolkit.llm import load_llm
    >>> llm = load_llm()                                          # doctest: +SKIP  (embedded poetry model)
    >>> llm = load_llm("openai:http://127.0.0.1:8000/v1#deepseek-ai/DeepSeek-V2-Lite-Chat")  # doctest: +SKIP
    >>> print(llm.generate("...", max_new_tokens=64, temperature=0.7, seed=1))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from toolkit.errors import InvalidInputError

from .base import LLM, Completion, Message, RunInfo, Stream
from .params import GenParams

OPENAI_PREFIX = "openai:"

__all__ = ["LLM", "Completion", "GenParams", "Message", "RunInfo", "Stream", "load_llm", "parse_spec",
           "LocalLLM", "NumpyLLM", "TransformersLLM", "ConstrainedResult", "OpenAICompatLLM", "RoutingTrace",
           "model_info", "ModelInfo"]

# Heavy modules (torch, transformers, httpx) load on first use, so `import toolkit.llm` stays cheap.
# (The routing function is imported from its module: `from toolkit.llm.routing import routing`.)
_LAZY = {"LocalLLM": "local", "NumpyLLM": "numpy_engine", "TransformersLLM": "transformers_engine",
         "ConstrainedResult": "local", "OpenAICompatLLM": "openai_client", "RoutingTrace": "routing",
         "model_info": "info", "ModelInfo": "info"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parse_spec(spec: str) -> tuple[str, str, str | None]:
    """Split a model spec into ``(kind, target, model)``: ``("openai", base_url, model|None)`` or ``("dir", path, None)``."""
    if spec.startswith(OPENAI_PREFIX):
        rest = spec[len(OPENAI_PREFIX):]
        url, _, model = rest.partition("#")
        if not url:
            raise InvalidInputError(
                f"无效的模型规格 (invalid model spec) {spec!r}; 格式 (format): openai:<base_url>#<model>"
            )
        return "openai", url, model or None
    return "dir", spec, None


def split_engine(spec: str | None, engine: str | None = None) -> tuple[str | None, str | None]:
    """``"numpy:<dir>"`` → ``("<dir>", "numpy")`` (likewise ``transformers:``); other specs pass through.

    A path that exists as written is never split (a directory may contain a colon)."""
    if spec:
        for name in ("numpy", "transformers"):
            if spec.startswith(name + ":") and not Path(spec).expanduser().exists():
                return spec[len(name) + 1:] or None, engine or name
    return spec, engine


def load_llm(spec: str | None = None, settings=None, engine: str | None = None) -> LLM:
    """Load a model backend (contract).

    Args:
        spec: ``None`` = ``settings.llm`` if set, else the embedded model at ``settings.embedded_model_dir``;
            a directory = a local HF checkpoint; ``openai:<base_url>#<model>`` = an OpenAI-compatible server;
            ``numpy:<dir>`` / ``transformers:<dir>`` = a directory with that engine (an empty ``<dir>``
            means the default model).
        settings: a :class:`toolkit.config.Settings` (default: :func:`get_settings`).
        engine: for a directory: ``"auto"`` (default ``settings.engine``): the NumPy engine
            (:class:`~toolkit.llm.numpy_engine.NumpyLLM`) when it can run the checkpoint, else transformers;
            ``"numpy"`` (an error if it cannot) or ``"transformers"``
            (:class:`~toolkit.llm.transformers_engine.TransformersLLM`).

    Raises:
        DataMissingError: the model directory or some of its files are missing (named).
        BackendError: unsupported ``model_type``, unreadable weights, or an unreachable server (named).
    """
    from toolkit.config import get_settings

    settings = settings or get_settings()
    spec, engine = split_engine(spec, engine)
    spec = spec or settings.llm or str(settings.embedded_model_dir)
    kind, target, model = parse_spec(str(spec))
    if kind == "openai":
        from .openai_client import OpenAICompatLLM

        return OpenAICompatLLM(target, model)
    from toolkit.config import ENGINES

    engine = (engine or settings.engine or "auto").lower()
    if engine not in ENGINES:
        raise InvalidInputError(f"未知的推理引擎 engine={engine!r} (unknown engine); 可选 (valid): {', '.join(ENGINES)}")
    path = Path(target).expanduser()
    if engine != "transformers":
        from .numpy_engine import NumpyLLM, numpy_reason

        if engine == "numpy" or (path.is_dir() and numpy_reason(path) is None):
            return NumpyLLM(path)
    from .transformers_engine import TransformersLLM

    return TransformersLLM(path, trust_remote_code=settings.trust_remote_code)
