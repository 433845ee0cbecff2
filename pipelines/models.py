"""The process's models, one per backend spec, shared by every pipeline, page and session.

A long-running host (``hanlin web``, ``hanlin serve``) loads each model once; pipelines that are
given no model load theirs through :func:`shared_llm` too, so a page switch never loads a second copy.

Example:
    >>> llm = shared_llm()              # doctest: +SKIP  (the embedded default, or settings.llm)
    >>> llm is shared_llm(None)          # doctest: +SKIP
    True
"""

from __future__ import annotations

import threading

from toolkit.llm import LLM, load_llm

_LOCK = threading.Lock()
_LLMS: dict[str | None, LLM] = {}
_LOADING: dict[str | None, threading.Lock] = {}


def shared_llm(spec: str | None = None) -> LLM:
    """The process's LLM for ``spec`` (None = settings.llm or the embedded model), loaded once.

    Two callers asking for a model that is still loading wait for the same load.

    Raises:
        DataMissingError, BackendError: as :func:`toolkit.llm.load_llm` (not cached: the next call retries).
    """
    with _LOCK:
        if spec in _LLMS:
            return _LLMS[spec]
        lock = _LOADING.setdefault(spec, threading.Lock())
    with lock:
        if spec not in _LLMS:
            _LLMS[spec] = load_llm(spec)
        return _LLMS[spec]
