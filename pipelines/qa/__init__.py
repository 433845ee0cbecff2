"""Knowledge-base question answering over the user's own long documents.

Example:
    >>> from pipelines.qa import KnowledgeBase, DocQA          # doctest: +SKIP
    >>> kb = KnowledgeBase.create("合同")                      # doctest: +SKIP
    >>> kb.add_file("租赁合同.docx")                           # doctest: +SKIP
    >>> DocQA(kb).ask("押金什么时候退？").text                  # doctest: +SKIP
"""

from .catalog import ChunkRow, DocumentInfo
from .chunking import ChunkConfig
from .errors import DocumentError
from .kb import KnowledgeBase
from .loaders import SUPPORTED_EXTENSIONS, load_file
from .records import AddResult, Answer, Chunk, Citation

__all__ = [
    "AddResult",
    "Answer",
    "Chunk",
    "ChunkConfig",
    "ChunkRow",
    "Citation",
    "DocumentError",
    "DocumentInfo",
    "KnowledgeBase",
    "SUPPORTED_EXTENSIONS",
    "load_file",
]


def __getattr__(name):  # DocQA pulls in the prompt/LLM layers: import it only when asked for
    if name == "DocQA":
        from .docqa import DocQA

        return DocQA
    if name in ("DocQARunnable", "KBRetriever"):
        from . import runnables

        return getattr(runnables, name)
    raise AttributeError(name)
