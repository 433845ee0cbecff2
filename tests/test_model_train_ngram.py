"""The character 3-gram (modified Kneser-Ney) and unigram baselines."""

import math

import numpy as np

from toolkit.llm.embedded.ngram import KneserNey3, Unigram, ppl


def _docs(tok, split):
    enc = lambda ds: [tok(d.text)["input_ids"] for d in ds]
    return enc(split.train), enc(split.heldout)


def test_distribution_sums_to_one():
    lm = KneserNey3(7).fit([[1, 2, 3, 4, 5, 2, 3, 4, 6], [1, 2, 3, 5, 5, 5]])
    for a in range(7):
        for b in range(7):
            total = lm.prob([a] * 7, [b] * 7, list(range(7))).sum()
            assert abs(total - 1) < 1e-9, (a, b, total)


def test_seen_continuations_beat_unseen():
    lm = KneserNey3(6).fit([[1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 4]])
    p = lm.prob([1, 1, 1], [2, 2, 2], [3, 4, 5])
    assert p[0] > p[1] > p[2] > 0


def test_trigram_finite_and_beats_unigram(tiny_split):
    from toolkit.llm.embedded.tokenizer import build_tokenizer

    tok = build_tokenizer([d.text for d in tiny_split.train], min_count=1)
    train, held = _docs(tok, tiny_split)
    starts = [x.index(tok.convert_tokens_to_ids("<文>")) + 1 for x in held]
    nll3, n3 = KneserNey3(len(tok)).fit(train).nll(held, starts)
    nll1, n1 = Unigram(len(tok)).fit(train).nll(held, starts)
    assert n3 == n1 > 0
    p3, p1 = ppl(nll3, n3), ppl(nll1, n1)
    assert math.isfinite(p3) and 1 < p3 < p1


def test_unknown_ids_get_probability():
    lm = KneserNey3(10).fit([[1, 2, 3]])
    p = lm.prob(np.array([7]), np.array([8]), np.array([9]))
    assert 0 < p[0] < 1
