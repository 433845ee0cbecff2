"""The embedded MoE against the measured bar: held-out perplexity vs a character 3-gram, decode speed,
load time and expert utilisation.

Both models score the same held-out poems (the model's held-out split: 1 % of poems by id hash, never
trained on) at the same positions: body characters and ``<eos>``, conditioned on form and title. The
3-gram (interpolated modified Kneser-Ney) is fitted on the same training documents with the model's
tokenizer; its per-document scores are cached in ``data/train/hanlin-moe-mini/baseline.json``.
Decode speed: greedy, KV cache, batch 1, 100 new tokens, fp32 on CPU (the dtype Hanlin's local backend
uses), median of three prompts after a warm-up; once with ``model.generate`` and once with Hanlin's
own decode loop (:mod:`toolkit.llm.sampling`, which the pipelines use).

Run: ``python -m bench model`` (``--quick``: the first 500 held-out poems). Needs the shipped model and
``hanlin data pull``.
"""

from __future__ import annotations

import json
import math
import statistics
import time

import torch

NEW_TOKENS = 100
PROMPTS = (("七绝", "春夜喜雨"), ("五律", "秋日登高"), ("词", "浣溪沙·春景"))


def _decode_speed(model, tok) -> list[float]:
    from toolkit.llm.embedded.format import build_prompt

    speeds = []
    for i, (kind, title) in enumerate((PROMPTS[0],) + PROMPTS):
        ids = tok(build_prompt(kind, title), return_tensors="pt").input_ids
        t0 = time.perf_counter()
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False,
                                 use_cache=True, pad_token_id=tok.pad_token_id)
        dt = time.perf_counter() - t0
        if i:  # the first run warms up
            speeds.append((out.shape[1] - ids.shape[1]) / dt)
    return speeds


def _hanlin_decode_speed(model, tok) -> list[float] | None:
    """The same measurement through Hanlin's own decode loop (:mod:`toolkit.llm.sampling`) on the transformers engine."""
    from toolkit.llm.embedded.format import build_prompt
    from toolkit.llm.sampling import decode_steps
    from toolkit.llm.transformers_engine import TorchStepper

    stepper = TorchStepper(model)
    speeds = []
    for i, (kind, title) in enumerate((PROMPTS[0],) + PROMPTS):
        ids = tok(build_prompt(kind, title))["input_ids"]
        t0 = time.perf_counter()
        steps = sum(1 for _ in decode_steps(stepper, ids, max_new_tokens=NEW_TOKENS, temperature=0.0))
        dt = time.perf_counter() - t0
        if i:
            speeds.append(steps / dt)
    return speeds


def run(args) -> str:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from toolkit.config import get_settings
    from toolkit.errors import DataMissingError
    from toolkit.llm.embedded.config import TrainConfig
    from toolkit.llm.embedded.evaluate import evaluate_lm
    from toolkit.llm.embedded.export import cached_baselines, param_counts

    s = get_settings()
    model_dir = s.embedded_model_dir
    if not (model_dir / "config.json").is_file():
        raise DataMissingError(f"没有内置模型 (embedded model missing) at {model_dir}: 运行 hanlin model train")
    torch.set_num_threads(2)
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    load_s = time.perf_counter() - t0

    card = json.loads((model_dir / "eval.json").read_text(encoding="utf-8"))
    tc = TrainConfig(**{k: (tuple(card[k]) if k == "betas" else card[k]) for k in TrainConfig.__dataclass_fields__})
    max_len = model.config.max_position_embeddings
    base, held, _, _ = cached_baselines(s.data_dir / "train" / "hanlin-moe-mini", tok, tc, max_len, settings=s,
                                        poems_file=card.get("poems_file"), laws_db=card.get("laws_db"))
    n = min(len(held), 500) if getattr(args, "quick", False) else len(held)
    res = evaluate_lm(model, tok, held[:n], batch_size=32, max_len=max_len, progress=True)
    ng_nll, ng_tok = sum(base["ngram_doc_nll"][:n]), sum(base["ngram_doc_tokens"][:n])
    if ng_tok != res.tokens:
        raise RuntimeError(f"scored positions differ: model {res.tokens} vs 3-gram {ng_tok}")
    ng_ppl = math.exp(ng_nll / ng_tok)
    speeds = _decode_speed(model, tok)
    tps = statistics.median(speeds)
    han = _hanlin_decode_speed(model, tok)
    counts = torch.tensor(res.expert_counts, dtype=torch.float64)
    shares = (counts / counts.sum(-1, keepdim=True)).tolist()
    min_share = min(min(r) for r in shares)
    total, active = param_counts(model)
    first = model.config.first_k_dense_replace

    ok = lambda b: "yes" if b else "**NO**"
    lines = [
        f"Held-out poems: {n} documents, {res.tokens:,} scored characters (body + `<eos>`); "
        f"model {total:,} params, {active:,} active per token.",
        "",
        "| measure | hanlin-moe-mini | char 3-gram (mod. KN) | bar | met |",
        "|---|---|---|---|---|",
        f"| held-out perplexity / char | {res.ppl:.2f} | {ng_ppl:.2f} | model < 3-gram | {ok(res.ppl < ng_ppl)} |",
        f"| held-out nats / char | {res.loss:.4f} | {ng_nll / ng_tok:.4f} | | |",
        f"| decode tokens/s (greedy, KV cache, batch 1, {NEW_TOKENS} new) | {tps:.1f} "
        f"({', '.join(f'{v:.0f}' for v in speeds)}) | | ≥ 50 | {ok(tps >= 50)} |",
        *([f"| decode tokens/s, Hanlin decode loop (same settings) | {statistics.median(han):.1f} "
           f"({', '.join(f'{v:.0f}' for v in han)}) | | ≥ 50 | {ok(statistics.median(han) >= 50)} |"] if han else []),
        f"| load time (tokenizer + model, fp32) | {load_s:.2f} s | | | |",
        f"| smallest routed-expert share | {100 * min_share:.1f} % | | ≥ 2 % | {ok(min_share >= 0.02)} |",
        "",
        "Per-expert token shares on the held-out text (% of top-k assignments):",
        "",
        "| layer | " + " | ".join(f"E{e}" for e in range(len(shares[0]))) + " |",
        "|---|" + "---|" * len(shares[0]),
    ]
    lines += [f"| {first + i} | " + " | ".join(f"{100 * v:.1f}" for v in row) + " |" for i, row in enumerate(shares)]
    return "\n".join(lines)
