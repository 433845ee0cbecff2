"""Small pure functions DocQA builds on: query terms, follow-up rewriting without a capable model,
retrieval confidence, and extractive answers (best sentences quoted with their sources).

Example:
    >>> from toolkit.text import Segmenter
    >>> seg = Segmenter(dicts=())
    >>> merge_followup("那试用期呢？", [{"role": "user", "content": "劳动合同可以约定违约金吗？"}], seg)
    '劳动合同 约定 违约金 那试用期呢？'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.text import search_tokens, split_sentences

from .records import Chunk

# Words that shape a question but carry no content (beyond the shared stopwords).
QUESTION_WORDS = frozenset(
    "什么 怎么 怎样 如何 哪些 哪个 哪里 哪儿 多少 几 谁 是否 能否 可否 可以 吗 呢 么 请问 为什么 为何 "
    "规定 有关 关于 相关 哪 何 多久 多长 几天 几年 是不是 有没有 要不要 会不会 应该 应当".split()
)
# Signs that a question leans on the previous turn.
_ANAPHORA = re.compile(r"(它|他们|她|其|该|此|这|那|上述|前述|上面|刚才|同样|还有|另外|呢[？?]?$|^那)")
FOLLOWUP_MAX_CHARS = 16  # a shorter question after a conversation is treated as a follow-up
MAX_CARRIED_TERMS = 6


def key_terms(text: str, segmenter) -> list[str]:
    """Content words of ``text`` in order, deduplicated, without stopwords and question words."""
    out: list[str] = []
    for t in search_tokens(text, segmenter):
        if t not in QUESTION_WORDS and t not in out and not t.isdigit():
            out.append(t)
    return out


def _last_user_turn(history) -> str | None:
    for turn in reversed(list(history or ())):
        role = turn.get("role") if isinstance(turn, dict) else getattr(turn, "role", None)
        content = turn.get("content") if isinstance(turn, dict) else getattr(turn, "content", None)
        if role == "user" and content:
            return str(content)
    return None


def is_followup(question: str, history) -> bool:
    """True when there is a previous user turn and ``question`` is short or refers back to it."""
    if _last_user_turn(history) is None:
        return False
    q = question.strip()
    return len(q) <= FOLLOWUP_MAX_CHARS or bool(_ANAPHORA.search(q))


def merge_followup(question: str, history, segmenter) -> str:
    """Prefix a follow-up question with the previous user turn's key terms it does not repeat."""
    if not is_followup(question, history):
        return question
    prev = key_terms(_last_user_turn(history) or "", segmenter)
    mine = set(key_terms(question, segmenter))
    carried = [t for t in prev if t not in mine and t not in question][:MAX_CARRIED_TERMS]
    return (" ".join(carried) + " " + question) if carried else question


@dataclass(frozen=True)
class Confidence:
    """How well the retrieved chunks match the query.

    Attributes:
        coverage: weighted share of the query's key terms found in the best chunks' context.
        dense: best dense (cosine) score among the chunks (0 when unknown).
        bm25_overlap: True when any chunk shares at least one BM25 term with the query.
        found: the decision (see :func:`confidence`).
    """

    coverage: float
    dense: float
    bm25_overlap: bool
    found: bool


def _weight(term: str) -> float:
    return float(min(len(term), 4))  # longer words are more specific; cap so one long name can't dominate


def coverage(terms: list[str], text: str, alternatives: dict[str, tuple[str, ...]] | None = None) -> float:
    """Weighted share of ``terms`` found in ``text``.

    ``alternatives``: ``{phrase: formal terms}`` (query expansion); a term inside or containing a phrase
    also counts as found when one of the phrase's formal terms of 3+ characters is in ``text``
    (加班 → 延长工作时间); two-character formal terms (风险, 责任) are too common to be evidence.
    """
    total = sum(_weight(t) for t in terms)
    if total == 0:
        return 0.0

    def found(t: str) -> bool:
        if t in text:
            return True
        return any((t in p or p in t) and any(len(f) >= 3 and f in text for f in fs)
                   for p, fs in (alternatives or {}).items())

    return sum(_weight(t) for t in terms if found(t)) / total


def evidence_text(chunk: Chunk) -> str:
    """The chunk as a reader of its citation sees it: document name, enclosing headings, then its context."""
    return f"{chunk.source} {' '.join(chunk.heading_path)} {chunk.context or chunk.text}"


def confidence(query: str, chunks, segmenter, min_coverage: float = 0.4, min_dense: float = 0.55, top: int = 3,
               alternatives: dict[str, tuple[str, ...]] | None = None, min_dense_alone: float = 2.0) -> Confidence:
    """Decide whether the retrieved chunks can answer ``query``.

    The rule (calibrated on bench/kb_bench.py's answerable vs unanswerable questions): there must be
    BM25 term overlap, and either at least ``min_coverage`` of the query's weighted key terms occur in
    one of the ``top`` contexts, or half that coverage backed by a dense score of ``min_dense``.
    A paraphrase that shares no key word with the passage is found by the dense score alone when it
    reaches ``min_dense_alone`` (a semantic embedder's; the default 2.0 never fires: LSA maps a query
    whose words it mostly does not know onto the few it does). Thresholds per embedder are fitted
    by ``bench/kb_fit_fusion.py`` (``pipelines/qa/data/kb_fusion.json``). Coverage is measured over what a reader of the
    citation sees: the document name and enclosing headings as well as the context (a question naming
    the poet of "李白诗选.md" or the chapter it asks about is evidence); with ``alternatives`` (the query
    expansion's formal terms, see :func:`coverage`) a lay word counts when the formal term is there.
    Calibration of ``DocQA`` (bench/kb_bench.py, 137 answerable and 20 unanswerable questions, top 3
    chunks): 0.34 finds 115 / refuses 18, 0.4 finds 110 / refuses 19, 0.45 finds 106 / refuses 19 —
    hence 0.4 (before names, headings and alternatives counted: 0.34 found 94 / refused 19).
    """
    if not chunks:
        return Confidence(0.0, 0.0, False, False)
    terms = key_terms(query, segmenter)
    best_cov = max(coverage(terms, evidence_text(c), alternatives) for c in chunks[:top]) if terms else 0.0
    dense = max((c.dense_score or 0.0) for c in chunks[:top])
    overlap = any((c.bm25_score or 0.0) > 0 for c in chunks)
    found = (overlap and (best_cov >= min_coverage or (best_cov >= min_coverage / 2 and dense >= min_dense))) \
        or dense >= min_dense_alone
    return Confidence(round(best_cov, 3), round(float(dense), 3), overlap, bool(found))


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"\W+", "", s)
    return {s[i : i + 2] for i in range(len(s) - 1)}


def score_sentence(sentence: str, terms: list[str], q_bigrams: set[str]) -> float:
    """Term coverage of the query by one sentence, plus a little character-bigram overlap."""
    cov = coverage(terms, sentence)
    big = len(q_bigrams & _bigrams(sentence)) / len(q_bigrams) if q_bigrams else 0.0
    return cov + 0.3 * big


def best_sentences(query: str, chunks, segmenter, max_sentences: int = 3, min_score: float = 0.15,
                   quote_chars: int = 0):
    """The best sentences of the chunks' contexts for ``query``.

    Args:
        quote_chars: extend each pick with the sentences that follow it in its context until the quote
            has at least this many characters (0 = the sentence alone). The answer often comes right
            after the words that match the question (the next line of a poem, the consequence clause of
            an article), so a short pick alone would quote the question back.

    Headings and the document's name are not quoted (they match the question but answer nothing).

    Returns:
        ``[(chunk_index, quote, score)]``, best first; quotes never overlap.
    """
    terms = key_terms(query, segmenter)
    qb = _bigrams(query)
    scored = []
    sentences = []
    for ci, c in enumerate(chunks):
        rank_bonus = 0.05 / (ci + 1)
        labels = labels_of(c)
        sents = split_sentences(c.context or c.text)
        sentences.append(sents)
        for pos, sent in enumerate(sents):
            if len(sent) < 4 or sent in labels:
                continue
            s = score_sentence(sent, terms, qb) + rank_bonus
            scored.append((s, -ci, -pos, ci, sent))
    scored.sort(reverse=True)
    out, used = [], set()
    floor = max(min_score, 0.5 * scored[0][0]) if scored else min_score  # stay close to the best match
    for s, _, neg_pos, ci, sent in scored:
        pos = -neg_pos
        if s < floor or (ci, pos) in used or sent in {q for _, q, _ in out}:
            continue
        sents, end = sentences[ci], pos + 1
        while quote_chars and end < len(sents) and sum(len(x) for x in sents[pos:end]) < quote_chars \
                and (ci, end) not in used and sents[end] not in labels_of(chunks[ci]):
            end += 1
        used.update((ci, p) for p in range(pos, end))
        out.append((ci, "".join(sents[pos:end]), round(s, 3)))
        if len(out) == max_sentences:
            break
    return out


def labels_of(chunk: Chunk) -> set[str]:
    """Headings and the document name of ``chunk`` (text that labels it rather than says anything)."""
    return {h.strip() for h in chunk.heading_path} | {chunk.source, chunk.source.rsplit(".", 1)[0]}
