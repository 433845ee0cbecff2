"""Process-wide shared models and poetry pipelines, with a background warm-up, for long-running hosts.

A web server (``hanlin web``) serves many sessions from one process: :func:`shared_pipeline` keeps one
:class:`~pipelines.poetry.PoetryPipeline` per backend spec on :func:`pipelines.models.shared_llm`, so
pages and sessions share them. :func:`start_warmup` loads the pipeline's resources in a daemon thread
(started at server start, before the first page view), so the first poem does not pay for loading.

Example:
    >>> from pipelines.poetry.shared import shared_pipeline, start_warmup
    >>> w = start_warmup()                                        # doctest: +SKIP
    >>> w.wait(60); shared_pipeline().generate("春夜")[0].text     # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from pipelines.models import shared_llm

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_PIPES: dict[str | None, object] = {}
_WARMUPS: dict[str | None, "Warmup"] = {}

WARM_STEPS = ("lines", "llm", "decode", "index", "imagery")  # model first: a poem without a topic needs no index


def shared_pipeline(spec: str | None = None):
    """The process's :class:`~pipelines.poetry.PoetryPipeline` on :func:`~pipelines.models.shared_llm` ``(spec)`` (cheap: loads lazily)."""
    with _LOCK:
        if spec not in _PIPES:
            from .pipeline import PoetryPipeline

            _PIPES[spec] = PoetryPipeline.from_settings(llm_loader=lambda: shared_llm(spec))
        return _PIPES[spec]


@dataclass
class Warmup:
    """A background warm-up of one shared pipeline.

    Attributes:
        spec: the backend spec. created: ``time.time()`` when requested. started: when loading began
            (None while it waits for its gate). finished: at the end (None until then).
        spent: seconds per finished step. error: the message of the step that failed (the rest are skipped).
    """

    spec: str | None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    spent: dict = field(default_factory=dict)
    error: str | None = None
    thread: threading.Thread | None = None
    go: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> bool:
        return self.finished is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the warm-up ends (or ``timeout`` seconds pass); True when it has ended."""
        if self.thread is not None:
            self.thread.join(timeout)
        return self.done

    def release(self) -> None:
        """Let a gated warm-up start loading now (e.g. once the first page view has been served)."""
        self.go.set()

    def _run(self, steps: tuple[str, ...], gate) -> None:
        while gate is not None and not self.go.is_set():
            try:
                if gate():
                    break
            except Exception:  # noqa: BLE001 - a broken gate must not keep the model unloaded
                break
            self.go.wait(0.2)
        self.started = time.time()
        pipe = shared_pipeline(self.spec)
        try:
            for step in steps:
                self.spent.update(pipe.warm((step,)))
        except Exception as e:  # noqa: BLE001 - a later use reports the same error to the user
            self.error = str(e) or type(e).__name__
            log.warning("poetry warm-up (%s) stopped: %s", self.spec or "default", self.error)
        finally:
            self.finished = time.time()
            log.info("poetry warm-up (%s) done in %.1f s: %s", self.spec or "default",
                     self.finished - self.started, self.spent)


def start_warmup(spec: str | None = None, steps: tuple[str, ...] = WARM_STEPS, gate=None) -> Warmup:
    """Start (once per spec and process) warming the shared pipeline in a daemon thread; returns its :class:`Warmup`.

    Args:
        spec: the backend spec (None = the default model).
        steps: :meth:`~pipelines.poetry.PoetryPipeline.warm` steps, in order.
        gate: optional ``gate() -> bool``, polled every 0.2 s: loading begins once it returns True or
            :meth:`Warmup.release` is called. Loading takes the interpreter lock for seconds at a time
            (module imports), so a host starts it when it has nothing more urgent to do.

    A call for a spec whose warm-up is already waiting on its gate releases it.
    """
    with _LOCK:
        w = _WARMUPS.get(spec)
        if w is None:
            w = _WARMUPS[spec] = Warmup(spec)
            w.thread = threading.Thread(target=w._run, args=(tuple(steps), gate), name="hanlin-poetry-warmup",
                                        daemon=True)
            w.thread.start()
            return w
    w.release()
    return w


def warmup(spec: str | None = None) -> Warmup | None:
    """The warm-up started for ``spec`` in this process, if any."""
    return _WARMUPS.get(spec)
