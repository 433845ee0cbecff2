"""Held-out split, statute share, packed batches."""

from types import SimpleNamespace

import numpy as np

from toolkit.llm.embedded.data import build_split, is_heldout, sample_batch


def _poem(i, form="七绝"):
    return SimpleNamespace(id=f"p{i}", title=f"题{i}", text="春风又绿江南岸，\n明月何时照我还。", form=form, tune=None)


def _article(i):
    return SimpleNamespace(id=i, law_name="中华人民共和国民法典", short_name="民法典", article_label=f"第{i}条",
                           text="民事主体的人身权利、财产权利以及其他合法权益受法律保护。")


def test_split_is_deterministic_and_by_id():
    poems = [_poem(i) for i in range(500)]
    a = build_split(poems, [], heldout_permille=100)
    b = build_split(list(reversed(poems)), [], heldout_permille=100)
    assert {d.id for d in a.heldout} == {d.id for d in b.heldout}
    assert 20 < len(a.heldout) < 90
    assert all(is_heldout(d.id, 100) for d in a.heldout)
    assert not {d.id for d in a.heldout} & {d.id for d in a.train}


def test_statute_share_and_titles():
    poems = [_poem(i, "other") for i in range(300)]
    split = build_split(poems, [_article(i) for i in range(1, 400)], heldout_permille=0, law_share=0.1)
    laws = [d for d in split.train if d.kind == "法"]
    share = sum(len(d.text) for d in laws) / sum(len(d.text) for d in split.train)
    assert 0.08 < share < 0.14
    assert laws[0].text.startswith("<bos><法><题>民法典 第")


def test_regulated_forms_oversampled():
    split = build_split([_poem(0, "七绝"), _poem(1, "other")], [], heldout_permille=0, regulated_oversample=3)
    kinds = [d.kind for d in split.train_stream_docs(seed=1)]
    assert kinds.count("七绝") == 3 and kinds.count("诗") == 1


def test_batches_depend_only_on_seed_and_step():
    stream = np.arange(1000, dtype=np.int32)
    a = sample_batch(stream, 4, 16, step=7, seed=1)
    assert a.shape == (4, 16)
    assert (a == sample_batch(stream, 4, 16, step=7, seed=1)).all()
    assert not (a == sample_batch(stream, 4, 16, step=8, seed=1)).all()
    assert (np.diff(a, axis=1) == 1).all()  # contiguous windows
