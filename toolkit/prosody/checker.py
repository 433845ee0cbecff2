"""``check(text, form=None, rhyme_book="pingshui")``: the prosody checker for 近体诗 and 词.

Example:
    >>> from toolkit.prosody import check
    >>> r = check("国破山河在，城春草木深。感时花溅泪，恨别鸟惊心。烽火连三月，家书抵万金。白头搔更短，浑欲不胜簪。")
    >>> r.form, r.ok, r.rhyme_group, r.template          # doctest: +SKIP
    ('五律', True, '侵', '仄起首句不入韵')
"""

from __future__ import annotations

from .books import RhymeBook, book_id, get_book
from .forms import (
    REGULATED_FORMS, SHAPES, Template, couplet_kinds, forms_for_shape, nian_next, regulated_templates,
    template_from_kinds,
)
from .regulated import check_rhyme, check_tones, repeated_chars
from .report import ProsodyReport, Violation
from .text import split_lines
from .grid import tone_grid, unknown_violations
from .tones import is_han

_TOTALS = {n * l: f for f, (n, l) in SHAPES.items()}  # 20 五绝, 28 七绝, 40 五律, 56 七律


def _score(violations: list[Violation]) -> tuple[int, int]:
    return (sum(v.severity == "error" for v in violations), sum(v.severity != "error" for v in violations))


def check_regulated(tpl: Template, lines: list[str], tones: list[list[str]], book: RhymeBook) -> tuple[str | None, list[Violation]]:
    """All violations of ``lines`` against one regulated template (shapes must match)."""
    group, rv = check_rhyme(tpl, lines, tones, book)
    return group, check_tones(tpl, lines, tones) + rv + repeated_chars(lines)


def _layout(form: str, first: str, lines: list[str], tones: list[list[str]], memo: dict | None = None) -> tuple[Template, list[Violation]]:
    """Line types for a poem starting with ``first``: each later couplet follows 粘 unless starting
    with the other type costs fewer errors than keeping it — then one 失粘 is reported there, instead
    of every following position failing against a template that no longer applies."""
    kinds = list(couplet_kinds(first))
    nian: list[Violation] = []
    for j in range(2, len(lines), 2):
        expected = nian_next(kinds[-1])
        choice, best = expected, None
        for cand in (expected, "A" if expected == "C" else "C"):
            memo = {} if memo is None else memo
            if (j, cand) not in memo:  # a couplet's cost does not depend on the start: share it
                sub = template_from_kinds(form, couplet_kinds(cand))
                memo[(j, cand)] = _score(check_tones(sub, lines[j : j + 2], tones[j : j + 2]))
            errs, notes = memo[(j, cand)]
            key = (errs + (cand != expected), notes, cand != expected)
            if best is None or key < best:
                choice, best = cand, key
        if choice != expected:
            prev = lines[j - 1]
            nian.append(Violation(j, 1, "nian", f"第2字「{lines[j][1]}」与上句第2字「{prev[1]}」平仄相反 (失粘); 此联按{'平' if tones[j][1] == '平' else '仄'}起检查"))
        kinds += couplet_kinds(choice)
    return template_from_kinds(form, kinds), nian


def _resplit(lines: list[str]) -> list[str] | None:
    """Unpunctuated or couplet-per-line text (20/28/40/56 characters) cut into equal 句."""
    form = _TOTALS.get(sum(map(len, lines)))
    if form is None:
        return None
    size = SHAPES[form][1]
    if any(len(l) % size for l in lines):
        return None
    return [l[k : k + size] for l in lines for k in range(0, len(l), size)]


def _shape_reason(lines: list[str]) -> str:
    shape = "、".join(str(len(l)) for l in lines)
    return (
        f"共 {len(lines)} 句, 每句字数 {shape}: 不合五绝/七绝 (4 句 × 5/7 字)、五律/七律 (8 句 × 5/7 字), "
        "也不合已收词牌 (no regulated form or supported 词牌 fits this shape)"
    )


def _report_regulated(form: str, lines: list[str], book: RhymeBook, extra: list[Violation], unknown) -> ProsodyReport:
    tones, unk = tone_grid(lines, book)
    best, memo = None, {}
    for start in regulated_templates(form):
        tpl, nian = _layout(form, start.lines[0].kind, lines, tones, memo)
        group, vs = check_regulated(tpl, lines, tones, book)
        vs += nian
        key = _score(vs)
        if best is None or key < best[0]:
            best = (key, tpl, group, vs)
    _, tpl, group, vs = best
    vs = sorted(vs + unknown_violations(lines, unk, unknown) + extra, key=lambda v: (v.line, v.pos))
    errors = [v for v in vs if v.severity == "error"]
    rhyme_ok = not any(v.kind in ("rhyme", "rhyme_tone", "repeat_rhyme") for v in vs)
    summary = "合律" if not errors else f"{len(errors)} 处不合律"
    return ProsodyReport(
        form=form, ok=not errors, rhyme_ok=rhyme_ok, rhyme_group=group, tones=tones, violations=vs,
        template=tpl.name, expected=[lt.pattern for lt in tpl.lines], lines=list(lines),
        unknown_chars=[u.char for u in unk], rhyme_book=book.id, reason=f"{form} {tpl.name}: {summary}",
    )


def _wrong_shape(form: str, lines: list[str], book: RhymeBook, expected: tuple[int, ...], stray) -> ProsodyReport:
    tones, unk = tone_grid(lines, book)
    n_exp = len(expected)
    msg = f"{form}应为 {n_exp} 句 (每句 {'/'.join(map(str, sorted(set(expected))))} 字), 实为 {len(lines)} 句 ({'、'.join(str(len(l)) for l in lines)} 字)"
    vs = [Violation(-1, -1, "length", msg)]
    for i, l in enumerate(lines[:n_exp]):
        if len(l) != expected[i]:
            vs.append(Violation(i, -1, "length", f"第{i + 1}句「{l}」{len(l)} 字, 应为 {expected[i]} 字"))
    vs += unknown_violations(lines, unk, stray)
    return ProsodyReport(form=form, ok=False, rhyme_ok=None, rhyme_group=None, tones=tones, violations=vs,
                         lines=list(lines), unknown_chars=[u.char for u in unk], rhyme_book=book.id, reason=msg)


def check(text: str, form: str | None = None, rhyme_book: str = "pingshui") -> ProsodyReport:
    """Check a 近体诗 or 词 against its form.

    Args:
        text: the poem; lines separated by punctuation, newlines or spaces; simplified or traditional.
        form: 五绝, 七绝, 五律, 七律 or a 词牌 name; None = detect (the template with fewest violations).
        rhyme_book: pingshui (平水韵, default), cilin (词林正韵), xinyun (中华新韵), tongyun (中华通韵).
            词 are checked against 词林正韵 unless a modern book is chosen.

    Returns:
        A :class:`ProsodyReport`; a shape no form fits gives ``form=None`` and ``reason``.

    Raises:
        InvalidInputError: empty text, no Chinese characters, text over 2000 characters, an unknown
            form or rhyme book (the message lists the valid ones).
    """
    book = get_book(book_id(rhyme_book))
    split = split_lines(text)
    lines = list(split.lines)
    stray = list(split.stray)
    if form is not None:
        form = str(form).strip()
        if form not in SHAPES:
            from .cipai import check_ci, resolve_cipai

            return check_ci(lines, resolve_cipai(form), book, stray)
        n, size = SHAPES[form]
        if [len(l) for l in lines] != [size] * n:
            re = _resplit(lines)
            if re is None or [len(l) for l in re] != [size] * n:
                return _wrong_shape(form, lines, book, (size,) * n, stray)
            lines = re
        return _report_regulated(form, lines, book, [], stray)
    shape = tuple(len(l) for l in lines)
    forms = forms_for_shape(shape)
    if not forms:
        re = _resplit(lines)
        if re is not None:
            lines, forms = re, forms_for_shape(tuple(len(l) for l in re))
    from .cipai import detect_ci

    if forms:
        report = _report_regulated(forms[0], lines, book, [], stray)
        if report.ok:
            return report
        ci = detect_ci(lines, book, stray)  # 生查子 has the shape of a 五律
        return ci if ci is not None and ci.ok else report
    report = detect_ci(lines, book, stray)
    if report is not None:
        return report
    tones, unk = tone_grid(lines, book)
    reason = _shape_reason(lines)
    vs = [Violation(-1, -1, "form", reason)] + unknown_violations(lines, unk, stray)
    return ProsodyReport(form=None, ok=False, rhyme_ok=None, rhyme_group=None, tones=tones, violations=vs,
                         lines=lines, unknown_chars=[u.char for u in unk], rhyme_book=book.id, reason=reason)


__all__ = ["check", "check_regulated", "tone_grid", "REGULATED_FORMS", "is_han"]
