"""Local Hugging Face checkpoints (the embedded MoE or any causal LM directory) as an :class:`LLM`.

Example:
    >>> llm = HFLLM("data/models/hanlin-moe-mini")                       # doctest: +SKIP
    >>> r = llm.generate_constrained("<bos><五绝><题>春<文>", allowed, max_new_tokens=24, seed=3)  # doctest: +SKIP
    >>> r.text, r.logprob                                                 # doctest: +SKIP
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import torch

from toolkit.errors import BackendError

from .checkpoint import check_model_dir
from .constraints import AllowedTokensProcessor, TokenBiasProcessor
from .decode import Stepper, decode_steps
from .local import LocalLLM


class HFLLM(LocalLLM):
    """A causal LM loaded with ``AutoModelForCausalLM`` + ``AutoTokenizer`` from a local directory.

    Args:
        path: checkpoint directory (config.json, safetensors weights, tokenizer files).
        trust_remote_code: allow custom modelling code shipped with the checkpoint (off unless the user sets it).
        dtype: torch dtype for the weights on CPU (float32 is fastest for small models here).
        name: display name (default: the directory name).
        capable: override whether the model follows instructions (default: it has a chat template).
        fast_decode: use the lean DeepseekV2 forward when it applies (see :mod:`toolkit.llm.fast_deepseek`).

    Attributes:
        hf_model: the ``PreTrainedModel`` (contract). tokenizer: its tokenizer (contract).
        load_seconds: wall time spent loading.
    """

    engine = "transformers"
    _decode_steps, _allowed_processor, _bias_processor = decode_steps, AllowedTokensProcessor, TokenBiasProcessor

    def __init__(self, path: str | Path, *, trust_remote_code: bool = False, dtype: torch.dtype = torch.float32,
                 name: str | None = None, capable: bool | None = None, fast_decode: bool = True):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.path = Path(path)
        self.config_dict = check_model_dir(self.path, trust_remote_code)
        t0 = time.perf_counter()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path, trust_remote_code=trust_remote_code)
            self.hf_model = AutoModelForCausalLM.from_pretrained(
                self.path, dtype=dtype, trust_remote_code=trust_remote_code
            ).eval()
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            raise BackendError(f"无法加载模型 (cannot load model) {self.path}: {type(e).__name__}: {e}") from e
        self.load_seconds = time.perf_counter() - t0
        self._setup(self.path, self.config_dict, name, capable)
        self._stepper = Stepper(self.hf_model, threading.Lock(), fast=fast_decode)

    # --- the engine ------------------------------------------------------------------------------
    def _all_logits(self, ids: list[int]) -> np.ndarray:
        return self._stepper.forward(torch.tensor([ids]), self._stepper.new_cache(), last_only=False)[0].numpy()
