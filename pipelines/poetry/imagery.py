"""Images that go with a topic: two-character words of the corpus ranked by PMI with the topic.

The corpus side is one table, the document frequency of every two-character word (the character
pairs at the word positions of 5- and 7-character lines) over all poems, with each word's cohesion, kept when it occurs in at least ``MIN_DF`` poems. It is built once from
``poems.jsonl`` and saved (atomically) at ``<data_dir>/cache/poem_imagery.json``.

The topic side is the set of poems the hybrid index retrieves for the topic (poems that share its
words). A word's association with the topic is its pointwise mutual information with that set,
``log P(w | retrieved) / P(w)``, weighted by how many retrieved poems use it (a word seen once is noise).
This is the keyword selection of the planning approach (Wang et al. 2016; Jiuge), over words that the
corpus itself attests.

Example:
    >>> stats = ImageryStats({"明月": 900, "春风": 1200}, 10000)
    >>> [w.word for w in stats.related(["明月照春风。", "明月何处去。"], exclude="")][:1]
    ['明月']
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from toolkit.atomic import write_json

MIN_COHESION = 2.0  # a word fills a slot at least e² (7.4) times more often than its characters would by chance
MIN_DF = 20  # words rarer than this across 340k poems are names and one-off phrases, not images
FILENAME = "poem_imagery.json"
# Characters that make a two-character sequence a grammatical fragment rather than an image.
FUNCTION_CHARS = frozenset("不一之而其于以与也乃则者所何无有是此彼亦又且若为未莫非")

_LOCK = threading.Lock()
_CACHE: dict[str, "ImageryStats"] = {}


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# Where two-character words sit in a line: 五言 reads 2+3 (2+2+1 or 2+1+2), 七言 2+2+3.
WORD_STARTS = {5: (0, 2, 3), 7: (0, 2, 4, 5)}


def lines_of(text: str) -> list[str]:
    out, cur = [], []
    for ch in text:
        if is_han(ch):
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def word_slots(text: str) -> list[str]:
    """The character pairs at the word positions of ``text``'s 5- and 7-character lines (a pair across
    a word boundary, like 连大 in 愁连大, is not a word)."""
    return [line[p:p + 2] for line in lines_of(text) for p in WORD_STARTS.get(len(line), ())]


def words_of(text: str) -> set[str]:
    """The distinct two-character words of ``text`` (see :func:`word_slots`)."""
    return set(word_slots(text))


@dataclass(frozen=True)
class RelatedWord:
    word: str
    pmi: float  # log P(w | retrieved) / P(w), natural log
    hits: int  # retrieved poems that use it
    score: float  # pmi weighted by support: the ranking key


class ImageryStats:
    """Corpus document frequencies of two-character words, and PMI ranking against retrieved poems.

    Args:
        df: word -> number of corpus poems using it.
        n_docs: number of corpus poems.
    """

    def __init__(self, df: dict[str, int], n_docs: int, cohesion: dict[str, float] | None = None):
        self.df, self.n_docs, self.cohesion = df, max(1, int(n_docs)), cohesion or {}

    def related(self, texts: Iterable[str], exclude: str = "", min_hits: int = 2, limit: int = 60) -> list[RelatedWord]:
        """Words of the retrieved ``texts`` ranked by PMI × log(1 + hits); words with a function
        character or a character of ``exclude`` (e.g. filler) are skipped."""
        texts = list(texts)
        h = Counter(w for t in texts for w in words_of(t))
        n = max(1, len(texts))
        out = []
        for w, c in h.items():
            if c < min(min_hits, n) or w not in self.df or any(ch in FUNCTION_CHARS or ch in exclude for ch in w):
                continue
            if w[0] == w[1]:
                continue  # 叠字 (依依, 萧萧) are manner words, not images
            if self.cohesion and self.cohesion.get(w, 0.0) < MIN_COHESION:
                continue  # two characters that merely sit side by side
            pmi = math.log((c / n) / (self.df[w] / self.n_docs))
            if pmi <= 0:
                continue
            out.append(RelatedWord(w, round(pmi, 3), c, round(pmi * math.log1p(c), 3)))
        out.sort(key=lambda r: (-r.score, r.word))
        return out[:limit]

    def to_json(self) -> dict:
        return {"n_docs": self.n_docs, "min_df": MIN_DF, "df": self.df, "cohesion": self.cohesion}


def count_words(texts: Iterable[str], min_df: int = MIN_DF) -> ImageryStats:
    """The table over ``texts`` (poem bodies): word document frequencies and cohesion."""
    df: Counter = Counter()  # poems using the word
    pairs: Counter = Counter()  # occurrences in word slots
    left: Counter = Counter()  # a character as the first of a slot
    right: Counter = Counter()  # ... as the second
    n = 0
    for text in texts:
        n += 1
        ws = word_slots(text)
        df.update(set(ws))
        pairs.update(ws)
        left.update(w[0] for w in ws)
        right.update(w[1] for w in ws)
    slots = max(1, sum(pairs.values()))
    keep = {w: c for w, c in df.items() if c >= min_df}
    # Cohesion: log of how much more often the pair fills a slot than its characters would by chance.
    coh = {w: round(math.log(pairs[w] * slots / (left[w[0]] * right[w[1]])), 2) for w in keep}
    return ImageryStats(keep, n, coh)


def imagery_path(settings=None) -> Path:
    from toolkit.config import get_settings

    return Path((settings or get_settings()).data_dir) / "cache" / FILENAME


def build_imagery(settings=None, progress: bool = True) -> ImageryStats:
    """Count two-character words over the poem corpus and save the table (minutes on the full corpus).

    Raises:
        DataMissingError: the poem corpus is absent (run ``hanlin data pull``).
    """
    from toolkit.corpus import iter_poems

    poems = iter_poems(settings)
    if progress:
        from tqdm import tqdm

        poems = tqdm(poems, desc="poem imagery (word document frequencies)", unit=" poems", mininterval=2)
    stats = count_words(p.text for p in poems)
    write_json(imagery_path(settings), stats.to_json())
    return stats


def imagery(settings=None, progress: bool = True) -> ImageryStats:
    """The saved table for ``settings`` (built and saved when missing or unreadable), cached per process."""
    path = imagery_path(settings)
    key = str(path)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        stats = None
        if path.is_file():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                stats = ImageryStats({str(k): int(v) for k, v in raw["df"].items()}, int(raw["n_docs"]),
                                     {str(k): float(v) for k, v in raw["cohesion"].items()})
            except (OSError, ValueError, KeyError, TypeError):
                stats = None
        if stats is None:
            stats = build_imagery(settings, progress)
        _CACHE[key] = stats
        return stats
