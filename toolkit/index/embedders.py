"""Embedders: one small interface, a registry keyed by ``kind``, save/load without pickle.

An embedder turns texts into L2-normalised float32 vectors. ``fit`` is a no-op for pretrained models
and learns the model for :class:`~toolkit.index.lsa.LSAEmbedder`.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import DataMissingError

SPEC_FILE = "embedder.json"


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)


class Embedder(ABC):
    """Texts → L2-normalised ``float32`` vectors of size :attr:`dim`."""

    kind: str = ""  # registry key written to embedder.json
    needs_fit: bool = False  # True when embed() needs fit() first

    @property
    @abstractmethod
    def dim(self) -> int:
        """Vector size (0 while unfitted)."""

    @property
    def fitted(self) -> bool:
        return True

    def fit(self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None) -> "Embedder":
        """Learn from a corpus (no-op for pretrained models). ``tokens`` may pass precomputed search tokens."""
        return self

    @abstractmethod
    def embed(self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        """Embed ``texts``; returns an ``(n, dim)`` float32 array with unit-length rows."""

    def embed_query(self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        """Embed search queries (models trained with query/passage prefixes override this)."""
        return self.embed(texts, tokens)

    def spec(self) -> dict:
        """JSON-able description stored in manifests."""
        return {"kind": self.kind, "dim": self.dim}

    @abstractmethod
    def save(self, folder: str | Path) -> list[str]:
        """Write the model into ``folder``; returns the file names written (``embedder.json`` first)."""

    @classmethod
    @abstractmethod
    def load(cls, folder: str | Path, segmenter=None) -> "Embedder":
        """Read a model written by :meth:`save`."""


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model in a *local* directory (never downloads).

    Args:
        path: the model directory (with ``modules.json`` / ``config.json``).
        batch_size: encode batch size.
        trust_remote_code: pass-through; only when the user enabled it in settings.

    Example:
        >>> emb = SentenceTransformerEmbedder("data/models/bge-small-zh")  # doctest: +SKIP
        >>> emb.embed(["借款合同"]).shape  # doctest: +SKIP
        (1, 512)
    """

    kind = "sentence-transformers"

    def __init__(self, path: str | Path, batch_size: int = 32, trust_remote_code: bool = False):
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise DataMissingError(f"找不到向量模型目录 (embedding model directory not found): {self.path}; 只支持本地路径 (local paths only)")
        self.batch_size = batch_size
        self.trust_remote_code = trust_remote_code
        self._model = None

    @property
    def model(self):
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise DataMissingError(
                    "需要安装 sentence-transformers (missing optional dependency): pip install sentence-transformers"
                ) from None
            self._model = SentenceTransformer(
                str(self.path), device="cpu", local_files_only=True, trust_remote_code=self.trust_remote_code
            )
        return self._model

    @property
    def dim(self) -> int:
        m = self.model
        get = getattr(m, "get_sentence_embedding_dimension", None) or getattr(m, "get_embedding_dimension")
        return int(get())

    def embed(self, texts, tokens=None) -> np.ndarray:
        vecs = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return l2_normalise(vecs.reshape(len(texts), -1))

    def spec(self) -> dict:
        return {"kind": self.kind, "path": str(self.path), "dim": self.dim}

    def save(self, folder) -> list[str]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SPEC_FILE).write_text(json.dumps({"kind": self.kind, "path": str(self.path), "batch_size": self.batch_size}), encoding="utf-8")
        return [SPEC_FILE]

    @classmethod
    def load(cls, folder, segmenter=None) -> "SentenceTransformerEmbedder":
        spec = json.loads((Path(folder) / SPEC_FILE).read_text(encoding="utf-8"))
        return cls(spec["path"], batch_size=spec.get("batch_size", 32))
