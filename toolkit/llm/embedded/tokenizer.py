"""A character-level tokenizer built with the ``tokenizers`` library and saved as ``tokenizer.json``.

Every character is one token (a ``WordLevel`` model over single characters, after a pre-tokenizer
that splits text into characters); characters outside the vocabulary become ``<unk>``. Special and
control tokens (``<bos>``, ``<七绝>``, ``<题>`` ...) are added tokens, matched before the split, so a
prompt built by :func:`~toolkit.llm.embedded.format.build_prompt` encodes to exactly the ids the model
was trained on. ``AutoTokenizer.from_pretrained(dir)`` loads the saved folder with no custom code.

Example:
    >>> tok = build_tokenizer(["床前明月光，疑是地上霜。"], min_count=1)
    >>> tok.decode(tok("<bos><五绝>床前")["input_ids"])
    '<bos><五绝>床前'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

from .format import BOS, CONTROL_TOKENS, EOS, PAD, SPECIAL_TOKENS, UNK

_MARKUP = re.compile("|".join(re.escape(t) for t in SPECIAL_TOKENS + CONTROL_TOKENS))

# Always in the vocabulary, however rare: poem punctuation, the line break, common ASCII.
ALWAYS = tuple("，。？！；、：“”‘’《》（）·…—\n ") + tuple("0123456789")


def count_chars(texts: Iterable[str]) -> Counter:
    """Character counts over ``texts`` (control tokens are not counted)."""
    counts: Counter = Counter()
    for t in texts:
        counts.update(_MARKUP.sub("", t))
    return counts


def vocab_from_counts(counts: Counter, min_count: int = 3, max_size: int | None = None) -> list[str]:
    """Special + control tokens, :data:`ALWAYS`, then characters with ``count >= min_count`` by frequency.

    Ties are broken by the character itself so the vocabulary is deterministic.
    """
    head = list(SPECIAL_TOKENS) + list(CONTROL_TOKENS)
    seen = set(head)
    vocab = head[:]
    for ch in ALWAYS:
        if ch not in seen:
            vocab.append(ch)
            seen.add(ch)
    ranked = sorted((c for c in counts if c not in seen and counts[c] >= min_count), key=lambda c: (-counts[c], c))
    if max_size is not None:
        ranked = ranked[: max(0, max_size - len(vocab))]
    return vocab + ranked


def make_tokenizer(vocab: list[str]):
    """A ``PreTrainedTokenizerFast`` over ``vocab`` (ids follow list order; the first four are special)."""
    from transformers import PreTrainedTokenizerFast

    tk = Tokenizer(models.WordLevel({t: i for i, t in enumerate(vocab)}, unk_token=UNK))
    # One pre-token per character; "\n" and spaces included ([\s\S] matches "\n" too).
    tk.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tk.decoder = decoders.Fuse()  # join characters with no spaces
    tk.add_special_tokens(list(SPECIAL_TOKENS) + list(CONTROL_TOKENS))
    return PreTrainedTokenizerFast(
        tokenizer_object=tk,
        bos_token=BOS,
        eos_token=EOS,
        unk_token=UNK,
        pad_token=PAD,
        additional_special_tokens=list(CONTROL_TOKENS),
        clean_up_tokenization_spaces=False,
        model_max_length=1024,
    )


def build_tokenizer(texts: Iterable[str], min_count: int = 3, max_size: int | None = None):
    """Count characters in ``texts`` and build the tokenizer (see :func:`vocab_from_counts`)."""
    return make_tokenizer(vocab_from_counts(count_chars(texts), min_count, max_size))


def save_tokenizer(tokenizer, directory: str | Path) -> None:
    """Write ``tokenizer.json``, ``tokenizer_config.json`` and ``special_tokens_map.json`` into ``directory``."""
    tokenizer.save_pretrained(str(directory))


def load_tokenizer(directory: str | Path):
    """Load a saved tokenizer exactly as any user would: ``AutoTokenizer.from_pretrained``."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(directory))
