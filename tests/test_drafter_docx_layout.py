"""The .docx of a 起诉状 follows the court layout: 「此致」 indented two characters, the court's name below
it at the left margin, the signature block on the right."""

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from pipelines.legal import DocumentDrafter


def paragraphs(tmp_path, kind: str):
    d = DocumentDrafter.from_settings()
    doc = d.draft(kind, d.example_fields(kind))
    return {p.text: p for p in Document(str(doc.save(tmp_path / "out.docx"))).paragraphs}, doc


def test_court_line_starts_at_the_margin(tmp_path):
    paras, doc = paragraphs(tmp_path, "民事起诉状")
    court = next(p for t, p in paras.items() if t.endswith("人民法院") and "此致" not in t)
    assert court.paragraph_format.first_line_indent in (None, 0, Pt(0))
    assert court.alignment in (None, WD_ALIGN_PARAGRAPH.LEFT)
    assert paras["此致"].paragraph_format.first_line_indent == Pt(32)  # two 16 pt characters
    signer = next(p for t, p in paras.items() if t.startswith("具状人"))
    assert signer.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    texts = list(paras)
    assert texts.index("此致") + 1 == texts.index(court.text)  # directly below 此致
    assert court.text in doc.markdown  # the Markdown keeps the same line


def test_other_pleadings_too(tmp_path):
    for kind in ("民事答辩状", "民事上诉状"):
        paras, _ = paragraphs(tmp_path, kind)
        texts = list(paras)
        court = paras[texts[texts.index("此致") + 1]]
        assert court.text.endswith("法院") and court.paragraph_format.first_line_indent in (None, 0, Pt(0))
