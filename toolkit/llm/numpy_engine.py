"""The NumPy engine: DeepseekV2 checkpoints (the embedded model first of all) without torch or transformers.

Loading the embedded model this way imports neither torch nor transformers, which is what makes the
web UI's first poem and every ``hanlin poem`` call fast (``bench/web_bench.py``). The forward pass
(:mod:`toolkit.llm.numpy_deepseek`) computes what the transformers engine computes (tested against
it); decoding is the shared loop of :mod:`toolkit.llm.sampling`, so a seed gives the same sample on both.

:func:`toolkit.llm.load_llm` picks this engine for a checkpoint :func:`numpy_reason` accepts unless the
settings say ``engine: transformers``; any other checkpoint loads with
:class:`~toolkit.llm.transformers_engine.TransformersLLM`.

Example:
    >>> llm = NumpyLLM("data/models/hanlin-moe-mini")                       # doctest: +SKIP
    >>> llm.generate("<bos><五绝><题>春<文>", max_new_tokens=24, temperature=0.8, seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from toolkit.errors import BackendError

from .checkpoint import check_model_dir
from .local import LocalLLM, Routes
from .numpy_deepseek import MAX_PARAMS, NumpyDeepseekV2, unsupported


def numpy_reason(path: str | Path, config: dict | None = None) -> str | None:
    """``None`` when :class:`NumpyLLM` can run the checkpoint at ``path``, else why it cannot (for messages)."""
    path = Path(path)
    if config is None:
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            return f"config.json: {e}"
    why = unsupported(config)
    if why:
        return why
    if not ((path / "model.safetensors").is_file() or (path / "model.safetensors.index.json").is_file()):
        return "no safetensors weights"
    size = sum(p.stat().st_size for p in path.glob("*.safetensors"))
    if size // 2 > MAX_PARAMS:
        return f"too large for the NumPy engine ({size / 2**30:.1f} GiB of weights)"
    return tokenizer_reason(path)


class NumpyLLM(LocalLLM):
    """A DeepseekV2 checkpoint directory run by NumPy (float32 weights in memory).

    Args:
        path: checkpoint directory (config.json, safetensors weights, tokenizer.json).
        name: display name (default: the directory name).
        capable: override whether the model follows instructions (default: it has a chat template; it has none here).

    Attributes:
        net: the :class:`~toolkit.llm.numpy_deepseek.NumpyDeepseekV2`. tokenizer: a :class:`JsonTokenizer`.

    Raises:
        DataMissingError: missing directory or files (named). BackendError: a checkpoint this engine does not run.
    """

    engine = "numpy"

    def __init__(self, path: str | Path, *, name: str | None = None, capable: bool | None = None):
        path = Path(path)
        config = check_model_dir(path, architecture=False)
        why = numpy_reason(path, config)
        if why:
            raise BackendError(f"NumPy 引擎无法运行该模型 (the numpy engine cannot run {path}): {why}; "
                               f"请改用 transformers 引擎 (use engine: transformers)")
        self.tokenizer = JsonTokenizer(path)
        self.net = NumpyDeepseekV2.from_dir(path, config)
        self.stepper = NumpyStepper(self.net)
        self._setup(path, config, name, capable)

    def trace_routing(self, ids: list[int]) -> Routes:
        if not self.net.moe_layers:
            raise BackendError(f"该模型没有 MoE 路由层 (not a Mixture-of-Experts model): model_type="
                               f"{self.config.get('model_type')!r}")
        record: list = []
        with self.stepper.lock, one_blas_thread():
            self.net.forward(np.array([ids]), self.net.new_state(), last_only=True, record=record)
        return Routes(self.net.moe_layers, int(self.config["n_routed_experts"]),
                      [idx for idx, _ in record], [w for _, w in record])

    def parameter_sizes(self) -> dict[str, int]:
        return {name: a.size for name, a in self.net.named_weights()}


_BLAS = None


def one_blas_thread():
    """A context that runs BLAS on one thread: a decode step is dozens of tiny products, where
    OpenBLAS's thread pool costs more than it saves (``bench/llm_bench.py``)."""
    global _BLAS
    try:
        if _BLAS is None:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController()
        return _BLAS.limit(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - without threadpoolctl it is only slower
        return nullcontext()


class NumpyStepper:
    """Forward passes of a :class:`~toolkit.llm.numpy_deepseek.NumpyDeepseekV2`, one at a time."""

    def __init__(self, net: NumpyDeepseekV2):
        self.net = net
        self.lock = threading.Lock()

    def new_cache(self):
        return self.net.new_state()

    def forward(self, ids: np.ndarray, cache, last_only: bool = True) -> np.ndarray:
        with self.lock, one_blas_thread():
            logits = self.net.forward(np.asarray(ids), cache, last_only=last_only)
        return logits[:, -1, :] if last_only else logits


# --- the tokenizer: tokenizer.json through the ``tokenizers`` library alone --------------------------
SPECIALS = ("bos", "eos", "unk", "pad")


def tokenizer_reason(directory: str | Path) -> str | None:
    """``None`` when :class:`JsonTokenizer` can stand in for ``AutoTokenizer`` on ``directory``, else why not."""
    directory = Path(directory)
    if not (directory / "tokenizer.json").is_file():
        return "no tokenizer.json"
    if (directory / "chat_template.jinja").is_file() or (directory / "chat_template.json").is_file():
        return "chat template"
    cfg = _config(directory)
    if cfg.get("chat_template"):
        return "chat template"
    if cfg.get("tokenizer_class") not in (None, "TokenizersBackend", "PreTrainedTokenizerFast"):
        return f"tokenizer_class {cfg.get('tokenizer_class')}"
    return None


def _config(directory: Path) -> dict:
    path = directory / "tokenizer_config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, json.JSONDecodeError) as e:
        raise BackendError(f"tokenizer_config.json 无法解析 (not valid JSON): {path}: {e}") from None


class JsonTokenizer:
    """``tokenizer.json`` + ``tokenizer_config.json`` of ``directory``: the part of transformers'
    ``PreTrainedTokenizerFast`` Hanlin uses, special tokens read as transformers reads them.

    Raises:
        BackendError: unreadable files (named).
    """

    chat_template = None

    def __init__(self, directory: str | Path):
        from tokenizers import Tokenizer

        directory = Path(directory)
        try:
            self._tk = Tokenizer.from_file(str(directory / "tokenizer.json"))
        except Exception as e:  # noqa: BLE001 - the Rust library raises its own exception type
            raise BackendError(f"tokenizer.json 无法读取 (unreadable): {directory}: {e}") from None
        cfg = _config(directory)
        self._vocab = self._tk.get_vocab(with_added_tokens=True)
        for kind in SPECIALS:
            tok = cfg.get(f"{kind}_token")
            if isinstance(tok, dict):  # AddedToken serialised as a dict
                tok = tok.get("content")
            setattr(self, f"{kind}_token", tok)
            setattr(self, f"{kind}_token_id", self._vocab.get(tok) if tok is not None else None)

    def __len__(self) -> int:
        return len(self._vocab)

    def get_vocab(self) -> dict[str, int]:
        return dict(self._vocab)

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return self._tk.encode(text, add_special_tokens=add_special_tokens).ids

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True, clean_up_tokenization_spaces: bool = False) -> str:
        return self._tk.decode([int(i) for i in ids], skip_special_tokens=skip_special_tokens)

    def convert_ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        return [self._tk.id_to_token(int(i)) for i in ids]
