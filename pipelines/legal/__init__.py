"""Legal pipelines: statute Q&A with verified citations and document drafting (Markdown / .docx).

Example:
    >>> from pipelines.legal import StatuteQA, DocumentDrafter      # doctest: +SKIP
    >>> StatuteQA.from_settings().ask("公司辞退我没有补偿怎么办？").text  # doctest: +SKIP
"""

from .backend import LegalBackend
from .drafter import DocumentDrafter, LegalDocument

__all__ = ["DocumentDrafter", "LegalBackend", "LegalDocument"]

try:  # StatuteQA lands after the drafter; keep the package importable meanwhile
    from .qa import Answer, Conversation, StatuteQA  # noqa: F401

    __all__ += ["Answer", "Conversation", "StatuteQA"]
except ImportError:  # pragma: no cover
    pass
