"""Generation with a capable (instruction-following) backend: prompt, check, repair violating lines."""

from __future__ import annotations

from toolkit.prompts import PromptRegistry
from toolkit.prosody import check
from toolkit.prosody import n_lines as form_lines

from .generate import join_lines, split_lines
from .records import Poem

REPAIR_ROUNDS = 2


def _poem_text(raw: str, n_lines: int) -> str:
    """Keep the first ``n_lines`` 句 of a model answer and lay them out as a poem."""
    lines = [l for l in split_lines(raw) if len(l) in (5, 7)]
    return join_lines(lines[:n_lines])


def generate_capable(llm, req, lines_set, notes: list[str]) -> list[Poem]:
    """Prompt with ``poem_generate``, check every draft, repair with ``poem_repair`` up to 2 rounds."""
    reg = PromptRegistry.from_settings()
    n_lines = form_lines(req.form)
    out = []
    for i in range(req.n):
        prompt = reg.render("poem_generate", form=req.form, topic=req.topic, keywords=list(req.keywords),
                            acrostic=req.acrostic, rhyme_group=req.rhyme_group, examples=[])
        seed = None if req.seed is None else req.seed + i
        text = _poem_text(llm.generate(prompt, seed=seed, temperature=0.8), n_lines)
        report = check(text, req.form, req.rhyme_book)
        rounds = 0
        while not report.ok and rounds < REPAIR_ROUNDS:
            rounds += 1
            prompt = reg.render("poem_repair", form=req.form, poem=text, rhyme_group=req.rhyme_group or report.rhyme_group,
                                violations=[v.message for v in report.errors])
            fixed = _poem_text(llm.generate(prompt, seed=seed, temperature=0.3), n_lines)
            new = check(fixed, req.form, req.rhyme_book)
            if len(new.errors) <= len(report.errors):
                text, report = fixed, new
        copied = tuple(l for l in report.lines if lines_set is not None and l in lines_set)
        pnotes = list(notes) + ([f"修改 {rounds} 轮 (repair rounds)"] if rounds else [])
        if not report.ok:
            pnotes.append(f"修改后仍有 {len(report.errors)} 处不合律 (still violates after repair)")
        out.append(Poem(text, req.form, report, -len(report.errors), copied_lines=copied, notes=tuple(pnotes),
                        rhyme_group=report.rhyme_group, template=report.template))
    return out
