"""``PoetryPipeline``: generate (form guaranteed), check, continue, search and stream classical poems.

Example:
    >>> from pipelines.poetry import PoetryPipeline
    >>> pp = PoetryPipeline.from_settings()                       # doctest: +SKIP
    >>> poem = pp.generate("春夜", form="七绝", seed=1)[0]          # doctest: +SKIP
    >>> poem.report.ok                                            # doctest: +SKIP
    True
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

from toolkit.errors import DataMissingError, HanlinError, InvalidInputError
from toolkit.prosody import ProsodyReport, check, cipai_names, templates

from .constrained import fits
from .generate import Request, generate_constrained, split_lines, validate_group
from .records import Poem, SearchResult
from .topic import body_of, char_counts, inspirations, retrieve

log = logging.getLogger(__name__)

FORMS = ("五绝", "七绝", "五律", "七律")
SHAPES = {"五绝": (4, 5), "七绝": (4, 7), "五律": (8, 5), "七律": (8, 7)}
MAX_TOPIC = 200
MAX_N = 20


class PoetryPipeline:
    """The poetry pipeline over an LLM, the poem index and the corpus line set.

    Args:
        llm: a :class:`toolkit.llm.LLM` (the embedded model → constrained decoding; ``capable`` → prompt + repair).
        index: the poem :class:`~toolkit.index.HybridIndex` (None → opened lazily; missing → no retrieval).
        settings: :class:`toolkit.config.Settings`.
        line_set: a :class:`~pipelines.poetry.linehash.LineSet` (None → built lazily from the corpus).
        llm_loader: with ``llm=None``, a zero-argument callable returning the LLM, called once on first use
            (default: :func:`toolkit.llm.load_llm` for ``settings``).
    """

    def __init__(self, llm=None, index=None, settings=None, line_set=None, llm_loader=None):
        self.settings = settings
        self._llm_loader = llm_loader
        # resource name -> loaded value (None: tried and unavailable); absent until first use
        self._loaded = {k: v for k, v in (("llm", llm), ("index", index), ("lines", line_set)) if v is not None}
        # one lock per resource: concurrent first uses (web sessions, a warm-up thread) load it once
        self._locks = {k: threading.Lock() for k in ("llm", "index", "lines")}

    @classmethod
    def from_settings(cls, settings=None, llm=None, index=None, llm_loader=None) -> "PoetryPipeline":
        """A pipeline for ``settings`` (default :func:`toolkit.config.get_settings`); LLM and index load lazily."""
        return cls(llm=llm, index=index, settings=settings, llm_loader=llm_loader)

    # --- lazily loaded resources ---------------------------------------------------------------
    def _once(self, key: str, load, unavailable: tuple = (), what: str = ""):
        """``load()`` once per resource, under its own lock; ``unavailable`` errors leave None (logged),
        any other error propagates and the next use retries."""
        if key not in self._loaded:
            with self._locks[key]:
                if key not in self._loaded:
                    try:
                        value = load()
                    except unavailable as e:
                        log.warning("%s unavailable: %s", what, e)
                        value = None
                    self._loaded[key] = value
        return self._loaded[key]

    @property
    def llm(self):
        def load():
            if self._llm_loader is not None:
                return self._llm_loader()
            from toolkit.llm import load_llm

            return load_llm(settings=self.settings)

        return self._once("llm", load)

    @property
    def index(self):
        def load():
            from toolkit.index.corpus_indexes import open_index

            index = open_index("poems", self.settings)
            # One search under the lock builds the index's lazy search caches (seconds on the full
            # corpus), so concurrent first searches wait for it instead of each redoing it.
            retrieve(index, "春")
            return index

        return self._once("index", load, (HanlinError,), "poem index")

    @property
    def line_set(self):
        def load():
            from .linehash import line_set

            return line_set(self.settings)

        return self._once("lines", load, (DataMissingError,), "corpus lines (verbatim check off)")

    def warm(self, steps: tuple[str, ...] = ("lines", "llm", "index", "decode")) -> dict[str, float]:
        """Load the lazy resources now and prime their first-use caches, so a later first poem is fast.

        Args:
            steps: any of ``lines`` (corpus line set), ``llm`` (model), ``index`` (poem index, primed by
                one search), ``decode`` (the model vocabulary split by tone, for constrained decoding), run
                in the given order.

        Returns:
            Seconds spent per step.

        Raises:
            InvalidInputError: an unknown step.
        """
        valid = ("lines", "llm", "index", "decode")
        bad = [s for s in steps if s not in valid]
        if bad:
            raise InvalidInputError(f"未知的预热步骤 {bad} (unknown warm-up steps); 可选 (valid): {', '.join(valid)}")
        spent = {}
        for step in steps:
            t0 = time.perf_counter()
            if step == "lines":
                self.line_set  # noqa: B018 - loads
            elif step == "llm":
                self.llm  # noqa: B018
            elif step == "index":
                self.index  # noqa: B018 - opens and primes it
            elif not getattr(self.llm, "capable", False) and getattr(self.llm, "tokenizer", None) is not None:
                from .constrained import vocab_for

                vocab_for(self.llm.tokenizer)
            spent[step] = round(time.perf_counter() - t0, 3)
        return spent

    # --- validation ------------------------------------------------------------------------------
    @staticmethod
    def valid_forms() -> list[str]:
        return list(FORMS) + cipai_names()

    def _request(self, topic, form, keywords, acrostic, rhyme_group, n, seed, rhyme_book, start, notes) -> Request:
        if form not in FORMS:
            if form in cipai_names():
                if acrostic is not None:
                    raise InvalidInputError(f"词牌 {form!r} 不支持藏头 (acrostic only for 五绝 七绝 五律 七律)")
                if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
                    raise InvalidInputError(f"参数 n={n!r} 超出范围 (out of range); 有效范围 (valid range): 1 ≤ n ≤ {MAX_N}")
                topic = " ".join(str(topic or "").split())[:MAX_TOPIC]
                return Request(form, topic, (), None, None, n, seed, "cilin", None)
            raise InvalidInputError(f"未知的体裁 {form!r} (unknown form); 可选 (valid): {', '.join(self.valid_forms())}")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
            raise InvalidInputError(f"参数 n={n!r} 超出范围 (out of range); 有效范围 (valid range): 1 ≤ n ≤ {MAX_N}")
        if start not in (None, "平起", "仄起"):
            raise InvalidInputError(f"未知的起式 {start!r} (unknown start); 可选 (valid): 平起, 仄起")
        topic = " ".join(str(topic or "").split())
        if len(topic) > MAX_TOPIC:
            notes.append(f"题目过长 ({len(topic)} 字), 已截取前 {MAX_TOPIC} 字 (topic truncated)")
            topic = topic[:MAX_TOPIC]
        if isinstance(keywords, str):
            keywords = [k for k in keywords.replace("，", ",").split(",")]
        keywords = tuple(k.strip() for k in keywords if k and k.strip())
        if acrostic is not None:
            acrostic = "".join(split_lines(acrostic)) or None
        n_lines = SHAPES[form][0]
        if acrostic is not None and len(acrostic) != n_lines:
            raise InvalidInputError(f"藏头字数 {len(acrostic)} ('{acrostic}') 与{form}的句数 {n_lines} 不符 "
                                    f"(acrostic length must equal the number of lines)")
        return Request(form, topic, keywords, acrostic, validate_group(rhyme_group, rhyme_book), n, seed,
                       rhyme_book, start)

    # --- public API ------------------------------------------------------------------------------
    def generate(self, topic: str | None = None, form: str = "七绝", keywords=(), acrostic: str | None = None,
                 rhyme_group: str | None = None, n: int = 1, seed: int | None = None, rhyme_book: str = "pingshui",
                 start: str | None = None, on_draft: Callable[[list[str]], None] | None = None) -> list[Poem]:
        """Generate ``n`` poems that keep length, rhyme and 平仄 of ``form``.

        Args:
            topic: 题目/主题 (empty → free generation; longer than 200 chars → truncated with a note).
            form: 五绝 七绝 五律 七律.
            keywords: words that must appear (placed in tone-compatible positions).
            acrostic: 藏头 characters, one per line.
            rhyme_group: a level-tone group of ``rhyme_book`` (default: from similar poems).
            n: 1..20 poems. seed: reproducible sampling. start: 平起 or 仄起.
            on_draft: called while the embedded model decodes, after every character, with the texts
                so far of all drafts in the sampling batch (the returned poems are the best of them,
                ranked); this is the token stream. Other backends call it once with the finished texts.

        Raises:
            InvalidInputError: unknown form/group/start, bad ``n``, acrostic of the wrong length.
        """
        notes: list[str] = []
        req = self._request(topic, form, keywords, acrostic, rhyme_group, n, seed, rhyme_book, start, notes)
        return self._run(req, notes, on_draft)

    def _run(self, req: Request, notes: list[str], on_draft=None) -> list[Poem]:
        hits = retrieve(self.index, req.topic) if req.topic else []
        counts = char_counts(hits, req.topic)
        insp = inspirations(hits)
        if req.form not in FORMS and not getattr(self.llm, "capable", False):
            from .ci import generate_ci

            poems = generate_ci(self.llm, req, counts, self.line_set, notes, on_draft=on_draft)
        elif getattr(self.llm, "capable", False) and not req.opening:
            from .capable import generate_capable

            poems = generate_capable(self.llm, req, self.line_set, notes)
            if on_draft is not None and poems:
                on_draft([p.text for p in poems])
        else:
            poems = generate_constrained(self.llm, req, hits, counts, self.line_set, notes, on_draft=on_draft)
        return [Poem(p.text, p.form, p.report, p.score, insp, p.copied_lines, p.notes, p.rhyme_group, p.template)
                for p in poems]

    def check(self, text: str, form: str | None = None, rhyme_book: str = "pingshui") -> ProsodyReport:
        """The prosody report of ``text`` (delegates to :func:`toolkit.prosody.check`)."""
        return check(text, form=form, rhyme_book=rhyme_book)

    def continue_poem(self, opening: str, form: str | None = None, n: int = 1, seed: int | None = None,
                      topic: str | None = None, rhyme_book: str = "pingshui",
                      on_draft: Callable[[list[str]], None] | None = None) -> list[Poem]:
        """Complete a poem from its first line(s): form, template and rhyme inferred from them.

        ``on_draft`` as in :meth:`generate` (draft texts start with the opening).

        Raises:
            InvalidInputError: no line given, lines of unequal or non-5/7 length, too many lines.
        """
        lines = split_lines(opening or "")
        if not lines:
            raise InvalidInputError("请给出至少一句开头 (opening needs at least one line)")
        length = len(lines[0])
        if length not in (5, 7) or any(len(l) != length for l in lines):
            raise InvalidInputError(f"开头各句须同为五言或七言 (lines must all have 5 or 7 characters): {'/'.join(lines)}")
        if form is None:
            form = ("五" if length == 5 else "七") + ("绝" if len(lines) < 4 else "律")
        if form not in FORMS or SHAPES[form][1] != length or len(lines) >= SHAPES[form][0]:
            raise InvalidInputError(f"开头 ({len(lines)} 句 × {length} 字) 与体裁 {form!r} 不符 (opening does not fit form); "
                                    f"可选 (valid): {', '.join(f for f in FORMS if SHAPES[f][1] == length)}")
        notes: list[str] = []
        req = self._request(topic or "", form, (), None, None, n, seed, rhyme_book, None, notes)
        tpl = min(templates(form), key=lambda t: fits(t, lines, rhyme_book))
        req.opening, req.opening_template = tuple(lines), tpl
        if fits(tpl, lines, rhyme_book):
            notes.append(f"开头与模板「{tpl.name}」有平仄不合之处 (opening breaks the template; kept as given)")
        for i, l in enumerate(lines):
            if tpl.lines[i].rhyme:
                from toolkit.prosody import groups_of

                g = groups_of(l[-1], rhyme_book, level_only=True)
                if g:
                    req.rhyme_group = g[0]
                    notes.append(f"韵部「{g[0]}」取自开头的韵脚「{l[-1]}」 (rhyme group from the opening)")
                    break
        return self._run(req, notes, on_draft)

    def search(self, query: str, k: int = 10, author: str | None = None, dynasty: str | None = None,
               form: str | None = None) -> list[SearchResult]:
        """Hybrid (keyword + meaning) search over the poem corpus with optional filters.

        Raises:
            DataMissingError: the poem index has not been built (``hanlin index build``).
        """
        if not str(query or "").strip():
            raise InvalidInputError("查询为空 (empty query)")
        if not 1 <= int(k) <= 200:
            raise InvalidInputError(f"参数 k={k!r} 超出范围 (out of range); 有效范围 (valid range): 1 ≤ k ≤ 200")
        if self.index is None:
            raise DataMissingError("诗词索引不存在, 请先运行 hanlin index build (run `hanlin index build` first)")
        where = {key: v for key, v in (("author", author), ("dynasty", dynasty), ("form", form)) if v}
        hits = self.index.search(query, k=k, where=where or None)
        out = []
        for h in hits:
            m = h.metadata or {}
            out.append(SearchResult(str(m.get("id", h.id)), m.get("title", ""), m.get("author", ""),
                                    m.get("dynasty", ""), m.get("form"), body_of(h), float(h.score), m.get("tune")))
        return out

    def stream(self, topic: str | None = None, **kw) -> Iterator[str]:
        """Generate one poem (``n`` ignored) and yield it line by line (each piece ends with its punctuation)."""
        kw["n"] = 1
        poem = self.generate(topic, **kw)[0]
        for line in poem.text.split("\n"):
            yield line + "\n"

    def as_runnable(self):
        """A langchain-core Runnable: input str (topic) or dict (generate's arguments); output the poem text."""
        from .runnable import poetry_runnable

        return poetry_runnable(self)
