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
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

from toolkit.errors import DataMissingError, HanlinError, InvalidInputError
from toolkit.prosody import REGULATED_FORMS, SHAPES, ProsodyReport, check, cipai_names, templates

from .constrained import fits
from .generate import Request, split_lines, usable_group, validate_group
from .plan import PoemPlan
from .records import Poem, SearchResult
from .topic import body_of, char_counts, inspirations, retrieve

log = logging.getLogger(__name__)

FORMS = REGULATED_FORMS
MAX_TOPIC = 200
MAX_N = 20
CANDIDATES_MIN, CANDIDATES_MAX = 8, 32  # sampled per request (4 per poem asked for), then reranked
PLAN_HITS = 50  # poems retrieved for a topic: the sample its keywords' PMI is measured on


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

    def __init__(self, llm=None, index=None, settings=None, line_set=None, llm_loader=None, imagery=None):
        self.settings = settings
        self._llm_loader = llm_loader
        # resource name -> loaded value (None: tried and unavailable); absent until first use
        self._loaded = {k: v for k, v in (("llm", llm), ("index", index), ("lines", line_set), ("imagery", imagery))
                        if v is not None}
        # one lock per resource: concurrent first uses (web sessions, a warm-up thread) load it once
        self._locks = {k: threading.Lock() for k in ("llm", "index", "lines", "imagery")}

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

    @property
    def imagery(self):
        """The corpus word table behind keyword planning (:mod:`.imagery`); None when the corpus is absent."""
        def load():
            from .imagery import imagery

            return imagery(self.settings)

        return self._once("imagery", load, (DataMissingError,), "poem imagery (keywords only from the user)")

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
        valid = ("lines", "llm", "index", "decode", "imagery")
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
            elif step == "imagery":
                self.imagery  # noqa: B018
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
                    raise InvalidInputError(f"词牌 {form!r} 不支持藏头 (acrostic only for {' '.join(FORMS)})")
                if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
                    raise InvalidInputError(f"参数 n={n!r} 超出范围 (out of range); 有效范围 (valid range): 1 ≤ n ≤ {MAX_N}")
                topic = " ".join(str(topic or "").split())[:MAX_TOPIC]
                return Request(form, topic, (), None, None, n, seed, "cilin", None)
            raise InvalidInputError(f"未知的体裁 {form!r} (unknown form); 可选 (valid): {', '.join(self.valid_forms())}")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
            raise InvalidInputError(f"参数 n={n!r} 超出范围 (out of range); 有效范围 (valid range): 1 ≤ n ≤ {MAX_N}")
        if start not in (None, "平起", "仄起"):
            raise InvalidInputError(f"未知的起式 {start!r} (unknown start); 可选 (valid): 平起, 仄起")
        from .planner import clean_topic

        topic, tnotes = clean_topic(" ".join(str(topic or "").split()))
        notes.extend(tnotes)
        if len(topic) > MAX_TOPIC:
            notes.append(f"题目过长 ({len(topic)} 字), 已截取前 {MAX_TOPIC} 字 (topic truncated)")
            topic = topic[:MAX_TOPIC]
        if isinstance(keywords, str):
            keywords = [k for k in keywords.replace("，", ",").split(",")]
        keywords = tuple(k.strip() for k in keywords if k and k.strip())
        if acrostic is not None:
            bad = [ch for ch in str(acrostic) if not ch.isspace() and ch not in "，。、,.;；/|" and
                   not ("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")]
            if bad:
                raise InvalidInputError(f"藏头只能是汉字, 「{''.join(bad)}」不是 (acrostic characters must be Chinese; "
                                        f"not: {' '.join(repr(c) for c in bad)})")
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
                 start: str | None = None, on_draft: Callable[[list[str]], None] | None = None,
                 plan: PoemPlan | dict | None = None) -> list[Poem]:
        """Generate ``n`` poems that keep length, rhyme and 平仄 of ``form``.

        The flow is one way: request → plan (:meth:`plan`: template, rhyme, keywords per line, arc,
        season) → decode (a batch of candidates) → rerank (:mod:`.rerank`) → poems with their report.

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
            plan: a plan from :meth:`plan` (or its ``to_dict()``, possibly edited): decode from it instead
                of planning; topic, form, keywords, acrostic and rhyme come from the plan then.

        Raises:
            InvalidInputError: unknown form/group/start, bad ``n``, acrostic of the wrong length or with
                non-Chinese characters, a malformed plan.
        """
        notes: list[str] = []
        if plan is not None:
            plan = plan if isinstance(plan, PoemPlan) else PoemPlan.from_dict(plan)
            req = self._request(plan.topic, plan.form, (), plan.acrostic, plan.rhyme_group, n, seed, plan.rhyme_book,
                                None, notes)
            return self._run(req, notes, on_draft, plan)
        req = self._request(topic, form, keywords, acrostic, rhyme_group, n, seed, rhyme_book, start, notes)
        return self._run(req, notes, on_draft)

    def plan(self, topic: str | None = None, form: str = "七绝", keywords=(), acrostic: str | None = None,
             rhyme_group: str | None = None, seed: int | None = None, rhyme_book: str = "pingshui",
             start: str | None = None) -> PoemPlan:
        """The plan :meth:`generate` would decode for these arguments (to show or edit before decoding).

        Raises:
            InvalidInputError: as :meth:`generate`; a 词牌 (ci are not planned).
        """
        if form not in FORMS:
            raise InvalidInputError(f"只有近体诗有计划 (plans are for {' '.join(FORMS)}), 不是 {form!r}")
        notes: list[str] = []
        req = self._request(topic, form, keywords, acrostic, rhyme_group, 1, seed, rhyme_book, start, notes)
        return self._make_plan(req, notes, random.Random(req.seed))

    def _make_plan(self, req: Request, notes: list[str], rng: random.Random) -> PoemPlan:
        from .constrained import vocab_for
        from .planner import make_plan

        hits = retrieve(self.index, req.topic, k=PLAN_HITS) if req.topic else []
        tokenizer = getattr(self.llm, "tokenizer", None) if not getattr(self.llm, "capable", False) else None
        vocab = vocab_for(tokenizer, req.rhyme_book) if tokenizer is not None else None
        need = SHAPES[req.form][0] // 2 + 1
        usable = usable_group(vocab, req.rhyme_book, need) if vocab is not None else (lambda g: True)
        plan = make_plan(req, hits, vocab, self.imagery if req.topic else None, usable, rng)
        return replace(plan, notes=tuple(notes) + plan.notes)

    def _run(self, req: Request, notes: list[str], on_draft=None, plan: PoemPlan | None = None) -> list[Poem]:
        capable = getattr(self.llm, "capable", False)
        if req.form in FORMS and not capable:
            return self._run_planned(req, notes, on_draft, plan)
        hits = retrieve(self.index, req.topic) if req.topic else []
        counts = char_counts(hits, req.topic)
        insp = inspirations(hits)
        if req.form not in FORMS and not capable:
            from .ci import generate_ci

            poems = generate_ci(self.llm, req, counts, self.line_set, notes, on_draft=on_draft)
        elif getattr(self.llm, "capable", False) and not req.opening:
            from .capable import generate_capable

            poems = generate_capable(self.llm, req, self.line_set, notes)
            if on_draft is not None and poems:
                on_draft([p.text for p in poems])
        else:
            raise InvalidInputError("续写需要内置模型 (continuing a poem needs the embedded model, not a chat backend)")
        return [Poem(p.text, p.form, p.report, p.score, insp, p.copied_lines, p.notes, p.rhyme_group, p.template)
                for p in poems]

    def _run_planned(self, req: Request, notes: list[str], on_draft, plan: PoemPlan | None) -> list[Poem]:
        """request → plan → decode → rerank → report, for the embedded model and a regulated form."""
        from .constrained import vocab_for
        from .decode import decode
        from .planner import revise_plan
        from .rerank import rerank

        rng = random.Random(req.seed)
        if plan is None:
            plan = self._make_plan(req, notes, rng)
        else:
            plan = revise_plan(plan, vocab_for(self.llm.tokenizer, plan.rhyme_book), rng)
            plan = replace(plan, notes=tuple(dict.fromkeys(tuple(notes) + plan.notes)))
        seed = req.seed if req.seed is not None else rng.randrange(2**31)
        batch = min(CANDIDATES_MAX, max(CANDIDATES_MIN, 4 * req.n))
        cands = decode(self.llm, plan, batch, seed, on_draft)
        poems = rerank(cands, plan, self.line_set, req.n)
        if sum(p.report.ok and not p.copied_lines for p in poems) < req.n:  # rare: a second batch
            poems = rerank(cands + decode(self.llm, plan, batch, seed + 1, on_draft), plan, self.line_set, req.n)
        return poems

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
