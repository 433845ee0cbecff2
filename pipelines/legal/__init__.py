"""Legal pipelines: statute Q&A with verified citations and document drafting (Markdown / .docx).

Example:
    >>> from pipelines.legal import StatuteQA, DocumentDrafter      # doctest: +SKIP
    >>> StatuteQA.from_settings().ask("公司辞退我没有补偿怎么办？").text  # doctest: +SKIP
"""

from .backend import LegalBackend
from .drafter import DocumentDrafter, LegalDocument

from .conversation import Conversation
from .qa import Answer, StatuteQA

__all__ = ["Answer", "Conversation", "DocumentDrafter", "LegalBackend", "LegalDocument", "StatuteQA"]
