"""The transformers engine: any local Hugging Face causal-LM checkpoint, run by torch.

It steps the model with transformers' own cache and hands NumPy logits to the shared decode loop
(:mod:`toolkit.llm.sampling`); routing traces are read with forward hooks on the router modules.

Example:
    >>> llm = TransformersLLM("data/models/hanlin-moe-mini")                       # doctest: +SKIP
    >>> r = llm.generate_constrained("<bos><五绝><题>春<文>", allowed, max_new_tokens=24, seed=3)  # doctest: +SKIP
    >>> r.text, r.logprob                                                 # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import re
import threading
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache

from toolkit.errors import BackendError

from .checkpoint import check_model_dir
from .local import LocalLLM, Routes


class TransformersLLM(LocalLLM):
    """A causal LM loaded with ``AutoModelForCausalLM`` + ``AutoTokenizer`` from a local directory.

    Args:
        path: checkpoint directory (config.json, safetensors weights, tokenizer files).
        trust_remote_code: allow custom modelling code shipped with the checkpoint (off unless the user sets it).
        dtype: torch dtype for the weights on CPU (float32 is fastest for small models here).
        name: display name (default: the directory name).
        capable: override whether the model follows instructions (default: it has a chat template).

    Attributes:
        hf_model: the ``PreTrainedModel`` (contract). tokenizer: its tokenizer (contract).
    """

    engine = "transformers"

    def __init__(self, path: str | Path, *, trust_remote_code: bool = False, dtype: torch.dtype = torch.float32,
                 name: str | None = None, capable: bool | None = None):
        path = Path(path)
        config = check_model_dir(path, trust_remote_code)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
            self.hf_model = AutoModelForCausalLM.from_pretrained(
                path, dtype=dtype, trust_remote_code=trust_remote_code
            ).eval()
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            raise BackendError(f"无法加载模型 (cannot load model) {path}: {type(e).__name__}: {e}") from e
        self.dtype = str(dtype).replace("torch.", "")
        self.stepper = TorchStepper(self.hf_model)
        self._setup(path, config, name, capable)

    def parameter_sizes(self) -> dict[str, int]:
        return {n: p.numel() for n, p in self.hf_model.named_parameters()}  # tied weights appear once

    def trace_routing(self, ids: list[int]) -> Routes:
        routers = find_routers(self.hf_model)
        if not routers:
            raise BackendError(f"该模型没有 MoE 路由层 (not a Mixture-of-Experts model): "
                               f"model_type={self.hf_model.config.model_type!r}")
        records: list[tuple[torch.Tensor, torch.Tensor]] = []

        def hook(module, args, out):
            idx = next(t for t in out if isinstance(t, torch.Tensor) and not t.is_floating_point())
            w = next(t for t in out[1:] if isinstance(t, torch.Tensor) and t.is_floating_point() and t.shape == idx.shape)
            records.append((idx.detach().reshape(-1, idx.shape[-1]), w.detach().float().reshape(-1, idx.shape[-1])))

        handles = [m.register_forward_hook(hook) for _, m in routers]
        try:
            with self.stepper.lock, torch.inference_mode():
                self.hf_model(input_ids=torch.tensor([ids]), use_cache=False)
        finally:
            for h in handles:
                h.remove()
        if len(records) != len(routers):
            raise BackendError(f"路由记录不完整 (router hooks fired {len(records)} times for {len(routers)} routers)")
        orders = [torch.argsort(w, dim=-1, descending=True) for _, w in records]  # routers return top-k unsorted
        router = routers[0][1]
        return Routes(tuple(li for li, _ in routers), int(getattr(router, "num_experts", 0) or router.weight.shape[0]),
                      [idx.gather(-1, o).numpy() for (idx, _), o in zip(records, orders)],
                      [w.gather(-1, o).numpy() for (_, w), o in zip(records, orders)])


def find_routers(model) -> list[tuple[int, torch.nn.Module]]:
    """``(layer_index, router_module)`` for every MoE router in ``model``, in layer order.

    Router modules are recognised by class name (``DeepseekV2TopkRouter``, Mixtral's and Qwen-MoE's
    ``…TopKRouter``), each returning ``(router_logits, topk_weights, topk_indices)``.
    """
    found = []
    for name, module in model.named_modules():
        if type(module).__name__.lower().endswith("topkrouter"):
            m = re.search(r"layers\.(\d+)\.", name)
            found.append((int(m.group(1)) if m else len(found), module))
    return sorted(found, key=lambda x: x[0])


class TorchStepper:
    """Forward passes of a transformers causal LM with its ``DynamicCache``, one at a time."""

    def __init__(self, model):
        self.model = model
        self.lock = threading.Lock()
        params = inspect.signature(model.forward).parameters
        self.cache_kw = "cache" if "cache" in params else "past_key_values"  # the name differs between models
        self.keep_last = "logits_to_keep" in params

    def new_cache(self):
        return DynamicCache(config=self.model.config)

    def forward(self, ids: np.ndarray, cache, last_only: bool = True) -> np.ndarray:
        kw = {"input_ids": torch.from_numpy(np.asarray(ids, dtype=np.int64)), "use_cache": True, self.cache_kw: cache}
        if last_only and self.keep_last:
            kw["logits_to_keep"] = 1
        with self.lock, torch.inference_mode():
            logits = self.model(**kw).logits
        return (logits[:, -1, :] if last_only else logits).float().numpy()
