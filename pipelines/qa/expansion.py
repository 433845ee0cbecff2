"""Query expansion: add the formal terms documents use for the colloquial words people ask with.

Users ask "喝酒后开车被查" about a text that says "饮酒后驾驶机动车". The default expander uses the
colloquial → statutory thesaurus of :mod:`toolkit.legal` (``toolkit/legal/data/synonyms.tsv``, written
for statute search and kept general), which fits the contracts, regulations and case files knowledge
bases hold. Any ``callable(query) -> str`` can replace it; ``None`` turns expansion off.

Example:
    >>> legal_expander()("公司把我辞退了")  # doctest: +SKIP
    '公司把我辞退了 解除劳动合同 经济补偿 ...'
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

Expander = Callable[[str], str]
MAX_ADDED_TERMS = 12  # keep the expansion from drowning the question's own words


@lru_cache(maxsize=1)
def _thesaurus() -> tuple[tuple[str, tuple[str, ...]], ...]:
    from toolkit.legal.store import load_synonyms

    try:
        return tuple((trigger, terms) for trigger, terms, *_ in load_synonyms() if trigger and terms)
    except (OSError, ValueError):
        return ()


def legal_expander() -> Expander:
    """An expander appending thesaurus terms for every trigger found in the query.

    The returned function also has ``.alternatives(query)``: ``{trigger: terms}`` for the triggers found,
    so that evidence which uses the formal terms can count for the question's own words (see
    :func:`pipelines.qa.extractive.confidence`).
    """
    table = _thesaurus()

    def alternatives(query: str) -> dict[str, tuple[str, ...]]:
        return {trigger: terms for trigger, terms in table if trigger in query}

    def expand(query: str) -> str:
        added: list[str] = []
        for terms in alternatives(query).values():
            added.extend(t for t in terms if t not in query and t not in added)
        return query if not added else query + " " + " ".join(added[:MAX_ADDED_TERMS])

    expand.alternatives = alternatives
    return expand
