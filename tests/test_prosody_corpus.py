"""The checker over real corpus records: the committed fixture (fast) and the pulled corpus (slow)."""

from pathlib import Path

import pytest

from toolkit.errors import InvalidInputError
from toolkit.prosody import REGULATED_FORMS, check, cipai_names

pytestmark = pytest.mark.usefixtures("prosody_ready")
FIXTURE = Path(__file__).parent / "fixtures" / "poems200.jsonl"


@pytest.mark.skipif(not FIXTURE.is_file(), reason="tests/fixtures/poems200.jsonl not built yet (data helper)")
def test_fixture_records_check_cleanly():
    from toolkit.corpus import read_poems

    recs = list(read_poems(FIXTURE))
    assert recs
    names = set(cipai_names())
    for rec in recs:
        try:
            r = check(rec.text)
        except InvalidInputError:
            continue
        assert len(r.tones) == len(r.lines)
        if rec.form in REGULATED_FORMS:  # a regulated shape is checked as 近体, or recognised as 古体 (古绝/古风)
            assert r.form in REGULATED_FORMS or r.form in names or r.ancient
        if rec.tune in names and r.form == rec.tune:
            assert len(r.errors) <= 6, (rec.title, [v.message for v in r.errors])


@pytest.mark.slow
def test_tang_regulated_share_on_the_corpus():
    """Most late-Tang-style regulated-shape poems fit a template; the threshold is far below the bench's
    measured share, so it fails only when the engine breaks."""
    from toolkit.corpus import iter_poems

    n = ok = rhyme = 0
    for rec in iter_poems():
        if rec.dynasty != "唐" or rec.form not in REGULATED_FORMS:
            continue
        r = check(rec.text)
        n += 1
        ok += r.ok and r.form is not None  # fits a 近体 template (a poem judged 古体 does not count)
        rhyme += bool(r.rhyme_ok)
        if n >= 600:
            break
    assert n >= 300
    assert ok / n > 0.4 and rhyme / n > 0.75
