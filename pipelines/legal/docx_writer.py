"""Write a drafted document (a list of blocks) to .docx with python-docx.

Layout follows common Chinese court/contract practice: A4 paper, margins 3.7/3.5/2.8/2.6 cm,
a centred bold title in 宋体 22 pt, body text in 仿宋 16 pt (三号) with a two-character first-line
indent, bold section headings, numbered items, the addressee court at the left margin under 「此致」,
and a right-aligned signature and date block.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from toolkit.atomic import atomic_path

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
BODY_PT = 16
TITLE_PT = 22


def _font(run, name: str, size: int, bold: bool = False) -> None:
    run.font.name = name  # the ASCII/Latin font
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), name)  # Word uses this one for CJK characters


def _setup(doc) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)


def build_docx(blocks) -> Document:
    """A python-docx Document for the blocks (title, subtitle, heading, para, item, right, flush)."""
    doc = Document()
    _setup(doc)
    for b in blocks:
        if not b.text:
            continue
        p = doc.add_paragraph()
        if b.kind == "title":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_after = Pt(12)
            _font(p.add_run(b.text), TITLE_FONT, TITLE_PT, bold=True)
        elif b.kind == "subtitle":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(b.text), BODY_FONT, BODY_PT)
        elif b.kind == "heading":
            _font(p.add_run(b.text), BODY_FONT, BODY_PT, bold=True)
        elif b.kind == "item":
            p.paragraph_format.left_indent = Pt(BODY_PT * 2)
            p.paragraph_format.first_line_indent = Pt(-BODY_PT)
            _font(p.add_run(f"{b.number}. {b.text}"), BODY_FONT, BODY_PT)
        elif b.kind == "right":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _font(p.add_run(b.text), BODY_FONT, BODY_PT)
        elif b.kind == "flush":  # 起诉状: 「此致」 is indented, the court's name below it starts at the margin
            p.paragraph_format.first_line_indent = Pt(0)
            _font(p.add_run(b.text), BODY_FONT, BODY_PT)
        else:
            p.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
            _font(p.add_run(b.text), BODY_FONT, BODY_PT)
    return doc


def write_docx(blocks, path: str | Path) -> Path:
    """Write the blocks to ``path`` atomically (temp file + rename)."""
    path = Path(path)
    doc = build_docx(blocks)
    with atomic_path(path, suffix=".docx") as tmp:
        doc.save(str(tmp))
    return path
