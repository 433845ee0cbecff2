"""Build the long-document benchmark corpus from the pulled corpora (laws.sqlite, poems.jsonl).

Complete laws and long poem collections are exported the way users would bring them: plain .txt
(UTF-8, UTF-8 with BOM, GBK, GB18030), Markdown, Word (.docx, real heading styles) and PDF (a real
CJK text layer, reportlab's built-in STSong-Light CID font). The output is git-ignored; it is rebuilt
at bench time under ``data/cache/kb_bench/``.

``python -m bench.data.kb.build_corpus [OUT_DIR] [--scale-mb 50]``
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections import defaultdict
from pathlib import Path

VERSION = 1  # bump when the export format changes (forces a rebuild of cached corpora)

# (short law name, file format, encoding for txt)
LAWS = [
    ("民法典", "txt", "gbk"),
    ("刑法", "md", None),
    ("劳动合同法", "docx", None),
    ("劳动法", "pdf", None),
    ("公司法", "txt", "utf-8-sig"),
    ("消费者权益保护法", "pdf", None),
    ("道路交通安全法", "docx", None),
    ("个人信息保护法", "md", None),
    ("治安管理处罚法", "txt", "utf-8"),
    ("商标法", "md", None),
    ("个人所得税法", "docx", None),
    ("著作权法", "pdf", None),
]
# (file stem, authors, collections, format, encoding)
POEMS = [
    ("李白诗集", ("李白",), ("全唐诗",), "md", None),
    ("杜甫诗集", ("杜甫",), ("全唐诗",), "txt", "utf-8"),
    ("白居易诗集", ("白居易",), ("全唐诗",), "txt", "gb18030"),
    ("苏轼词集", ("苏轼",), ("宋词",), "docx", None),
    ("苏轼诗集", ("苏轼",), ("全宋诗",), "md", None),
    ("李清照集", ("李清照",), ("宋词", "全宋诗"), "pdf", None),
]
PDF_LINE_CHARS = 40  # CJK characters per PDF line (A4, 11 pt, 40 pt margins)


# ----------------------------------------------------------------------------- sources
def law_sections(db_path: Path, short_name: str):
    """``(law_name, [(chapter, section, label, text), ...])`` for one current law, in article order."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT law_name, chapter, section, article_label, text FROM articles WHERE short_name=? ORDER BY article_no, sub",
        (short_name,),
    ).fetchall()
    db.close()
    if not rows:
        raise SystemExit(f"law {short_name!r} not in {db_path}")
    return rows[0][0], [(r[1] or "", r[2] or "", r[3], r[4]) for r in rows]


def poems_by_group(poems_path: Path, groups):
    """Poems per group stem, in file order: ``{stem: [(title, author, text), ...]}``."""
    want = {}
    for stem, authors, cols, _, _ in groups:
        for a in authors:
            for c in cols:
                want[(a, c)] = stem
    out = defaultdict(list)
    with open(poems_path, encoding="utf-8") as fh:
        for line in fh:
            if not any(a in line for a, _ in want):  # cheap pre-filter before json parsing
                continue
            r = json.loads(line)
            stem = want.get((r["author"], r["collection"]))
            if stem:
                out[stem].append((r["title"].replace("\t", " ").strip(), r["author"], r["text"]))
    return out


# ----------------------------------------------------------------------------- writers
def _law_lines(name, arts, md: bool):
    lines = [("# " if md else "") + name]
    chapter = section = None
    for ch, sec, label, text in arts:
        if ch and ch != chapter:
            lines.append(("## " if md else "") + ch)
            chapter, section = ch, None
        if sec and sec != section:
            lines.append(("### " if md else "") + sec)
            section = sec
        paras = text.split("\n")
        lines.append(f"{label} {paras[0]}")
        lines.extend(paras[1:])
    return lines


def _poem_lines(stem, poems, md: bool):
    lines = [("# " if md else "") + stem]
    for title, author, text in poems:
        lines.append(f"## {title} · {author}" if md else f"【{title}】{author}")
        lines.extend(text.split("\n"))
        lines.append("")
    return lines


def write_txt(path: Path, lines, encoding: str):
    path.write_bytes("\n".join(lines).encode(encoding, errors="replace"))


def write_docx(path: Path, items):
    """``items``: ``[(level or None, text)]``; level 0..3 = heading, None = paragraph."""
    from docx import Document

    doc = Document()
    for level, text in items:
        if level is None:
            doc.add_paragraph(text)
        else:
            doc.add_heading(text, level=level)
    doc.save(str(path))


def write_pdf(path: Path, lines):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    y = A4[1] - 50
    c.setFont("STSong-Light", 11)
    for line in lines:
        pieces = [line[i : i + PDF_LINE_CHARS] for i in range(0, len(line), PDF_LINE_CHARS)] or [""]
        for piece in pieces:
            if y < 50:
                c.showPage()
                c.setFont("STSong-Light", 11)
                y = A4[1] - 50
            c.drawString(40, y, piece)
            y -= 16
    c.showPage()
    c.save()


def _docx_items_law(name, arts):
    items = [(0, name)]
    chapter = section = None
    for ch, sec, label, text in arts:
        if ch and ch != chapter:
            items.append((1, ch))
            chapter, section = ch, None
        if sec and sec != section:
            items.append((2, sec))
            section = sec
        paras = text.split("\n")
        items.append((None, f"{label} {paras[0]}"))
        items.extend((None, p) for p in paras[1:])
    return items


def _docx_items_poems(stem, poems):
    items = [(0, stem)]
    for title, author, text in poems:
        items.append((1, f"{title} · {author}"))
        items.extend((None, ln) for ln in text.split("\n"))
    return items


def export(out: Path, name: str, fmt: str, enc, lines, docx_items) -> Path:
    path = out / f"{name}.{fmt}"
    if fmt in ("txt", "md"):
        write_txt(path, lines, enc or "utf-8")
    elif fmt == "docx":
        write_docx(path, docx_items)
    elif fmt == "pdf":
        write_pdf(path, lines)
    else:
        raise ValueError(f"unknown format {fmt!r}; valid: txt md docx pdf")
    return path


# ----------------------------------------------------------------------------- corpora
def build_quality_corpus(out: Path, laws_db: Path, poems_path: Path) -> list[Path]:
    """The question-answering corpus: 12 complete laws + 6 poem collections in mixed formats."""
    stamp = out / "STAMP.json"
    if stamp.exists() and json.loads(stamp.read_text())["version"] == VERSION:
        return [out / f for f in json.loads(stamp.read_text())["files"]]
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for short, fmt, enc in LAWS:
        name, arts = law_sections(laws_db, short)
        lines = _law_lines(name, arts, md=fmt == "md")
        files.append(export(out, name, fmt, enc, lines, _docx_items_law(name, arts) if fmt == "docx" else None))
    groups = poems_by_group(poems_path, POEMS)
    for stem, _, _, fmt, enc in POEMS:
        poems = groups[stem]
        lines = _poem_lines(stem, poems, md=fmt == "md")
        files.append(export(out, stem, fmt, enc, lines, _docx_items_poems(stem, poems) if fmt == "docx" else None))
    stamp.write_text(json.dumps({"version": VERSION, "files": [f.name for f in files]}))
    return files


def build_scale_corpus(out: Path, laws_db: Path, poems_path: Path, target_mb: float) -> list[Path]:
    """About ``target_mb`` MB of .txt/.md: every current law (one file each), then poem collections
    (one file per collection and ~2 MB part) until the target is reached."""
    stamp = out / "STAMP.json"
    if stamp.exists():
        meta = json.loads(stamp.read_text())
        if meta["version"] == VERSION and meta["target_mb"] == target_mb:
            return [out / f for f in meta["files"]]
    out.mkdir(parents=True, exist_ok=True)
    files, total = [], 0
    db = sqlite3.connect(f"file:{laws_db}?mode=ro", uri=True)
    shorts = [r[0] for r in db.execute("SELECT short_name FROM articles GROUP BY law_id ORDER BY law_id")]
    db.close()
    limit = target_mb * 1024 * 1024
    for i, short in enumerate(shorts):
        if total >= limit:
            break
        name, arts = law_sections(laws_db, short)
        p = out / f"law{i:03d}-{short}.md"
        write_txt(p, _law_lines(name, arts, md=True), "utf-8")
        files.append(p)
        total += p.stat().st_size
    part, buf, size = 0, [], 0
    with open(poems_path, encoding="utf-8") as fh:
        for line in fh:
            if total + size >= limit:
                break
            r = json.loads(line)
            buf.append(f"## {r['title']} · {r['author']}")
            buf.extend(r["text"].split("\n"))
            size += len(r["text"].encode("utf-8")) + 40
            if size >= 2 * 1024 * 1024:
                p = out / f"poems{part:03d}.md"
                write_txt(p, buf, "utf-8")
                files.append(p)
                total += p.stat().st_size
                part, buf, size = part + 1, [], 0
    if buf and total < limit:
        p = out / f"poems{part:03d}.md"
        write_txt(p, buf, "utf-8")
        files.append(p)
    stamp.write_text(json.dumps({"version": VERSION, "target_mb": target_mb, "files": [f.name for f in files]}))
    return files


def main(argv=None) -> int:
    from toolkit.corpus import laws_db_path
    from toolkit.config import get_settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?", default=None)
    ap.add_argument("--scale-mb", type=float, default=0, help="build the ingest-scale corpus of this size instead")
    args = ap.parse_args(argv)
    s = get_settings()
    out = Path(args.out) if args.out else s.data_dir / "cache" / "kb_bench" / ("scale" if args.scale_mb else "corpus")
    poems = s.corpora_dir / "poems.jsonl"
    if args.scale_mb:
        files = build_scale_corpus(out, laws_db_path(s), poems, args.scale_mb)
    else:
        files = build_quality_corpus(out, laws_db_path(s), poems)
    size = sum(f.stat().st_size for f in files) / 1048576
    print(f"{len(files)} files, {size:.1f} MB in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
