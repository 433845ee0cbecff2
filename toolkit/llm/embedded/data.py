"""Training data: corpus records -> formatted documents, a deterministic held-out split, packed batches.

Poems come from ``toolkit.corpus`` (``poems.jsonl``), statute articles from ``laws.sqlite``; both are
turned into documents in the :mod:`.format` text format. A document is held out when the hash of its
id falls below ``heldout_permille`` / 1000, so the split is stable across runs, machines and resumes.
Regulated verse (五绝 七绝 五律 七律) is repeated ``regulated_oversample`` times in the training stream;
statute articles fill about ``law_share`` of the training characters.

Example:
    >>> is_heldout("poem-1", 1000), is_heldout("poem-1", 0)
    (True, False)
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .format import REGULATED_FORMS, format_document, poem_kind, poem_title


@dataclass(frozen=True)
class Document:
    id: str  # poem id or "law:<article id>"
    kind: str  # one of format.KINDS
    text: str  # the full formatted document, "<bos>...<eos>"


@dataclass(frozen=True)
class Split:
    train: tuple[Document, ...]  # unique training documents (poems and the statute share)
    heldout: tuple[Document, ...]  # held-out poems (perplexity is reported on these)
    regulated_oversample: int

    def train_stream_docs(self, seed: int) -> list[Document]:
        """Training documents with regulated forms repeated, shuffled deterministically."""
        docs = [d for d in self.train for _ in range(self.regulated_oversample if d.kind in _REGULATED else 1)]
        random.Random(seed).shuffle(docs)
        return docs


_REGULATED = frozenset(REGULATED_FORMS)


def is_heldout(doc_id: str, permille: int) -> bool:
    """Deterministic split: md5 of the id, modulo 1000, below ``permille``."""
    h = int.from_bytes(hashlib.md5(doc_id.encode("utf-8")).digest()[:8], "big")
    return h % 1000 < permille


def poem_documents(poems: Iterable) -> Iterator[Document]:
    """``PoemRecord``-like objects -> documents (empty poems are skipped)."""
    for p in poems:
        if not (p.text or "").strip():
            continue
        kind = poem_kind(p.form, p.tune)
        title = poem_title(kind, p.title, p.tune)
        yield Document(str(p.id), kind, format_document(kind, title, p.text))


def article_documents(articles: Iterable) -> Iterator[Document]:
    """Statute articles -> documents titled like ``民法典 第一条``."""
    for a in articles:
        if not (a.text or "").strip():
            continue
        name = a.short_name or a.law_name
        yield Document(f"law:{a.id}", "法", format_document("法", f"{name} {a.article_label}", a.text))


def build_split(poems: Iterable, articles: Iterable, heldout_permille: int = 10, law_share: float = 0.1,
                regulated_oversample: int = 2, seed: int = 1234) -> Split:
    """Split poems by id hash; add statute articles (training side only) up to ``law_share`` of characters.

    Args:
        poems: poem records (``id``, ``title``, ``text``, ``form``, ``tune``).
        articles: article records; held-out articles are never trained on either.
        heldout_permille: held-out share in 1/1000.
        law_share: target share of statute characters in the (oversampled) training stream.
        regulated_oversample: repeat count of regulated-verse documents.
        seed: shuffling seed for the statute sample.
    """
    train, heldout = [], []
    for d in poem_documents(poems):
        (heldout if is_heldout(d.id, heldout_permille) else train).append(d)
    poem_chars = sum(len(d.text) * (regulated_oversample if d.kind in _REGULATED else 1) for d in train)
    laws = [d for d in article_documents(articles) if not is_heldout(d.id, heldout_permille)]
    random.Random(seed).shuffle(laws)
    budget = poem_chars * law_share / max(1e-9, 1.0 - law_share)
    used = 0
    for d in laws:
        if used >= budget:
            break
        train.append(d)
        used += len(d.text)
    return Split(tuple(train), tuple(heldout), regulated_oversample)


def load_split(settings=None, poems_file: str | Path | None = None, laws_db: str | Path | None = None,
               **kw) -> Split:
    """:func:`build_split` over the pulled corpora (or the given files, e.g. test fixtures)."""
    from toolkit.corpus import iter_articles, iter_poems, read_articles, read_poems

    poems = read_poems(poems_file) if poems_file else iter_poems(settings)
    if laws_db:
        articles = read_articles(laws_db)
    elif poems_file:
        articles = []  # a fixture run: poems only unless a statute file is given too
    else:
        articles = iter_articles(settings)
    return build_split(poems, articles, **kw)


def encode_texts(tokenizer, texts: list[str], chunk: int = 4096) -> list[np.ndarray]:
    """Token ids of each text as compact int32 arrays.

    Encoded in chunks: a ``tokenizers.Encoding`` keeps strings and offsets per token (~100 bytes), so
    encoding tens of millions of characters at once would need gigabytes.
    """
    out: list[np.ndarray] = []
    backend = tokenizer.backend_tokenizer
    for i in range(0, len(texts), chunk):
        out.extend(np.asarray(e.ids, dtype=np.int32)
                   for e in backend.encode_batch(texts[i:i + chunk], add_special_tokens=False))
    return out


def encode_documents(tokenizer, docs: list[Document]) -> np.ndarray:
    """Concatenate the token ids of ``docs`` into one int32 stream (documents end in ``<eos>``)."""
    parts = encode_texts(tokenizer, [d.text for d in docs])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


def sample_batch(stream: np.ndarray, batch_size: int, seq_len: int, step: int, seed: int) -> np.ndarray:
    """``batch_size`` windows of ``seq_len`` tokens at random offsets; a pure function of (seed, step)
    so a resumed run sees exactly the batches the uninterrupted one would have."""
    rng = np.random.default_rng([seed, step])
    hi = len(stream) - seq_len
    if hi <= 0:
        raise ValueError(f"训练文本太短 (training stream of {len(stream)} tokens < seq_len {seq_len})")
    offs = rng.integers(0, hi, size=batch_size)
    return np.stack([stream[o:o + seq_len] for o in offs]).astype(np.int64)
