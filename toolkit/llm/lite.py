"""The NumPy engine: DeepseekV2 checkpoints (the embedded model first of all) without torch or transformers.

Loading the embedded model this way takes well under a second (no ``import torch``/``transformers``,
~10 CPU seconds on this machine), which is what makes the web UI's first poem and every ``hanlin poem``
call fast. The forward pass (:mod:`toolkit.llm.numpy_deepseek`) and the decode loop
(:mod:`toolkit.llm.npdecode`) compute what the transformers engine computes (tested against it), so
scores, constraints and routing agree; seeded samples differ between the engines (different RNGs).

:func:`toolkit.llm.load_llm` picks this engine for a checkpoint :func:`lite_reason` accepts unless the
settings say ``engine: transformers``; any other checkpoint loads with :class:`~toolkit.llm.hf.HFLLM`.

Example:
    >>> llm = LiteLLM("data/models/hanlin-moe-mini")                        # doctest: +SKIP
    >>> llm.generate("<bos><五绝><题>春<文>", max_new_tokens=24, temperature=0.8, seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np

from toolkit.errors import BackendError

from .checkpoint import check_model_dir
from .lite_tokenizer import LiteTokenizer, lite_tokenizer_reason
from .local import LocalLLM
from .npdecode import AllowedMask, LogitBias, NumpyStepper, decode_steps, one_blas_thread
from .numpy_deepseek import MAX_PARAMS, NumpyDeepseekV2, unsupported


def lite_reason(path: str | Path, config: dict | None = None) -> str | None:
    """``None`` when :class:`LiteLLM` can run the checkpoint at ``path``, else why it cannot (for messages)."""
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
    return lite_tokenizer_reason(path)


class LiteLLM(LocalLLM):
    """A DeepseekV2 checkpoint directory run by NumPy (float32 weights in memory).

    Args:
        path: checkpoint directory (config.json, safetensors weights, tokenizer.json).
        name: display name (default: the directory name).
        capable: override whether the model follows instructions (default: it has a chat template; it has none here).

    Attributes:
        net: the :class:`~toolkit.llm.numpy_deepseek.NumpyDeepseekV2`. tokenizer: a :class:`LiteTokenizer`.
        hf_model: the same checkpoint as a transformers ``PreTrainedModel`` (contract), loaded on first
            access (that imports torch and transformers; generation here never needs it).
        load_seconds: wall time spent loading.

    Raises:
        DataMissingError: missing directory or files (named). BackendError: a checkpoint this engine does not run.
    """

    engine = "numpy"
    _decode_steps, _allowed_processor, _bias_processor = decode_steps, AllowedMask, LogitBias

    def __init__(self, path: str | Path, *, name: str | None = None, capable: bool | None = None):
        path = Path(path)
        config = check_model_dir(path, architecture=False)
        why = lite_reason(path, config)
        if why:
            raise BackendError(f"NumPy 引擎无法运行该模型 (the numpy engine cannot run {path}): {why}; "
                               f"请改用 transformers 引擎 (use engine: transformers)")
        t0 = time.perf_counter()
        self.tokenizer = LiteTokenizer(path)
        self.net = NumpyDeepseekV2.from_dir(path, config)
        self.load_seconds = time.perf_counter() - t0
        self._setup(path, config, name, capable)
        self._stepper = NumpyStepper(self.net, threading.Lock())
        self._hf_model = None

    @property
    def hf_model(self):
        if self._hf_model is None:
            with self._stepper.lock:
                if self._hf_model is None:
                    from transformers import AutoModelForCausalLM

                    self._hf_model = AutoModelForCausalLM.from_pretrained(self.path, dtype="float32").eval()
        return self._hf_model

    def _all_logits(self, ids: list[int]) -> np.ndarray:
        return self._stepper.forward(np.array([ids]), self._stepper.new_cache(), last_only=False)[0]

    def trace_routing(self, ids: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """One forward pass over ``ids``; per MoE layer ``(expert ids, weights)`` of every position, highest first."""
        record: list = []
        with self._stepper.lock, one_blas_thread():
            self.net.forward(np.array([ids]), self.net.new_state(), last_only=True, record=record)
        return record
