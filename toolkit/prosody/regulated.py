"""Check lines against one 近体 template: fixed positions, 粘/对, 孤平, 三平尾, 拗救, rhyme, 重字."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from .books import RhymeBook
from .build import load_yaml
from .forms import Template
from .report import Violation
from .rules import is_gu_ping, is_san_ping_wei, matches


def _pos_name(p: int) -> str:
    return f"第{p + 1}字"


@lru_cache(maxsize=1)
def neighbour_groups() -> dict[str, frozenset[str]]:
    """平水韵 level groups that share a 词林正韵 部 (东冬, 支微齐灰, 真文元, 元寒删先 ...): 邻韵."""
    out: dict[str, set[str]] = {}
    for part in load_yaml("cilin.yaml")["parts"].values():
        level = part.get("平", [])
        for g in level:
            out.setdefault(g, set()).update(x for x in level if x != g)
    return {k: frozenset(v) for k, v in out.items()}


def check_tones(tpl: Template, lines: list[str], tones: list[list[str]]) -> list[Violation]:
    """Tone violations (fixed positions, 粘/对, 拗救 notes, 孤平, 三平尾, line endings)."""
    out: list[Violation] = []
    for i, (lt, line, t) in enumerate(zip(tpl.lines, lines, tones)):
        n = len(t)
        off = n - 5
        for p in range(n - 1):
            exp, act = lt.pattern[p], t[p]
            if exp == "中" or matches(act, exp):
                continue
            cp = p - off
            ch = line[p]
            if lt.kind == "D" and cp == 2:
                continue  # only there to prevent 三平尾, which is checked as such
            if lt.kind == "A" and cp == 3:
                nxt = tones[i + 1] if i + 1 < len(tones) and tpl.lines[i + 1].kind == "B" else None
                if nxt is not None and nxt[off + 2] in ("平", "中"):
                    out.append(Violation(i, p, "ao_jiu", f"{_pos_name(p)}「{ch}」拗, 对句第{off + 3}字「{lines[i + 1][off + 2]}」用平声相救 (对句相救)", "note"))
                    continue
            if lt.kind == "C" and cp == 3 and t[off + 2] in ("仄", "中"):
                out.append(Violation(i, p, "ao_jiu", f"{_pos_name(p)}「{ch}」平, 与第{off + 3}字互换, 为特拗句式 (平平仄平仄)", "note"))
                continue
            kind, why = "tone", ""
            if p == 1 and i > 0:
                prev = tones[i - 1][1]
                if i % 2 == 1 and prev == act:
                    kind, why = "dui", f", 与出句第2字「{lines[i - 1][1]}」同为{act}声 (失对)"
                elif i % 2 == 0 and prev in ("平", "仄") and prev != act:
                    kind, why = "nian", f", 与上句第2字「{lines[i - 1][1]}」平仄相反 (失粘)"
            out.append(Violation(i, p, kind, f"{_pos_name(p)}「{ch}」应为{exp}声, 实为{act}声{why}"))
        last = t[-1]
        if not lt.rhyme and last == "平":
            out.append(Violation(i, n - 1, "tone", f"不入韵句末字「{line[-1]}」应为仄声, 实为平声"))
        if lt.base[-1] == "平":
            if is_gu_ping(t):
                p = off + 0 if t[off] == "仄" else off + 2
                out.append(Violation(i, p, "gu_ping", f"犯孤平: 「{line[off:]}」除韵脚外只有一个平声字 (可将第{off + 3}字改平声自救)"))
            if is_san_ping_wei(t):
                out.append(Violation(i, n - 3, "san_ping_wei", f"三平尾: 句末「{line[-3:]}」三字皆平"))
    return out


def choose_group(book: RhymeBook, chars: list[str], weights: list[int]) -> str | None:
    """The level group shared by the most rhyme characters (weights favour required rhymes)."""
    score: Counter = Counter()
    order: dict[str, int] = {}
    for c, w in zip(chars, weights):
        for g in book.groups_of(c, level_only=True):
            score[g] += w
            order.setdefault(g, len(order))
    if not score:
        return None
    return max(score, key=lambda g: (score[g], -order[g]))


def check_rhyme(tpl: Template, lines: list[str], tones: list[list[str]], book: RhymeBook) -> tuple[str | None, list[Violation]]:
    """Rhyme group and rhyme violations: all required rhymes level and in one group; a first line
    may borrow a neighbouring group (noted); the same rhyme character twice is 重韵."""
    idx = list(tpl.rhyme_lines)
    chars = [lines[i][-1] for i in idx]
    weights = [1 if i == 0 else 3 for i in idx]
    group = choose_group(book, chars, weights)
    out: list[Violation] = []
    neigh = neighbour_groups() if book.id == "pingshui" else {}
    for i, c in zip(idx, chars):
        p = len(lines[i]) - 1
        if tones[i][-1] == "仄":
            out.append(Violation(i, p, "rhyme_tone", f"韵脚「{c}」为仄声; 近体诗押平声韵"))
            continue
        gs = book.groups_of(c, level_only=True)
        if group is None or group in gs:
            if group is None:
                out.append(Violation(i, p, "rhyme", f"韵脚「{c}」不在{book.name}平声韵中"))
            continue
        where = f" (属 {'、'.join(gs)} 韵)" if gs else f" ({book.name}未收)"
        if i == 0 and set(gs) & neigh.get(group, frozenset()):
            out.append(Violation(i, p, "neighbor_rhyme", f"首句韵脚「{c}」借邻韵{where}, 全诗押{group}韵", "note"))
        else:
            out.append(Violation(i, p, "rhyme", f"韵脚「{c}」不在{group}韵{where}, 出韵"))
    seen: dict[str, int] = {}
    for i, c in zip(idx, chars):
        if c in seen:
            out.append(Violation(i, len(lines[i]) - 1, "repeat_rhyme", f"韵脚「{c}」与第{seen[c] + 1}句重复 (重韵)"))
        seen.setdefault(c, i)
    return group, out


def repeated_chars(lines: list[str]) -> list[Violation]:
    """重字 notes: a character used more than once (叠字 included, as teachers note them too)."""
    counts = Counter("".join(lines))
    out = []
    for ch, n in counts.items():
        if n > 1:
            first = next(i for i, l in enumerate(lines) if ch in l)
            out.append(Violation(first, lines[first].index(ch), "repeat_char", f"重字「{ch}」出现 {n} 次", "note"))
    return out
