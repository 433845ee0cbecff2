"""Fixtures for the knowledge-base tests: tiny documents of every type, a fake LLM, a small KB."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.llm import ScriptedLLM

LAW_TEXT = """第一章 总则
第一条 为了保护劳动者的合法权益，构建和发展和谐稳定的劳动关系，制定本法。
第二条 用人单位与劳动者建立劳动关系，应当订立书面劳动合同。
第二章 试用期
第十九条 劳动合同期限三个月以上不满一年的，试用期不得超过一个月；劳动合同期限一年以上不满三年的，试用期不得超过二个月。
第二十条 劳动者在试用期的工资不得低于本单位相同岗位最低档工资的百分之八十。
第三章 经济补偿
第四十七条 经济补偿按劳动者在本单位工作的年限，每满一年支付一个月工资的标准向劳动者支付。
"""

LEASE_TEXT = """# 房屋租赁合同
## 押金
承租人应当在签约时交付押金三千元。租赁期满后出租人应当在七日内无息退还押金。
## 维修
房屋及其附属设施的日常维修由出租人负责。承租人不得擅自改变房屋结构。
"""


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF with a real CJK text layer (reportlab's built-in STSong-Light CID font), one string per page."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for text in pages:
        c.setFont("STSong-Light", 11)
        y = 800
        for line in text.split("\n"):
            c.drawString(40, y, line)
            y -= 16
        c.showPage()
    c.save()
    return path


def make_docx(path: Path, heading: str, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    from docx import Document

    doc = Document()
    doc.add_heading(heading, level=1)
    for p in paragraphs:
        doc.add_paragraph(p)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, cell in enumerate(row):
                t.cell(i, j).text = cell
    doc.save(str(path))
    return path


class FakeLLM(ScriptedLLM):
    """Stands in for a capable chat backend: returns a canned reply, counts one token per character."""

    def __init__(self, reply: str = "押金在租期届满后七日内退还 [1]。", context_length: int = 4096):
        super().__init__(reply, context_length=context_length)


@pytest.fixture
def kb_settings(tmp_settings):
    return tmp_settings


@pytest.fixture
def kb_factory(tmp_path, kb_settings):
    """``kb_factory(name)`` creates a knowledge base under a temp root."""
    from pipelines.qa import KnowledgeBase

    root = tmp_path / "kbroot"

    def make(name: str = "t", settings=None):
        return KnowledgeBase.create(name, root=root, settings=settings or kb_settings)

    make.root = root
    return make


@pytest.fixture
def small_kb(kb_factory):
    """A knowledge base with a labour-law text and a lease contract."""
    kb = kb_factory("small")
    kb.add_texts([LAW_TEXT, LEASE_TEXT], [{"source": "劳动合同法.txt"}, {"source": "租赁合同.md"}])
    return kb


@pytest.fixture
def fake_llm():
    return FakeLLM()
