"""A checkpoint's ``tokenizer.json`` through the ``tokenizers`` library alone (no transformers import).

It offers the part of the ``PreTrainedTokenizerFast`` interface Hanlin uses (encode, decode, vocabulary,
special-token ids, ``convert_ids_to_tokens``), reading special tokens from ``tokenizer_config.json`` the
way transformers does. ``tests/test_llm_numpy.py`` checks it encodes and decodes like ``AutoTokenizer``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from toolkit.errors import BackendError

SPECIALS = ("bos", "eos", "unk", "pad")


def lite_tokenizer_reason(directory: str | Path) -> str | None:
    """``None`` when :class:`LiteTokenizer` can stand in for ``AutoTokenizer`` on ``directory``, else why not."""
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


class LiteTokenizer:
    """``tokenizer.json`` + ``tokenizer_config.json`` of ``directory``.

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
