"""Poetry pipeline: generation keeps the form by construction even with a random tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.errors import InvalidInputError
from toolkit.prosody import check, groups_of

@pytest.mark.parametrize("form,shape", [("五绝", (4, 5)), ("七绝", (4, 7)), ("五律", (8, 5)), ("七律", (8, 7))])
def test_forms_pass_check_by_construction(pipe, form, shape):
    poems = pipe.generate("春夜", form=form, n=2, seed=7)
    assert len(poems) == 2
    for p in poems:
        rep = check(p.text, form)
        assert rep.ok, (p.text, [v.message for v in rep.errors])
        assert len(rep.lines) == shape[0] and all(len(l) == shape[1] for l in rep.lines)
        assert p.report.ok and p.form == form
        ends = [l[-1] for i, l in enumerate(rep.lines) if i % 2 == 1]
        assert len(set(ends)) == len(ends)  # no repeated rhyme character
        assert all(p.rhyme_group in groups_of(c, level_only=True) for c in ends)
        assert not any(k in rep.kinds() for k in ("gu_ping", "san_ping_wei"))
        assert p.inspirations  # retrieval from the fixture index


def test_seed_reproducible_and_varies(pipe):
    a = pipe.generate("秋思", form="五绝", n=2, seed=3)
    b = pipe.generate("秋思", form="五绝", n=2, seed=3)
    c = pipe.generate("秋思", form="五绝", n=2, seed=4)
    assert [p.text for p in a] == [p.text for p in b]
    assert [p.text for p in a] != [p.text for p in c]


def test_acrostic_keywords_and_rhyme_group(pipe):
    p = pipe.generate("四季", form="七绝", acrostic="春夏秋冬", keywords=["明月"], rhyme_group="东", seed=1)[0]
    lines = p.report.lines
    assert "".join(l[0] for l in lines) == "春夏秋冬"
    assert "明月" in p.text
    assert p.rhyme_group == "东" and p.report.rhyme_group == "东"
    assert p.report.ok, [v.message for v in p.report.errors]


def test_acrostic_five_char_relaxed_with_note(pipe):
    # 白 (仄) at the head of a 平起 line: relaxed and noted, still passes (一三五不论, 孤平 rescued)
    p = pipe.generate("", form="五绝", acrostic="白日青天", start="平起", seed=2)[0]
    assert "".join(l[0] for l in p.report.lines) == "白日青天"
    assert p.report.ok, [v.message for v in p.report.errors]


def test_bad_inputs(pipe):
    with pytest.raises(InvalidInputError, match="七绝"):
        pipe.generate("春", form="八绝")
    with pytest.raises(InvalidInputError, match="藏头"):
        pipe.generate("春", form="七绝", acrostic="春夏秋")
    for n in (0, 21, "2"):
        with pytest.raises(InvalidInputError, match="n="):
            pipe.generate("春", n=n)
    with pytest.raises(InvalidInputError, match="东"):
        pipe.generate("春", rhyme_group="不存在")
    assert pipe.generate("", form="五绝", seed=1)[0].report.ok  # empty topic: free generation
    long = pipe.generate("春" * 10_000, form="五绝", seed=1)[0]
    assert long.report.ok and any("截" in n for n in long.notes)


def test_verbatim_copies_detected(tiny_llm, poem_index, poem_rows):
    from pipelines.poetry import PoetryPipeline
    from pipelines.poetry.linehash import LineSet

    ls = LineSet.from_lines(l for r in poem_rows for l in r["lines"])
    assert "床前看月光" in ls and "床前看月亮" not in ls
    first = PoetryPipeline(llm=tiny_llm, index=poem_index, line_set=LineSet([])).generate("春", form="五绝", n=1, seed=5)[0]
    line = first.report.lines[0]
    trap = PoetryPipeline(llm=tiny_llm, index=poem_index, line_set=LineSet.from_lines([line]))
    again = trap.generate("春", form="五绝", n=1, seed=5)[0]
    assert line not in again.report.lines or again.copied_lines == (line,)
    assert not again.copied_lines  # a batch of samples always has a clean alternative


def test_line_set_saved_atomically(corpus_settings):
    from pipelines.poetry.linehash import line_set

    ls = line_set(corpus_settings, progress=False)
    assert "床前看月光" in ls
    assert (Path(corpus_settings.index_dir) / "poem_lines.npy").is_file()
