"""Request -> :class:`~.plan.PoemPlan`: template, rhyme group, season and time of day, keywords by PMI.

Everything the decoder needs is decided here, once; the decoder and the reranker read only the plan.
"""

from __future__ import annotations

import random
from dataclasses import replace

from toolkit.prosody import group_chars, n_lines

from .constrained import line_tones_plan, safe_tone
from .plan import (FILLER, SEASON_MARKERS, TIME_MARKERS, LinePlan, PoemPlan, arc_roles, assign_keywords,
                   choose_marker, keyword_starts, place_keywords)
from .topic import body_of, char_counts, choose_group, inspirations

TOPIC_CHARS = 150  # characters of the retrieved poems kept in the plan (bias and relevance)


def clean_topic(topic: str) -> tuple[str, list[str]]:
    """The Han characters of ``topic`` (the model and the corpus are Chinese), with a note on what was dropped."""
    han = "".join(ch for ch in topic if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    dropped = "".join(ch for ch in topic if ch not in han and not ch.isspace())
    if not dropped:
        return han, []
    if not han:
        return "", [f"题目「{topic}」没有汉字, 已忽略, 按无题创作 (the topic has no Chinese characters: ignored, "
                    "the model and the corpus are Chinese)"]
    return han, [f"题目中的非汉字部分「{dropped}」已忽略 (ignored: not Chinese), 按「{han}」创作"]


def clean_keywords(keywords: tuple[str, ...], max_len: int) -> tuple[tuple[str, ...], list[str]]:
    """Keywords reduced to Han characters; empty or over-long ones are dropped with a note."""
    out, notes = [], []
    for kw in keywords:
        han = "".join(ch for ch in kw if "\u4e00" <= ch <= "\u9fff")
        if not han:
            notes.append(f"关键词「{kw}」没有汉字, 已忽略 (keyword has no Chinese characters: ignored)")
            continue
        if han != kw:
            notes.append(f"关键词「{kw}」中的非汉字已去掉, 用「{han}」 (non-Chinese characters removed)")
        if len(han) >= max_len:
            notes.append(f"关键词「{han}」有 {len(han)} 字, 放不进 {max_len} 字的句子, 已忽略 "
                         f"(too long for a line: ignored)")
        out.append(han)
    return tuple(out), notes


def make_plan(req, hits, vocab, stats, usable, rng: random.Random) -> PoemPlan:
    """The plan for a validated :class:`~.generate.Request`.

    Args:
        req: the request (form, topic, keywords, acrostic, rhyme, start, opening).
        hits: poems retrieved for the topic (index hits; empty without an index or topic).
        vocab: :func:`~.constrained.vocab_for` of the model, or None (no vocabulary checks).
        stats: :class:`~.imagery.ImageryStats` or None (no related words: keywords only from the user).
        usable: ``usable(group) -> bool`` for the rhyme group choice.
        rng: the request's random source (template choice, keyword positions).
    """
    from .generate import pick_templates

    notes: list[str] = []
    topic, tnotes = clean_topic(req.topic)
    notes += tnotes
    tpls = pick_templates(req)
    tpl = req.opening_template if req.opening else (tpls[0] if req.acrostic else tpls[rng.randrange(len(tpls))])
    if req.rhyme_group:
        group = req.rhyme_group
        if not usable(group):
            notes.append(f"韵部「{group}」可用字较少 (few usable characters)")
    else:
        group, why = choose_group(hits, req.rhyme_book, usable)
        notes.append(why)
    rhyme_chars = group_chars(group, req.rhyme_book)
    tones, tone_notes = line_tones_plan(tpl, req.acrostic, req.rhyme_book)
    notes += tone_notes
    texts = [body_of(h) for h in hits]
    season, why = choose_marker(topic, texts, SEASON_MARKERS, "季节")
    notes.append(why)
    tod, why = choose_marker(topic, texts, TIME_MARKERS, "时辰")
    notes.append(why)
    start, total = len(req.opening), n_lines(req.form)
    user_kw, knotes = clean_keywords(req.keywords, tpl.lines[0].length)
    notes += knotes

    def tone_of(ch):
        if vocab is not None and ch not in vocab.ids:
            return None
        return safe_tone(ch, req.rhyme_book)

    def fits_line(word, k):
        i = start + k
        return bool(keyword_starts(word, tpl.lines[i], tones[i], rhyme_chars, bool(req.acrostic), tone_of))

    draft = PoemPlan(req.form, tpl.name, group, req.rhyme_book, topic, topic[:40], req.acrostic, season, tod,
                     opening=tuple(req.opening))
    banned = set(draft.banned_chars()) | set(FILLER)
    related = stats.related(texts, exclude="".join(banned)) if stats is not None and texts else []
    if stats is None:
        notes.append("没有词频表, 关键词只取用户给的 (no imagery table: only the user's keywords)")
    elif topic and not texts:
        notes.append("没有检索到相似古诗, 关键词只取用户给的 (no retrieved poems: only the user's keywords)")
    roles = arc_roles(total)[start:]
    chosen, anotes = assign_keywords(roles, tuple(k for k in user_kw if len(k) < tpl.lines[0].length), related,
                                     fits_line)
    notes += anotes
    lines = tuple(LinePlan(r, kw, None, why) for r, (kw, why) in zip(roles, chosen))
    counts = char_counts(hits, topic)
    plan = replace(draft, lines=lines, topic_chars=dict(counts.most_common(TOPIC_CHARS)),
                   inspirations=inspirations(hits))
    plan, pnotes = place_keywords(plan, tones, rhyme_chars, tone_of, rng)
    return replace(plan, notes=tuple(notes + pnotes))


def revise_plan(plan: PoemPlan, vocab, rng: random.Random) -> PoemPlan:
    """A plan the user may have edited, made decodable: keywords cleaned and (re)placed where their tones
    fit; the notes say what was adjusted. The rest (form, template, rhyme, season, time) is kept as given."""
    from .generate import validate_group

    validate_group(plan.rhyme_group, plan.rhyme_book)
    tpl = plan.tpl
    notes: list[str] = []
    lines = []
    for k, lp in enumerate(plan.lines):
        if lp.keyword:
            (kw,), knotes = clean_keywords((lp.keyword,), tpl.lines[0].length) if any(
                "\u4e00" <= c <= "\u9fff" for c in lp.keyword) else ((None,), [f"关键词「{lp.keyword}」没有汉字, 已忽略 "
                                                                           "(keyword has no Chinese characters: ignored)"])
            notes += knotes
            if kw and len(kw) >= tpl.lines[0].length:
                kw = None
            lp = replace(lp, keyword=kw, why=lp.why or "用户修改 (edited)")
        lines.append(lp)
    plan = replace(plan, lines=tuple(lines))
    tones, _ = line_tones_plan(tpl, plan.acrostic, plan.rhyme_book)

    def tone_of(ch):
        return None if vocab is not None and ch not in vocab.ids else safe_tone(ch, plan.rhyme_book)

    plan, pnotes = place_keywords(plan, tones, group_chars(plan.rhyme_group, plan.rhyme_book), tone_of, rng)
    return replace(plan, notes=tuple(dict.fromkeys(tuple(plan.notes) + tuple(notes) + tuple(pnotes))))
