"""Export a training checkpoint as the shipped model directory, with evaluation and model card.

Steps: load the checkpoint; score the held-out poems with the model (per-character perplexity and
expert utilisation); fit the character 3-gram and unigram baselines on the same training documents and
score the same positions; then write ``config.json``, ``generation_config.json``, bf16
``model.safetensors``, the tokenizer, ``train_log.jsonl``, ``eval.json``, two PNGs and ``README.md``
into a temp folder that replaces the model directory in one rename.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import torch

from toolkit.atomic import atomic_dir, write_json

from . import checkpoint as ckpt
from .balance import shares
from .card import plot_experts, plot_loss, read_log, render_card
from .config import ModelConfig, TrainConfig
from .data import encode_texts, load_split
from .evaluate import body_start, evaluate_lm
from .format import BODY
from .ngram import KneserNey3, Unigram, ppl
from .tokenizer import load_tokenizer
from .train import LOG_NAME, new_model

log = logging.getLogger("hanlin.export")


def param_counts(model) -> tuple[int, int]:
    """(total, active per token): routed experts count ``top_k / n_routed`` of their weights."""
    total = sum(p.numel() for p in model.parameters())
    cfg = model.config
    routed = sum(p.numel() for n, p in model.named_parameters() if ".mlp.experts." in n)
    active = total - routed + routed * cfg.num_experts_per_tok // cfg.n_routed_experts
    return total, active


def baselines(tokenizer, train_texts: list[str], heldout_texts: list[str], max_len: int) -> dict:
    """3-gram (KN) and unigram nll over the held-out body positions of the first ``max_len`` tokens of each
    document (the model's context limit, so both score exactly the same positions)."""
    body_id = tokenizer.convert_tokens_to_ids(BODY)
    train_ids, held_ids = encode_texts(tokenizer, train_texts), [x[:max_len] for x in encode_texts(tokenizer, heldout_texts)]
    starts = [body_start(x.tolist(), body_id) for x in held_ids]
    kn = KneserNey3(len(tokenizer)).fit(train_ids)
    per_doc, lens = kn.doc_nll(held_ids, starts)
    nll3, n3 = float(per_doc.sum()), int(lens.sum())
    nll1, n1 = Unigram(len(tokenizer)).fit(train_ids).nll(held_ids, starts)
    return {"ngram_loss": nll3 / n3, "ngram_ppl": ppl(nll3, n3), "unigram_loss": nll1 / n1,
            "unigram_ppl": ppl(nll1, n1), "ngram_tokens": n3, "ngram_trigram_types": kn.trigram_types,
            "ngram_doc_nll": [round(v, 5) for v in per_doc.tolist()], "ngram_doc_tokens": lens.tolist()}


def _cache_key(tokenizer, tc: TrainConfig, poems_file, laws_db, max_len: int) -> str:
    vocab = json.dumps(sorted(tokenizer.get_vocab().items()), ensure_ascii=False)
    src = json.dumps([str(poems_file), str(laws_db), tc.heldout_permille, tc.law_share, tc.regulated_oversample, tc.seed, max_len])
    return hashlib.sha256((vocab + src).encode("utf-8")).hexdigest()[:16]


def _card_baseline(model_dir: Path, key: str, poems_file, laws_db, max_len: int) -> dict | None:
    """The baseline metrics of an exported model directory whose tokenizer and split settings give ``key``."""
    meta_path = model_dir / "eval.json"
    if not meta_path.is_file() or not (model_dir / "tokenizer.json").is_file():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    tc = TrainConfig(**{k: meta[k] for k in TrainConfig().to_dict() if k in meta})
    if _cache_key(load_tokenizer(model_dir), tc, poems_file, laws_db, max_len) != key:
        return None
    names = ("ngram_loss", "ngram_ppl", "unigram_loss", "unigram_ppl", "ngram_tokens", "ngram_trigram_types")
    return {k: meta[k] for k in names} if all(k in meta for k in names) else None


def cached_baselines(work_dir: Path, tokenizer, tc: TrainConfig, max_len: int, *, poems_file=None, laws_db=None,
                     settings=None, split=None, reuse_from: Path | None = None) -> tuple[dict, list[str], int, int]:
    """(baseline metrics, held-out texts, train docs, held-out docs), computed once per checkpoint tokenizer.

    The 3-gram needs the whole training split; it does not change while the model trains, so the result
    (and the held-out texts) is cached in ``work_dir/baseline.json`` keyed by vocabulary and split settings.
    """
    path = Path(work_dir) / "baseline.json"
    key = _cache_key(tokenizer, tc, poems_file, laws_db, max_len)
    if split is None and path.is_file():
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            return cached["metrics"], cached["heldout"], cached["train_docs"], len(cached["heldout"])
    if split is None and reuse_from is not None:
        # The 3-gram depends only on the vocabulary and the split settings (the key); a card exported
        # from the same key already holds its numbers, so only the held-out texts need loading.
        prior = _card_baseline(Path(reuse_from), key, poems_file, laws_db, max_len)
        if prior is not None:
            split = load_split(settings, poems_file=poems_file, laws_db=laws_db, heldout_permille=tc.heldout_permille,
                               law_share=tc.law_share, regulated_oversample=tc.regulated_oversample, seed=tc.seed)
            held = [d.text for d in split.heldout]
            write_json(path, {"key": key, "metrics": prior, "heldout": held, "train_docs": len(split.train)})
            return prior, held, len(split.train), len(held)
    split = split or load_split(settings, poems_file=poems_file, laws_db=laws_db, heldout_permille=tc.heldout_permille,
                                law_share=tc.law_share, regulated_oversample=tc.regulated_oversample, seed=tc.seed)
    held = [d.text for d in split.heldout]
    log.info("fitting the 3-gram baseline on %d training documents", len(split.train))
    metrics = baselines(tokenizer, [d.text for d in split.train], held, max_len)
    write_json(path, {"key": key, "metrics": metrics, "heldout": held, "train_docs": len(split.train)})
    return metrics, held, len(split.train), len(held)


def load_checkpoint_model(work_dir: Path):
    """(model in fp32, tokenizer, state) from ``work_dir/checkpoint``."""
    state = ckpt.read_state(work_dir)
    tokenizer = load_tokenizer(Path(work_dir) / ckpt.CKPT / "tokenizer")
    model = new_model(ModelConfig(**state["model_config"]), len(tokenizer), seed=0, experts_implementation="eager")
    ckpt.load_model_weights(work_dir, model)
    model.eval()
    return model, tokenizer, state


def export_model(work_dir: str | Path, model_dir: str | Path, *, poems_file=None, laws_db=None, settings=None,
                 progress: bool = True, split=None, only_if_better: bool = False) -> Path | None:
    """Evaluate the checkpoint in ``work_dir`` and write the model directory ``model_dir`` atomically.

    A ``checkpoint/`` folder inside ``model_dir`` (the compact training snapshot) is carried over. With
    ``only_if_better``, nothing is replaced unless the held-out perplexity beats the one ``model_dir``'s
    card records; the evaluation is still written to ``work_dir/eval.json``. Returns None when not replaced.
    """
    work_dir, model_dir = Path(work_dir), Path(model_dir)
    model, tokenizer, state = load_checkpoint_model(work_dir)
    tc = TrainConfig(**{**state["train_config"], "betas": tuple(state["train_config"]["betas"])})
    poems_file = poems_file or state.get("poems_file")
    laws_db = laws_db or state.get("laws_db")
    torch.set_num_threads(max(1, tc.threads))
    max_len = model.config.max_position_embeddings
    base, held, _, _ = cached_baselines(work_dir, tokenizer, tc, max_len, poems_file=poems_file, laws_db=laws_db,
                                        settings=settings, split=split, reuse_from=model_dir)
    model.to(torch.bfloat16).to(torch.float32)  # score the weights exactly as shipped (bf16), computed in fp32
    log.info("scoring %d held-out poems with the model", len(held))
    res = evaluate_lm(model, tokenizer, held, batch_size=32, max_len=max_len, progress=progress)
    total, active = param_counts(model)
    metrics = {
        **tc.to_dict(),  # first: the evaluation results below must not be shadowed by config names
        **{k: v for k, v in base.items() if not k.startswith("ngram_doc")}, "model_loss": res.loss, "model_ppl": res.ppl, "eval_tokens": res.tokens, "scored_docs": res.docs,
        "expert_counts": res.expert_counts, "expert_shares": shares(torch.tensor(res.expert_counts)),
        "first_moe_layer": model.config.first_k_dense_replace, "params_total": total, "params_active": active,
        "vocab_size": len(tokenizer), "steps": state["step"], "tokens_seen": state["tokens_seen"],
        "train_seconds": state["train_seconds"], "stream_tokens": state["stream_tokens"],
        "train_docs": state["train_docs"], "poems_file": poems_file, "laws_db": laws_db, "heldout_docs": state["heldout_docs"], "config": state["model_config"],
    }
    metrics["cpu_seconds"] = state.get("cpu_seconds", 0.0)
    write_json(work_dir / "eval.json", metrics)
    log.info("checkpoint at %d tokens: held-out ppl %.2f (3-gram %.2f)", state["tokens_seen"], res.ppl, base["ngram_ppl"])
    shipped = model_dir / "eval.json"
    if only_if_better and shipped.is_file():
        before = json.loads(shipped.read_text(encoding="utf-8"))["model_ppl"]
        if res.ppl >= before:
            log.info("not exported: %.2f does not beat the shipped model's %.2f", res.ppl, before)
            return None
    records = read_log(work_dir / LOG_NAME)
    with atomic_dir(model_dir) as tmp:
        if (model_dir / ckpt.CKPT).is_dir():
            shutil.copytree(model_dir / ckpt.CKPT, tmp / ckpt.CKPT)
        model.to(torch.bfloat16)
        model.config.dtype = torch.bfloat16
        model.config._experts_implementation = None  # let the loader pick its default
        model.generation_config.update(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                                       pad_token_id=tokenizer.pad_token_id, do_sample=True, temperature=0.8,
                                       top_p=0.95, max_new_tokens=128)
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        if (work_dir / LOG_NAME).is_file():
            shutil.copyfile(work_dir / LOG_NAME, tmp / LOG_NAME)
        (tmp / "eval.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
        plot_loss(records, tmp / "loss_curve.png", baseline_loss=metrics["ngram_loss"])
        plot_experts(metrics["expert_shares"], tmp / "experts.png", metrics["first_moe_layer"])
        (tmp / "README.md").write_text(render_card(metrics), encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp makes the folder private; the shipped files are ordinary readable files
        for f in tmp.rglob("*"):
            f.chmod(0o755 if f.is_dir() else 0o644)
    log.info("model ppl %.2f vs 3-gram %.2f", metrics["model_ppl"], metrics["ngram_ppl"])
    return model_dir
