"""Read .txt .md .pdf .docx .html files into paragraph blocks with page and heading metadata.

Every refusal is a :class:`~pipelines.qa.errors.DocumentError` with a bilingual message saying what
is wrong and what would work (size limit, supported extensions, OCR for scans, ...).

Example:
    >>> from pathlib import Path; import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.md"; _ = p.write_text("# 总则\\n第一条 目的。", encoding="utf-8")
    >>> doc = load_file(p)
    >>> doc.kind, doc.blocks[0].heading_path
    ('md', ('总则',))
"""

from __future__ import annotations

import io
import stat
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .encoding import decode_text
from .errors import DocumentError
from .structure import Block, blocks_from_lines, heading_title, push_heading

SUPPORTED_EXTENSIONS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}


@dataclass(frozen=True)
class LoadedDocument:
    """A parsed file: its blocks in reading order plus how it was read.

    Attributes:
        name: the file name (no folders).
        kind: txt | md | pdf | docx | html.
        blocks: paragraphs with page / heading metadata.
        encoding: detected text encoding (txt/md/html), else None.
        notes: remarks for the user (e.g. pages without a text layer).
        data: the raw bytes (hashed for dedup, stored in the knowledge base).
    """

    name: str
    kind: str
    blocks: tuple[Block, ...]
    encoding: str | None
    notes: tuple[str, ...]
    data: bytes

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


def supported_list() -> str:
    return ", ".join(sorted(SUPPORTED_EXTENSIONS))


def kind_of(path: str | Path) -> str:
    """The loader kind for ``path``'s extension.

    Raises:
        DocumentError: ``unsupported``, listing the supported extensions.
    """
    ext = Path(path).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise DocumentError(
            "unsupported",
            str(path),
            f"不支持的文件类型 '{ext or '(无扩展名)'}' (unsupported extension): {Path(path).name}; "
            f"可选 (supported): {supported_list()}",
        )
    return SUPPORTED_EXTENSIONS[ext]


def check_size(path: Path, max_mb: float | None) -> int:
    """Refuse missing files, non-files and files above ``max_mb`` before reading them; return the size in bytes."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DocumentError("not_found", str(path), f"找不到文件 (file not found): {path}") from None
    except OSError as e:  # permission denied, a name too long for the file system, a symlink loop...
        raise DocumentError("not_found", str(path), f"无法读取文件 (cannot read file): {path}: {e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        what = "文件夹 (a folder)" if stat.S_ISDIR(st.st_mode) else (
            "管道 (a FIFO)" if stat.S_ISFIFO(st.st_mode) else "设备或套接字 (a device or socket)")
        raise DocumentError("not_a_file", str(path), f"不是普通文件, 而是{what} (not a regular file): {path}; 请选择文件 (choose a file)")
    _check_limit(path.name, st.st_size, max_mb, "")
    return st.st_size


def _check_limit(name: str, size: int, max_mb: float | None, what: str) -> None:
    if max_mb is not None and size > max_mb * 1024 * 1024:
        raise DocumentError(
            "too_large",
            name,
            f"文件过大 (file too large{what}): {name} {size / 1048576:.1f} MB > 上限 (limit) {max_mb:g} MB; "
            "可调整设置 max_upload_mb (setting) 或拆分文件",
        )


def load_file(path: str | Path, max_mb: float | None = None, progress: bool = False) -> LoadedDocument:
    """Parse ``path`` into blocks.

    Args:
        path: a .txt .md .pdf .docx .html file.
        max_mb: refuse files larger than this many MiB (None = no limit).
        progress: show a bar over the pages of a long PDF (the slow part of reading one big file).

    Returns:
        The :class:`LoadedDocument`.

    Raises:
        DocumentError: unsupported / too_large / empty / binary / pdf_* / docx_corrupt / not_found.
    """
    path = Path(path)
    kind = kind_of(path)
    size = check_size(path, max_mb)
    if size == 0:
        raise DocumentError("empty", str(path), f"文件为空 (empty file): {path.name}")
    with open(path, "rb") as fh:  # never more than was checked, even if the file grows meanwhile
        data = fh.read(size if max_mb is None else int(max_mb * 1024 * 1024) + 1)
    _check_limit(path.name, len(data), max_mb, "")
    return load_bytes(data, path.name, kind, max_mb=max_mb, progress=progress)


def load_bytes(data: bytes, name: str, kind: str | None = None, max_mb: float | None = None,
               progress: bool = False) -> LoadedDocument:
    """Like :func:`load_file` for bytes already in memory (web uploads).

    ``max_mb`` limits the bytes and, for .docx/.pdf, what they expand to (a zip bomb is refused
    before it is decompressed; a PDF's extracted text is counted page by page).
    """
    kind = kind or kind_of(name)
    if not data:
        raise DocumentError("empty", name, f"文件为空 (empty file): {name}")
    _check_limit(name, len(data), max_mb, "")
    reader = _READERS[kind]
    blocks, encoding, notes = (_read_pdf(data, name, max_mb, progress) if kind == "pdf" else reader(data, name, max_mb))
    if not any(b.text.strip() for b in blocks):
        raise DocumentError("empty", name, f"文件没有可用的文字 (no text content): {name}")
    return LoadedDocument(name, kind, tuple(blocks), encoding, tuple(notes), data)


def _read_txt(data: bytes, name: str, max_mb: float | None = None):
    text, enc = decode_text(data, name)
    return blocks_from_lines(text.split("\n")), enc, []


# A page bar is shown from this many pages on (short files finish before a bar is worth drawing).
PROGRESS_MIN_PAGES = 50


def _read_pdf(data: bytes, name: str, max_mb: float | None = None, progress: bool = False):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise DocumentError("pdf_corrupt", name, f"PDF 文件已损坏 (corrupt PDF: no %PDF header): {name}")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")  # many "encrypted" PDFs only restrict printing/copying
            except (DependencyError, NotImplementedError):
                ok = 0
            if not ok:
                raise DocumentError(
                    "pdf_encrypted", name, f"PDF 已加密 (encrypted PDF, password required): {name}; 请先解除密码保护再上传"
                )
        pages = list(reader.pages)
    except DocumentError:
        raise
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError, OSError) as e:
        raise DocumentError("pdf_corrupt", name, f"PDF 文件已损坏 (corrupt PDF): {name}: {e}") from None
    blocks: list[Block] = []
    path: list = []
    empty_pages = []
    extracted = 0
    from tqdm import tqdm

    bar = tqdm(pages, desc=f"读取 (reading) {name[:30]}", unit="页", disable=not progress or len(pages) < PROGRESS_MIN_PAGES,
               leave=False)
    for no, page in enumerate(bar, start=1):
        try:
            text = page.extract_text() or ""
        except LimitReachedError:  # pypdf's own cap on one stream's decompressed size
            raise DocumentError("too_large", name, f"PDF 第 {no} 页解压后过大 (page {no} expands beyond pypdf's stream limit, "
                                                    f"a decompression bomb?): {name}") from None
        except Exception as e:  # pypdf raises many types on broken content streams
            raise DocumentError("pdf_corrupt", name, f"PDF 第 {no} 页无法解析 (corrupt page {no}): {name}: {e}") from None
        extracted += len(text.encode("utf-8"))
        _check_limit(name, extracted, max_mb, f", 提取的文字 (extracted text, at page {no})")
        page_blocks = blocks_from_lines(text.split("\n"), page=no, path=path, wrapped=True)
        if not page_blocks:
            empty_pages.append(no)
        blocks.extend(page_blocks)
    if not blocks:
        raise DocumentError(
            "pdf_no_text",
            name,
            f"PDF 没有文字层 (scanned PDF, no text layer): {name}; 请先做 OCR (run OCR first, e.g. ocrmypdf)",
        )
    notes = []
    if empty_pages:
        shown = ", ".join(map(str, empty_pages[:10])) + (" ..." if len(empty_pages) > 10 else "")
        notes.append(f"{len(empty_pages)} 页没有文字层 (pages without text, skipped): {shown}")
    return blocks, None, notes


def _read_docx(data: bytes, name: str, max_mb: float | None = None):
    import zipfile

    from docx import Document
    from docx.table import Table

    try:
        # The zip directory declares each member's size and zipfile never returns more than that
        # (it stops and fails the CRC check), so the sum bounds what parsing can decompress.
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            expanded = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise DocumentError("docx_corrupt", name, f"DOCX 文件已损坏 (corrupt .docx): {name}: {e}") from None
    _check_limit(name, expanded, max_mb, ", 解压后 (uncompressed)")
    try:
        doc = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise DocumentError("docx_corrupt", name, f"DOCX 文件已损坏 (corrupt .docx): {name}: {e}") from None
    except Exception as e:  # lxml / opc errors for foreign zips
        raise DocumentError("docx_corrupt", name, f"DOCX 文件无法读取 (unreadable .docx): {name}: {e}") from None
    # Paragraph.style costs a scan of every style per call (minutes on a long document), so map
    # style ids to names once and read each paragraph's style id straight from its XML.
    style_names = {st.style_id: st.name or "" for st in doc.styles}
    blocks: list[Block] = []
    path: list = []
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            heads = tuple(t for _, t in path)
            for row in item.rows:
                cells = []
                for cell in row.cells:
                    t = " ".join(cell.text.split())
                    if t and (not cells or cells[-1] != t):  # merged cells repeat their text
                        cells.append(t)
                if cells:
                    blocks.append(Block(" | ".join(cells), None, heads))
            continue
        text = item.text.strip()
        if not text:
            continue
        ppr = item._p.pPr
        style_id = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else None
        level = _docx_heading_level(style_names.get(style_id, style_id or ""))
        if level is not None:
            path[:] = push_heading(path, level, heading_title(text))
        else:
            blocks.extend(blocks_from_lines([text], path=path))
    return blocks, None, []


def _docx_heading_level(style: str) -> int | None:
    s = style.strip().lower()
    for prefix in ("heading", "标题"):
        if s.startswith(prefix):
            rest = s[len(prefix) :].strip()
            return int(rest) if rest.isdigit() else 1
    if s == "title":
        return 0  # above "Heading 1", so chapters nest under the document title
    return None


class _HTMLText(HTMLParser):
    """Collect visible text lines from HTML; headings become Markdown-style lines."""

    SKIP = {"script", "style", "noscript", "template", "head", "svg"}
    BREAK = {"p", "div", "br", "li", "tr", "section", "article", "table", "ul", "ol", "blockquote", "pre", "hr", "dd", "dt"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skip = 0
        self.heading = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.heading = int(tag[1])
            self.lines.append("#" * self.heading + " ")
        elif tag in self.BREAK:
            self.lines.append("")
        elif tag in {"td", "th"}:
            self.lines[-1] += " | " if self.lines[-1] else ""

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.heading = 0
            self.lines.append("")
        elif tag in self.BREAK:
            self.lines.append("")

    def handle_data(self, data):
        if self.skip:
            return
        self.lines[-1] += " ".join(data.split()) if self.heading else data.replace("\n", " ")


def _read_html(data: bytes, name: str, max_mb: float | None = None):
    text, enc = decode_text(data, name)
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    lines = [ln for ln in parser.lines if ln.strip() and ln.strip("# ")]
    return blocks_from_lines(lines), enc, []


def _read_md(data: bytes, name: str, max_mb: float | None = None):
    return _read_txt(data, name)


_READERS = {"txt": _read_txt, "md": _read_md, "pdf": _read_pdf, "docx": _read_docx, "html": _read_html}
