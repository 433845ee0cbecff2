"""词牌: templates as data (``data/cipai.yaml``) and the ci checker (per-position 平仄, rhyme sets
checked against 词林正韵; 粘/对/孤平 do not apply to ci).

The text is aligned to a variant by its characters, not its punctuation: editions punctuate ci
differently (浪淘尽、千古风流人物), so a variant fits when the total length matches; punctuation that
agrees with the variant's 句 breaks decides between variants of equal length.

Example:
    >>> from toolkit.prosody.cipai import cipai, cipai_names
    >>> "水调歌头" in cipai_names()
    True
    >>> cipai("水调歌头").variants[0].total
    95
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import InvalidInputError
from .books import RhymeBook, get_book
from .build import load_yaml
from .forms import REGULATED_FORMS, SHAPES, LineTemplate, Template, regulated_templates
from .grid import tone_grid, unknown_violations
from .report import ProsodyReport, Violation
from .rules import matches

_LINE = re.compile(r"^([平仄中]+)([A-Za-z]?)$")


@dataclass(frozen=True)
class Cipai:
    """A tune: ``name``, ``aliases``, ``variants`` (each a :class:`Template`), ``examples``
    (a famous ci per variant, as 作者「首句」)."""

    name: str
    aliases: tuple[str, ...]
    variants: tuple[Template, ...]
    examples: tuple[str, ...]


def _parse_variant(tune: str, spec: dict) -> Template:
    lines = []
    for tok in spec["lines"].split():
        if tok == "/":
            continue
        m = _LINE.match(tok)
        if not m:
            raise ValueError(f"cipai.yaml: {tune} {spec['name']}: bad line {tok!r}")
        pattern, mark = m.groups()
        rhyme = bool(mark)
        tone = pattern[-1] if rhyme and pattern[-1] != "中" else None
        lines.append(
            LineTemplate(
                pattern=pattern, base=pattern, rhyme=rhyme and mark.isupper(), rhyme_tone=tone,
                rhyme_set=(ord(mark.upper()) - ord("A")) if rhyme else -1, optional_rhyme=rhyme and mark.islower(),
            )
        )
    return Template(tune, spec["name"], tuple(lines), "龙榆生《唐宋词格律》")


@lru_cache(maxsize=1)
def _all() -> dict[str, Cipai]:
    out = {}
    for name, entry in load_yaml("cipai.yaml").items():
        variants = tuple(_parse_variant(name, v) for v in entry["variants"])
        out[name] = Cipai(name, tuple(entry.get("aliases", ())), variants, tuple(v.get("example", "") for v in entry["variants"]))
    return out


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    out = {}
    for c in _all().values():
        out[c.name] = c.name
        for a in c.aliases:
            out.setdefault(a, c.name)
    return out


def cipai_names() -> list[str]:
    """Names of the supported 词牌 (aliases such as 望江南 resolve through :func:`cipai`)."""
    return list(_all())


def resolve_cipai(name: str) -> Cipai:
    """The :class:`Cipai` for a name or alias (simplified or traditional; "·title" suffixes ignored)."""
    key = str(name).strip().split("·")[0].split("・")[0].strip()
    canon = _aliases().get(key)
    if canon is None:
        from .build import t2s_converter

        canon = _aliases().get("".join(t2s_converter()(c) for c in key))
    if canon is None:
        raise InvalidInputError(
            f"未知的体裁或词牌 {name!r} (unknown form or 词牌); 可选 (valid): " + ", ".join(REGULATED_FORMS + tuple(cipai_names()))
        )
    return _all()[canon]


def cipai(name: str) -> Cipai:
    """Public alias of :func:`resolve_cipai`."""
    return resolve_cipai(name)


def _slice(chars: str, tpl: Template) -> list[str]:
    out, k = [], 0
    for n in tpl.shape:
        out.append(chars[k : k + n])
        k += n
    return out


def _breaks(lines: list[str]) -> set[int]:
    out, k = set(), 0
    for l in lines[:-1]:
        k += len(l)
        out.add(k)
    return out


def _ci_book(book: RhymeBook) -> RhymeBook:
    return get_book("cilin") if book.id == "pingshui" else book


def _rhyme_violations(tpl: Template, lines: list[str], tones: list[list[str]], book: RhymeBook) -> tuple[list[str], list[Violation]]:
    out: list[Violation] = []
    groups: list[str] = []
    sets = sorted({lt.rhyme_set for lt in tpl.lines if lt.rhyme})
    for s in sets:
        idx = [i for i, lt in enumerate(tpl.lines) if lt.rhyme_set == s and (lt.rhyme or lt.optional_rhyme)]
        score: dict[str, float] = {}
        for i in idx:
            lt = tpl.lines[i]
            for g in _entries(book, lines[i][-1], lt.rhyme_tone):
                score[g] = score.get(g, 0) + (1 if lt.rhyme else 0.5)
        group = max(score, key=lambda g: (score[g], -list(score).index(g))) if score else None
        if group and group not in groups:
            groups.append(group)
        for i in idx:
            lt, c = tpl.lines[i], lines[i][-1]
            if not lt.rhyme:
                continue
            p = len(lines[i]) - 1
            if lt.rhyme_tone and not matches(tones[i][-1], lt.rhyme_tone):
                out.append(Violation(i, p, "rhyme_tone", f"韵脚「{c}」应为{lt.rhyme_tone}声韵, 实为{tones[i][-1]}声"))
            elif group is None or group not in _entries(book, c, lt.rhyme_tone):
                have = "、".join(_entries(book, c, None)) or f"{book.name}未收"
                out.append(Violation(i, p, "rhyme", f"韵脚「{c}」不在{group or '同一韵部'} ({have}), 出韵"))
    return groups, out


def _entries(book: RhymeBook, ch: str, tone: str | None) -> list[str]:
    """Group names holding ``ch``, restricted to level (平) or oblique (仄) memberships."""
    out = []
    for g in book.entries(ch):
        if tone == "平" and not g.level or tone == "仄" and g.level:
            continue
        if g.name not in out:
            out.append(g.name)
    return out


def _check_variant(tpl: Template, chars: str, tones_flat: list[str], book: RhymeBook):
    lines = _slice(chars, tpl)
    tones, k = [], 0
    for l in lines:
        tones.append(tones_flat[k : k + len(l)])
        k += len(l)
    vs: list[Violation] = []
    for i, (lt, line, t) in enumerate(zip(tpl.lines, lines, tones)):
        last = len(line) - 1
        for p, (exp, act) in enumerate(zip(lt.pattern, t)):
            if exp == "中" or matches(act, exp) or (p == last and lt.rhyme):
                continue
            vs.append(Violation(i, p, "tone", f"第{p + 1}字「{line[p]}」应为{exp}声, 实为{act}声"))
    groups, rv = _rhyme_violations(tpl, lines, tones, book)
    return lines, tones, groups, vs + rv


def check_ci(lines: list[str], tune: Cipai, book: RhymeBook, stray=()) -> ProsodyReport:
    """Check ``lines`` (as split by the user's punctuation) against every variant of ``tune``."""
    cbook = _ci_book(book)
    chars = "".join(lines)
    grid, unk = tone_grid(lines, cbook)
    flat = [t for row in grid for t in row]
    user_breaks = _breaks(lines)
    best = None
    for tpl in tune.variants:
        if tpl.total != len(chars):
            continue
        tl, tt, groups, vs = _check_variant(tpl, chars, flat, cbook)
        errors = sum(v.severity == "error" for v in vs)
        mismatch = len(_breaks(tl) ^ user_breaks) if len(lines) > 1 else 0
        key = (errors, mismatch)
        if best is None or key < best[0]:
            best = (key, tpl, tl, tt, groups, vs)
    unknown = unknown_violations(lines, unk, stray)
    if best is None:
        sizes = "、".join(f"{t.name} {t.total} 字" for t in tune.variants)
        msg = f"{tune.name}应为 {sizes}; 实为 {len(chars)} 字"
        return ProsodyReport(form=tune.name, ok=False, rhyme_ok=None, rhyme_group=None, tones=grid,
                             violations=[Violation(-1, -1, "length", msg)] + unknown, lines=list(lines),
                             unknown_chars=[u.char for u in unk], rhyme_book=cbook.id, reason=msg)
    _, tpl, tl, tt, groups, vs = best
    # unknown-char notes were located on the user's lines; relocate to the template's lines
    unknown = [_relocate(v, lines, tl) for v in unknown]
    vs = sorted(vs + unknown, key=lambda v: (v.line, v.pos))
    errors = [v for v in vs if v.severity == "error"]
    rhyme_ok = not any(v.kind in ("rhyme", "rhyme_tone") for v in vs)
    return ProsodyReport(
        form=tune.name, ok=not errors, rhyme_ok=rhyme_ok, rhyme_group="、".join(groups) or None, tones=tt,
        violations=vs, template=tpl.name, expected=[lt.pattern for lt in tpl.lines], lines=tl,
        unknown_chars=[u.char for u in unk], rhyme_book=cbook.id,
        reason=f"{tune.name} {tpl.name}: {'合律' if not errors else f'{len(errors)} 处不合律'}",
    )


def _relocate(v: Violation, src: list[str], dst: list[str]) -> Violation:
    if v.pos < 0:
        return v
    flat = sum(len(l) for l in src[: v.line]) + v.pos
    k = 0
    for i, l in enumerate(dst):
        if flat < k + len(l):
            return Violation(i, flat - k, v.kind, v.message, v.severity)
        k += len(l)
    return v


def detect_ci(lines: list[str], book: RhymeBook, stray=()) -> ProsodyReport | None:
    """The best-fitting 词牌 for ``lines`` (fewest errors, then punctuation agreement), or None
    when no variant has the text's length."""
    total = sum(map(len, lines))
    best = None
    for tune in _all().values():
        if not any(t.total == total for t in tune.variants):
            continue
        rep = check_ci(lines, tune, book, stray)
        key = (len(rep.errors) + len(_breaks(rep.lines) ^ _breaks(lines)), len(rep.errors))
        if best is None or key < best[0]:
            best = (key, rep)
    return best[1] if best else None


def templates(form: str) -> list[Template]:
    """All templates of ``form``: a regulated form (五绝 七绝 五律 七律) or a 词牌 name (its variants)."""
    if form in SHAPES:
        return list(regulated_templates(form))
    return list(cipai(form).variants)
