"""Loaders: every file type, encodings, and every kind of bad input refused with a clear code."""

import pytest

from pipelines.qa.encoding import decode_text
from pipelines.qa.errors import DocumentError
from pipelines.qa.loaders import load_bytes, load_file
from tests.plugins.kb import LAW_TEXT, make_docx, make_pdf


@pytest.mark.parametrize("enc", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_txt_encodings(tmp_path, enc):
    p = tmp_path / "law.txt"
    p.write_bytes(LAW_TEXT.encode(enc))
    doc = load_file(p)
    assert "试用期不得超过一个月" in doc.text
    assert doc.blocks[0].heading_path == ("第一章 总则",)
    assert doc.blocks[0].text.startswith("第一条")


def test_big5_text():
    text, enc = decode_text("中華人民共和國勞動合同法第十九條規定試用期期限。".encode("big5"), "t.txt")
    assert enc == "big5" and "勞動合同法" in text


def test_markdown_heading_path(tmp_path):
    p = tmp_path / "a.md"
    p.write_text("# 合同\n## 押金\n押金三千元。\n## 维修\n出租人负责维修。", encoding="utf-8")
    blocks = load_file(p).blocks
    assert [(b.heading_path, b.text) for b in blocks] == [(("合同", "押金"), "押金三千元。"), (("合同", "维修"), "出租人负责维修。")]


def test_html_strips_scripts_and_styles(tmp_path):
    p = tmp_path / "a.html"
    p.write_text(
        "<html><head><style>p{color:red}</style><script>var x='秘密';</script></head>"
        "<body><h2>押金条款</h2><p>押金七日内退还。</p><script>alert('x')</script><table><tr><td>租金</td><td>三千</td></tr></table></body></html>",
        encoding="gbk",
    )
    doc = load_file(p)
    assert "秘密" not in doc.text and "color" not in doc.text and "alert" not in doc.text
    assert doc.blocks[0].heading_path == ("押金条款",)
    assert "押金七日内退还。" in doc.text and "租金" in doc.text


def test_docx_paragraphs_headings_tables(tmp_path):
    p = make_docx(tmp_path / "c.docx", "押金条款", ["押金在租期届满后七日内退还。"], [["项目", "金额"], ["押金", "三千元"]])
    doc = load_file(p)
    assert doc.kind == "docx"
    assert any(b.text == "押金在租期届满后七日内退还。" and b.heading_path == ("押金条款",) for b in doc.blocks)
    assert any(b.text == "押金 | 三千元" for b in doc.blocks)


def test_pdf_cjk_text_layer_with_pages(tmp_path):
    p = make_pdf(tmp_path / "a.pdf", ["第一章 总则\n第一条 本法适用于劳动合同。", "第二条 试用期不得超过六个月。"])
    doc = load_file(p)
    assert [b.page for b in doc.blocks] == [1, 2]
    assert doc.blocks[1].text == "第二条 试用期不得超过六个月。"
    assert doc.blocks[1].heading_path == ("第一章 总则",)  # headings carry across pages


def test_pdf_partly_scanned_notes_pages(tmp_path):
    from pypdf import PdfReader, PdfWriter

    src = make_pdf(tmp_path / "a.pdf", ["第一条 有文字。"])
    w = PdfWriter()
    w.add_page(PdfReader(src).pages[0])
    w.add_blank_page(595, 842)
    out = tmp_path / "b.pdf"
    w.write(out)
    doc = load_file(out)
    assert any("1 页没有文字层" in n and "2" in n for n in doc.notes)


def _code(path, **kw):
    with pytest.raises(DocumentError) as e:
        load_file(path, **kw)
    return e.value


def test_scanned_pdf_refused(tmp_path):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(595, 842)
    p = tmp_path / "scan.pdf"
    w.write(p)
    e = _code(p)
    assert e.code == "pdf_no_text" and "OCR" in str(e)


def test_encrypted_pdf_refused(tmp_path):
    from pypdf import PdfReader, PdfWriter

    src = make_pdf(tmp_path / "a.pdf", ["第一条 机密。"])
    w = PdfWriter()
    w.add_page(PdfReader(src).pages[0])
    w.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    p = tmp_path / "locked.pdf"
    w.write(p)
    e = _code(p)
    assert e.code == "pdf_encrypted" and "encrypted" in str(e)


def test_corrupt_pdf_refused(tmp_path):
    good = make_pdf(tmp_path / "a.pdf", ["第一条 内容。"]).read_bytes()
    p = tmp_path / "broken.pdf"
    p.write_bytes(good[: len(good) // 3])
    assert _code(p).code in {"pdf_corrupt", "pdf_no_text"}
    q = tmp_path / "fake.pdf"
    q.write_bytes(b"hello, not a pdf")
    assert _code(q).code == "pdf_corrupt"


def test_corrupt_docx_refused(tmp_path):
    p = tmp_path / "x.docx"
    p.write_bytes(b"PK\x03\x04 garbage")
    assert _code(p).code == "docx_corrupt"


def test_empty_and_whitespace_files(tmp_path):
    p = tmp_path / "e.txt"
    p.write_bytes(b"")
    assert _code(p).code == "empty"
    p.write_text(" \n\t\n", encoding="utf-8")
    assert _code(p).code == "empty"


def test_binary_renamed_txt(tmp_path):
    p = tmp_path / "photo.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    e = _code(p)
    assert e.code == "binary" and "photo.txt" in str(e)


def test_unsupported_extension_lists_supported(tmp_path):
    p = tmp_path / "a.xlsx"
    p.write_bytes(b"x")
    e = _code(p)
    assert e.code == "unsupported" and ".docx" in str(e) and ".pdf" in str(e)


def test_size_limit(tmp_path):
    p = tmp_path / "big.txt"
    p.write_bytes(("第一条 内容。\n" * 120_000).encode("utf-8"))  # ~2 MB
    e = _code(p, max_mb=1)
    assert e.code == "too_large" and "1 MB" in str(e)
    assert load_file(p, max_mb=5).kind == "txt"


def test_load_bytes_for_uploads():
    doc = load_bytes("第一条 上传的内容。".encode("gbk"), "up.txt")
    assert doc.encoding == "gb18030" and doc.text == "第一条 上传的内容。"


@pytest.mark.parametrize("text", ["短文本", "借款合同", "床前明月光，疑是地上霜。", "劳动者"])
def test_short_gbk_is_not_mistaken_for_big5(text):
    assert decode_text(text.encode("gbk"), "t.txt") == (text, "gb18030")
