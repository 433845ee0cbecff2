"""Held-out evaluation of a causal LM on formatted documents: per-character perplexity and expert load.

Only the body is scored: every token after ``<文>`` through ``<eos>``, each conditioned on everything
before it in its own document (prompt included). The 3-gram baseline (:mod:`.ngram`) scores exactly the
same positions, so the two perplexities compare like with like.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .balance import expert_counts
from .format import BODY


@dataclass(frozen=True)
class EvalResult:
    nll: float  # summed negative log-likelihood (nats) over scored tokens
    tokens: int  # scored tokens (body characters + <eos>)
    docs: int
    expert_counts: list[list[int]] | None  # (MoE layers, experts) top-k assignments over all real tokens

    @property
    def loss(self) -> float:
        return self.nll / max(1, self.tokens)

    @property
    def ppl(self) -> float:
        return math.exp(self.loss)


def body_start(ids: list[int], body_id: int) -> int:
    """Index of the first scored token (the one after ``<文>``); 1 if there is no ``<文>``."""
    try:
        return ids.index(body_id) + 1
    except ValueError:
        return 1


@torch.no_grad()
def evaluate_lm(model, tokenizer, texts: list[str], batch_size: int = 16, max_len: int | None = None,
                progress: bool = False) -> EvalResult:
    """Score ``texts`` (formatted documents) with ``model``.

    Args:
        model: a causal LM (router statistics are collected when it is an MoE with router logits).
        tokenizer: the model's tokenizer.
        texts: formatted documents (``<bos>...<eos>``).
        batch_size: documents per forward pass.
        max_len: documents are cut to this many tokens (default: the model's position limit).
        progress: show a tqdm bar.
    """
    from tqdm import tqdm

    model.eval()
    body_id = tokenizer.convert_tokens_to_ids(BODY)
    pad = tokenizer.pad_token_id or 0
    max_len = max_len or getattr(model.config, "max_position_embeddings", 512)
    top_k = getattr(model.config, "num_experts_per_tok", None)
    encoded = [e.ids[:max_len] for e in tokenizer.backend_tokenizer.encode_batch(texts, add_special_tokens=False)]
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))  # similar lengths batch together
    nll, n_tok, counts = 0.0, 0, None
    for b in tqdm(range(0, len(order), batch_size), disable=not progress, desc="eval", unit="batch"):
        batch = [encoded[i] for i in order[b:b + batch_size]]
        width = max(len(x) for x in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        score = torch.zeros((len(batch), width), dtype=torch.bool)
        for r, x in enumerate(batch):
            ids[r, :len(x)] = torch.tensor(x)
            mask[r, :len(x)] = 1
            score[r, body_start(x, body_id):len(x)] = True
        out = model(input_ids=ids, attention_mask=mask, output_router_logits=top_k is not None)
        logp = F.log_softmax(out.logits[:, :-1].float(), dim=-1)
        tgt = ids[:, 1:]
        tok_nll = -logp.gather(-1, tgt.unsqueeze(-1)).squeeze(-1)
        sel = score[:, 1:]
        nll += float(tok_nll[sel].sum())
        n_tok += int(sel.sum())
        if top_k and getattr(out, "router_logits", None):
            c = expert_counts(out.router_logits, top_k, mask)
            counts = c if counts is None else counts + c
    return EvalResult(nll, n_tok, len(texts), counts.tolist() if counts is not None else None)
