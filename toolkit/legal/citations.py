"""Find statute citations in free text and check each against the corpus.

Handles 《中华人民共和国民法典》第一千一百六十五条, 民法典第1254条, lists (第1079条、第1087条;
第一千零七十九条和第一千零八十七条; 第1079条、1087条), 之一/之二, 第N条第M款第K项, Chinese or Arabic
numerals, short names and aliases, 该法/本法/同法 (the last named law), repealed laws (→ not_current
with the successor), and a quotation right after the citation (“…”), compared with the article.

Example:
    >>> [c.status for c in verify_citations("依据合同法第52条和民法典第1165条")]  # doctest: +SKIP
    ['not_current', 'ok']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .numerals import NUMBER, article_label, cn_to_int
from .quotes import quote_matches
from .records import CitationCheck
from .store import LawInfo, LawStore, normalize_law_name

_SUBS = "一二三四五六七八九十"
REF = re.compile(
    rf"(?P<di>第\s*)?(?P<no>{NUMBER})\s*条(?!例)"
    rf"(?:\s*之\s*(?P<sub>[{_SUBS}]|[1-9](?![0-9])))?"
    rf"(?:\s*第\s*(?P<para>{NUMBER})\s*款)?"
    rf"(?:\s*第\s*[（(]?\s*(?P<item>{NUMBER})\s*[)）]?\s*项)?"
)
# Between items of one list: 、 ， 和 及 与 或 以及 至 到 (ranges keep their endpoints).
_LIST_GAP = re.compile(r"^[\s、，,;；和及与或以至到和、]*$")
_SAME_LAW = re.compile(r"(?:该法|本法|同法|此法|前法|上述法律|该法律|前述法律|该部法律)\s*$")
_TRAILING_NOTE = re.compile(r"\s*[（(][^（）()]{0,20}[)）]\s*$")
_BRACKET = re.compile(r"《([^《》]{1,60})》\s*$")
# A law-like name right before 第N条 that is not in the catalogue (→ unknown_law).
_UNKNOWN = re.compile(r"([\u4e00-\u9fff（）()]{2,30}?(?:法典|法|条例|规定|办法|细则|通则|总则|解释|决定))\s*$")
_LEAD_INS = re.compile(r"^.*(?:根据|依据|依照|按照|违反|适用|参照|援引|引用|对照|符合|同时|以及|结合|还有|另外|鉴于|关于|参见|详见)")
_LEAD_CHAR = re.compile(r"^(?:[按依据见如和及与或即由在对从将把是的]|新的|新|现行的|现行)+")
_DEMONSTRATIVE = re.compile(r"^(?:上述|前述|前款|该|本|此|这个|这部|那个)")
_QUOTE = re.compile(r"^\s*(?:的)?(?:中)?(?:明确)?(?:规定|指出|载明|写道|表述为|原文为)?\s*[:：，,]?\s*[“\"「『]([^”\"」』]{1,3000})[”\"」』]")


@dataclass
class _Found:
    start: int
    end: int
    law: LawInfo | None
    law_raw: str | None  # as written, for unknown laws
    law_start: int
    no: int | None
    sub: int
    para: int | None
    item: int | None


def sub_number(s: str | None) -> int:
    """之一 → 1, 之2 → 2, None → 0."""
    if not s:
        return 0
    return int(s) if s.isdigit() else _SUBS.index(s) + 1


_NOT_IN_CORPUS = re.compile(r"^(?:最高人民法院|最高人民检察院|国务院|.*(?:司法解释|条例|规章|实施细则|实施办法|办法)$)")


def _law_before(gap: str, store: LawStore) -> tuple[LawInfo | None, str | None, int] | None:
    """The law named at the end of ``gap`` as (info, raw name, offset in gap), or None if none is named."""
    g = _TRAILING_NOTE.sub("", gap.rstrip())  # 《民法典》（2020年）第1165条
    m = _BRACKET.search(g)
    if m:
        return store.resolve(m.group(1)), m.group(1), m.start()
    # Known names and aliases ending exactly at the reference: take the longest.
    best = None
    for size in range(min(40, len(g)), 1, -1):
        tail = g[-size:]
        if tail in store.names:
            best = (store.names[tail], tail, len(g) - size)
            break
    if best:
        return best
    m = _UNKNOWN.search(g)
    if m:
        raw = _LEAD_CHAR.sub("", _LEAD_INS.sub("", m.group(1))) or m.group(1)
        if _DEMONSTRATIVE.match(raw):
            return None  # 上述规定第三条: refers back, handled by the caller
        info = store.resolve(raw)
        if info is None:
            # The longest known name inside the candidate wins (依照新修订的劳动合同法 → 劳动合同法).
            inner = [x for x in store.name_pattern.findall(raw) if raw.endswith(x)]
            if inner:
                return store.names[inner[0]], inner[0], len(g) - len(inner[0])
        if len(raw) >= 3 or info is not None:
            return info, raw, m.start() + (len(m.group(1)) - len(raw))
    return None


def find_citations(text: str, store: LawStore) -> list[_Found]:
    """Every article reference in ``text`` with the law it belongs to (None when none can be told)."""
    found: list[_Found] = []
    last_law: tuple[LawInfo | None, str | None] | None = None
    prev_end = 0
    for m in REF.finditer(text):
        no = cn_to_int(m.group("no"))
        gap = text[prev_end:m.start()]
        is_list = bool(found) and found[-1].end == prev_end and _LIST_GAP.match(gap) is not None
        named = _law_before(gap, store)
        if m.group("di") is None and not is_list and (named is None or named[0] is None):
            continue  # "3条" without 第 counts inside a list or right after a known law (民法典1165条)
        law_start = m.start()
        if _SAME_LAW.search(gap.rstrip()) and last_law:
            law, raw = last_law
            law_start = prev_end + len(gap.rstrip()) - len(_SAME_LAW.search(gap.rstrip()).group(0))
        elif named is not None:
            law, raw, off = named
            law_start = prev_end + off
            last_law = (law, raw)
        elif last_law is not None:
            law, raw = last_law  # list continuation or a later bare 第N条: the last named law
        else:
            prev_end = m.end()
            continue  # a bare 第N条 with no law named anywhere before: nothing to check
        sub = sub_number(m.group("sub"))
        para = cn_to_int(m.group("para")) if m.group("para") else None
        item = cn_to_int(m.group("item")) if m.group("item") else None
        found.append(_Found(m.start(), m.end(), law, raw, law_start, no, sub, para, item))
        prev_end = m.end()
    return found


def _paragraphs(text: str) -> list[list[str]]:
    """Article text → paragraphs (款), each a list of its lines; item lines （一）… stay with their 款."""
    paras: list[list[str]] = []
    for line in (x.strip() for x in text.split("\n")):
        if not line:
            continue
        if re.match(r"^[（(][一二三四五六七八九十]+[)）]", line) and paras:
            paras[-1].append(line)
        else:
            paras.append([line])
    return paras


def check_citations(text: str, store: LawStore) -> list[CitationCheck]:
    """Verify every citation in ``text`` against ``store``; see :func:`toolkit.legal.verify_citations`."""
    out: list[CitationCheck] = []
    for f in find_citations(text, store):
        raw_start = f.law_start if f.law_start < f.start else f.start
        raw = text[raw_start:f.end]
        base = dict(raw=raw, article_no=f.no, span=(raw_start, f.end), sub=f.sub, paragraph=f.para, item=f.item)
        if f.law is None:
            hints = store.suggest(f.law_raw or "")
            msg = f"未知的法律 '{f.law_raw}' (unknown law)"
            if _NOT_IN_CORPUS.match(normalize_law_name(f.law_raw or "")):
                msg += ("；语料只收录全国人大及其常委会的法律，司法解释、行政法规和规章无法核验 "
                        "(only national laws are in the corpus; judicial interpretations and regulations cannot be verified)")
            elif hints:
                msg += "；您是否指 (did you mean): " + "、".join(hints)
            out.append(CitationCheck(law_name=None, status="unknown_law", article_text=None, message=msg, **base))
            continue
        law = f.law
        if not law.current:
            msg = f"《{law.law_name}》已不再有效 (not current)"
            if law.successor:
                msg = f"《{law.law_name}》已被《{law.successor}》取代 ({law.repealed_on})；请引用现行法 (cite the current law)"
            elif law.repealed_on:
                msg = f"《{law.law_name}》已于 {law.repealed_on} 废止 (repealed)"
            if law.note and not law.successor:
                msg += f"；{law.note}"
            out.append(CitationCheck(law_name=law.law_name, status="not_current", article_text=None, message=msg,
                                     law_id=law.law_id, successor=law.successor, **base))
            continue
        label = article_label(f.no, f.sub) if f.no else None
        art = store.article(law.law_name, f.no, f.sub) if f.no else None
        if art is None:
            n = store.article_count(law.law_name)
            msg = f"《{law.law_name}》没有{label or raw} (no such article)；该法共 {n} 条 (the law has {n} articles)"
            out.append(CitationCheck(law_name=law.law_name, status="no_such_article", article_text=None, message=msg,
                                     law_id=law.law_id, article_label=label, **base))
            continue
        status, msg = "ok", "条文存在且现行有效 (ok)"
        paras = _paragraphs(art.text)
        if f.para is not None and not 1 <= f.para <= len(paras):
            status, msg = "no_such_article", f"{art.article_label}只有 {len(paras)} 款，没有第{f.para}款 (no such paragraph)"
        elif f.item is not None:
            lines = paras[f.para - 1][1:] if f.para else [x for p in paras for x in p[1:]]
            if not 1 <= f.item <= len(lines):
                status, msg = "no_such_article", f"{art.article_label}没有第{f.item}项 (no such item)；共 {len(lines)} 项"
        quote, quote_ok = None, None
        qm = _QUOTE.match(text[f.end:])
        if qm:
            quote = qm.group(1)
            target = "\n".join(paras[f.para - 1]) if (f.para and status == "ok") else art.text
            quote_ok = quote_matches(quote, target) or quote_matches(quote, art.text)
            if not quote_ok:
                msg += "；引文与条文不符 (quote does not match the article text)"
        out.append(CitationCheck(law_name=law.law_name, status=status, article_text=art.text, message=msg,
                                 law_id=law.law_id, article_label=art.article_label, quote=quote,
                                 quote_ok=quote_ok, **base))
    return out
