"""Why a file was refused: one error class with a machine-readable ``code`` and a bilingual message."""

from __future__ import annotations

from toolkit.errors import HanlinError, InvalidInputError

# code -> what it means (the UI and CLI may branch on the code; the message is for people).
CODES = {
    "unsupported": "extension not in SUPPORTED_EXTENSIONS",
    "too_large": "file above settings.max_upload_mb",
    "empty": "no bytes, or only whitespace after extraction",
    "binary": "NUL bytes / undecodable: not a text file",
    "pdf_corrupt": "pypdf cannot parse it",
    "pdf_encrypted": "password-protected PDF",
    "pdf_no_text": "scanned PDF without a text layer",
    "docx_corrupt": "not a valid .docx (zip) package",
    "not_found": "path does not exist",
    "not_a_file": "a folder, FIFO, device or socket: not a regular file",
    "too_many_chunks": "more chunks than the per-file limit (see kb.max_chunks_per_file)",
}


class DocumentError(InvalidInputError):
    """A document cannot be added. ``code`` is one of :data:`CODES`; ``path`` the offending file.

    Example:
        >>> e = DocumentError("empty", "a.txt", "文件为空 (empty file): a.txt")
        >>> e.code
        'empty'
    """

    def __init__(self, code: str, path: str, message: str):
        if code not in CODES:
            raise ValueError(f"unknown DocumentError code {code!r}; valid: {sorted(CODES)}")
        super().__init__(message)
        self.code = code
        self.path = path


class KnowledgeBaseBusyError(HanlinError):
    """Another process holds the catalogue longer than the busy timeout (the files are fine: retry)."""
