"""Poetry pipeline (contract ``pipelines.poetry``): generate with guaranteed form, check, continue, search.

See :class:`PoetryPipeline`.
"""

from .pipeline import FORMS, PoetryPipeline
from .records import Inspiration, Poem, SearchResult

__all__ = ["PoetryPipeline", "Poem", "Inspiration", "SearchResult", "FORMS"]
