"""A jieba segmenter that owns its own tokenizer instance (never jieba's global state).

Two interchangeable backends with the same dictionary and the same output:

- ``jieba``: a private ``jieba.Tokenizer()``. It builds its prefix dictionary on first use (1–5 s on
  this machine); we defer that until the first ``cut`` and keep jieba's prefix-dict cache under
  ``settings.cache_dir/jieba``.
- ``rjieba``: the Rust port (``rjieba.Jieba()``), ~12× faster to segment and ~10× faster to start;
  on 3,000 statute articles its output was identical to jieba's. ``backend="auto"`` (default) uses it
  when installed. The index records the backend in its manifest.

User dictionaries (jieba format ``word [freq] [tag]`` per line) add domain words: law names, legal
terms, poet names, 词牌 names.

Example:
    >>> seg = Segmenter(dicts=())
    >>> seg.cut("中华人民共和国民法典")
    ['中华人民共和国', '民法典']
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Iterable

from ..errors import InvalidInputError
from .tokens import keep_token

log = logging.getLogger(__name__)

# Dictionaries the data helper writes to ``settings.dicts_dir``; loaded when present.
DEFAULT_DICT_NAMES = ("laws", "legal_terms", "poets", "cipai")
# Ordinals and numbers written in Chinese numerals (第四十七条, 一千一百六十五, 第三款之一).
_NUMERAL = re.compile(r"^第?[〇零一二三四五六七八九十百千万两\d]+(?:[条款项章节编部卷]|之[一二三四五六七八九十]+)*$")


BACKENDS = ("auto", "jieba", "rjieba")
MEMO_MAX = 1_000_000  # distinct words whose search tokens a Segmenter remembers (≈ 200 MB at most)


def _read_userdict(path: Path) -> list[tuple[str, int | None, str | None]]:
    """Parse a jieba user dictionary: ``word [freq] [tag]`` per line (as jieba.load_userdict does)."""
    out = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.strip().split()
        if not parts:
            continue
        word, freq, tag = parts[0], None, None
        rest = parts[1:]
        if rest and rest[0].isdigit():
            freq = int(rest.pop(0))
        if rest:
            tag = rest[0]
        out.append((word, freq, tag))
    return out


class Segmenter:
    """Chinese word segmentation with optional user dictionaries.

    Args:
        dicts: user dictionary files to load (missing files are an error here; use
            :func:`default_segmenter` to load whichever of the standard ones exist).
        words: extra words to add (e.g. names known only at run time).
        hmm: let jieba guess unknown words with its HMM (slower, better on names).
        cache_dir: where jieba caches its prefix dictionary (``None`` = the temp dir).
        backend: ``"auto"`` (rjieba when installed, else jieba), ``"jieba"`` or ``"rjieba"``.

    Example:
        >>> Segmenter(dicts=()).cut("借钱不还怎么办")
        ['借钱', '不', '还', '怎么办']
    """

    def __init__(
        self,
        dicts: Iterable[str | Path] = (),
        words: Iterable[str] = (),
        hmm: bool = True,
        cache_dir: str | Path | None = None,
        backend: str = "auto",
    ):
        if backend not in BACKENDS:
            raise InvalidInputError(f"未知的分词后端 '{backend}' (unknown segmenter backend); 可选 (valid): {', '.join(BACKENDS)}")
        if backend == "auto":
            try:
                import rjieba  # noqa: F401

                backend = "rjieba"
            except ImportError:
                backend = "jieba"
        self.backend = backend
        self.dicts = tuple(Path(d) for d in dicts)
        for d in self.dicts:
            if not d.is_file():
                raise InvalidInputError(f"找不到用户词典 (user dictionary not found): {d}")
        self.words = tuple(words)
        self.hmm = hmm
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._tk = None
        self._has_word = None
        self._lock = threading.Lock()
        self._memo: dict[str, tuple[str, ...]] = {}  # word -> its search tokens (see search_tokens)
        self._added: list[tuple[str, int | None, str | None]] = []  # add_word calls, replayed after unpickling

    @property
    def tokenizer(self):
        """The underlying ``jieba.Tokenizer`` (or ``rjieba.Jieba``), initialised on first access."""
        if self._tk is None:
            with self._lock:
                if self._tk is None:
                    self._tk = self._build()
        return self._tk

    def _build(self):
        if self.backend == "rjieba":
            import rjieba

            tk = rjieba.Jieba()
            for d in self.dicts:
                for word, freq, tag in _read_userdict(d):
                    tk.add_word(word, freq, tag)
            for w in self.words:
                tk.add_word(w, None, None)
            self._has_word = tk.has_word
            return tk
        import jieba

        jieba.setLogLevel(logging.WARNING)  # silence "Building prefix dict..." chatter
        tk = jieba.Tokenizer()
        if self.cache_dir is not None:
            try:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                tk.tmp_dir = str(self.cache_dir)
            except OSError as e:  # a read-only cache dir only costs speed
                log.warning("jieba cache dir unusable (%s): %s", self.cache_dir, e)
        tk.initialize()
        for d in self.dicts:
            tk.load_userdict(str(d))
        for w in self.words:
            tk.add_word(w)
        freq = tk.FREQ
        self._has_word = lambda w: bool(freq.get(w))
        return tk

    def cut(self, text: str) -> list[str]:
        """Segment ``text`` into words (jieba precise mode), whitespace tokens included."""
        if self.backend == "rjieba":
            return self.tokenizer.cut(text, self.hmm)
        return self.tokenizer.lcut(text, HMM=self.hmm)

    def _parts(self, w: str) -> list[str]:
        """``w``'s in-dictionary 2/3-char parts followed by ``w`` itself (search mode for one word)."""
        n = len(w)
        if n <= 2 or _NUMERAL.match(w):  # 第四十七条 must not yield 四十, 七条 ...
            return [w]
        has = self._has_word
        out = [g for i in range(n - 1) if has(g := w[i : i + 2])]
        if n > 3:
            out.extend(g for i in range(n - 2) if has(g := w[i : i + 3]))
        out.append(w)
        return out

    def cut_for_search(self, text: str) -> list[str]:
        """Segment for indexing: precise-mode words plus their in-dictionary 2/3-char parts.

        ``劳动合同法`` → ``劳动, 合同, 劳动合同, 劳动合同法`` so that a query for 劳动合同 still
        matches an article that names the whole law.
        """
        words = self.cut(text)  # initialises the tokenizer and _has_word
        out: list[str] = []
        for w in words:
            out.extend(self._parts(w))
        return out

    def search_tokens(self, text: str) -> list[str]:
        """Exactly ``toolkit.text.search_tokens(text, self)`` (default stopwords), memoised per word.

        Search mode and the token filter only ever look at one word at a time, so each distinct
        word's tokens are computed once and then reused: indexing a corpus costs little more than
        jieba's own ``cut``. The memo is dropped when a word is added (and when it grows past
        ``MEMO_MAX`` words).
        """
        words = self.cut(text)
        memo = self._memo
        if len(memo) > MEMO_MAX:
            memo.clear()
        parts = list(map(memo.get, words))  # no Python-level step per word unless it is new
        if None in parts:
            for i, p in enumerate(parts):
                if p is None:
                    w = words[i]
                    p = memo.get(w)
                    if p is None:
                        p = memo[w] = tuple(t for t in (x.strip().lower() for x in self._parts(w)) if keep_token(t))
                    parts[i] = p
        return list(chain.from_iterable(parts))

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Add one word to this segmenter only."""
        self.tokenizer.add_word(word, freq, tag)
        self._added.append((word, freq, tag))
        self._memo = {}
        if self.backend == "jieba":
            freq_map = self.tokenizer.FREQ
            self._has_word = lambda w: bool(freq_map.get(w))

    __call__ = cut

    def __getstate__(self) -> dict:
        """The recipe, not the tokenizer: a worker process rebuilds an identical segmenter from it."""
        return {"dicts": self.dicts, "words": self.words, "hmm": self.hmm, "cache_dir": self.cache_dir,
                "backend": self.backend, "added": list(self._added)}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["dicts"], state["words"], state["hmm"], state["cache_dir"], state["backend"])
        for word, freq, tag in state["added"]:
            self.add_word(word, freq, tag)

    def spec(self) -> dict:
        """A JSON-able description (stored in index manifests)."""
        return {"backend": self.backend, "dicts": [d.name for d in self.dicts], "hmm": self.hmm, "words": len(self.words)}

    def __repr__(self) -> str:
        return f"Segmenter(backend={self.backend!r}, dicts={[d.name for d in self.dicts]}, hmm={self.hmm})"


@lru_cache(maxsize=4)
def _cached(dicts: tuple[str, ...], cache_dir: str) -> Segmenter:
    return Segmenter(dicts=dicts, cache_dir=cache_dir)


def default_segmenter(settings=None) -> Segmenter:
    """The shared segmenter: jieba plus whichever of ``data/dicts/{laws,legal_terms,poets,cipai}.txt`` exist.

    Cached per (dictionaries, cache dir); jieba itself is only initialised on the first ``cut``.

    Args:
        settings: :class:`toolkit.config.Settings` (default: ``get_settings()``).
    """
    from ..config import get_settings

    s = settings or get_settings()
    found = tuple(str(s.dicts_dir / f"{n}.txt") for n in DEFAULT_DICT_NAMES if (s.dicts_dir / f"{n}.txt").is_file())
    return _cached(found, str(s.cache_dir / "jieba"))
