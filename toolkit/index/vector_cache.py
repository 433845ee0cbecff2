"""A disk cache of text vectors keyed by (model, text), so a fixed corpus is encoded once per machine.

Each :meth:`VectorCache.put` writes one ``.npz`` shard (keys + float32 vectors, no pickle) atomically,
so a long encode that is interrupted keeps every finished shard: the next run encodes only the rest.
A shard that fails to load or check (truncated, wrong shape, non-finite values, foreign file) is
deleted with a warning and its texts are encoded again, never trusted.

Example:
    >>> import tempfile, numpy as np
    >>> c = VectorCache(tempfile.mkdtemp(), "demo-model", dim=2)
    >>> c.put(["甲"], np.array([[1.0, 0.0]], dtype=np.float32))
    >>> vecs, missing = c.get(["甲", "乙"])
    >>> missing
    [1]
"""

from __future__ import annotations

import hashlib
import logging
import os
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from ..atomic import atomic_path

log = logging.getLogger(__name__)

KEY_BYTES = 16  # blake2b digest size: 128 bits keep collisions out of reach for any corpus here


def text_key(model_id: str, text: str) -> bytes:
    """The cache key of ``text`` under ``model_id`` (a change of model invalidates every vector)."""
    return hashlib.blake2b(f"{model_id}\0{text}".encode("utf-8"), digest_size=KEY_BYTES).digest()


class VectorCache:
    """Vectors of texts for one model, in ``folder/<model hash>/shard-*.npz``.

    Args:
        folder: cache root (shared by models; each model gets its own sub-folder).
        model_id: identifies the model exactly (name, version, weights hash).
        dim: vector size; shards of another size count as corrupt.
    """

    def __init__(self, folder: str | Path, model_id: str, dim: int):
        self.model_id, self.dim = model_id, int(dim)
        sub = hashlib.blake2b(model_id.encode("utf-8"), digest_size=8).hexdigest()
        self.folder = Path(folder).expanduser() / sub
        self._vecs: dict[bytes, np.ndarray] | None = None

    def _load(self) -> dict[bytes, np.ndarray]:
        if self._vecs is not None:
            return self._vecs
        vecs: dict[bytes, np.ndarray] = {}
        for path in sorted(self.folder.glob("shard-*.npz")):
            try:
                with np.load(path, allow_pickle=False) as z:
                    keys, arr = z["keys"], z["vectors"]
                ok = (keys.dtype == np.dtype(f"S{KEY_BYTES}") and arr.dtype == np.float32 and arr.ndim == 2
                      and arr.shape == (len(keys), self.dim) and bool(np.isfinite(arr).all()))
                if not ok:
                    raise ValueError(f"unexpected shapes/types {keys.dtype} {arr.dtype} {arr.shape}")
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
                log.warning("向量缓存损坏，已删除并将重新编码 (corrupt vector cache shard removed, "
                            "its texts will be re-encoded): %s: %s", path, e)
                path.unlink(missing_ok=True)
                continue
            for k, v in zip(keys.tolist(), arr):
                vecs[k] = v
        self._vecs = vecs
        return vecs

    def __len__(self) -> int:
        return len(self._load())

    def get(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """``(vectors, missing)``: an ``(n, dim)`` array (zero rows where missing) and the missing positions."""
        vecs = self._load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, t in enumerate(texts):
            v = vecs.get(text_key(self.model_id, t))
            if v is None:
                missing.append(i)
            else:
                out[i] = v
        return out, missing

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` for ``texts`` as one new shard (atomic: a crash leaves no half shard)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(texts), self.dim):
            raise ValueError(f"vectors shape {vectors.shape} != ({len(texts)}, {self.dim})")
        if not len(texts):
            return
        keys = np.array([text_key(self.model_id, t) for t in texts], dtype=f"S{KEY_BYTES}")
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"shard-{hashlib.blake2b(keys.tobytes(), digest_size=8).hexdigest()}.npz"
        with atomic_path(self.folder / name, suffix=".npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, keys=keys, vectors=vectors)
        vecs = self._load()
        for k, v in zip(keys.tolist(), vectors):
            vecs[k] = v


def default_cache_dir() -> Path:
    """``$HANLIN_VECTOR_CACHE`` or ``~/.cache/hanlin/vectors`` (outside the repo: shared by clones)."""
    return Path(os.environ.get("HANLIN_VECTOR_CACHE") or os.path.expanduser("~/.cache/hanlin/vectors"))
