"""Planning, decoding from a plan and reranking (tiny random model, the 200-poem fixture)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from toolkit.errors import InvalidInputError

FIX = Path(__file__).resolve().parent / "fixtures" / "poems200.jsonl"


@pytest.fixture(scope="module")
def rows():
    return [json.loads(l) for l in FIX.read_text(encoding="utf-8").splitlines() if l.strip()]


@pytest.fixture(scope="module")
def pipe(tiny_llm, rows):
    from pipelines.poetry import PoetryPipeline
    from pipelines.poetry.imagery import count_words
    from pipelines.poetry.linehash import LineSet
    from toolkit.corpus.records import PoemRecord
    from toolkit.index import HybridIndex
    from toolkit.index.corpus_indexes import poem_document
    from toolkit.text import Segmenter

    ix = HybridIndex(segmenter=Segmenter(dicts=()))
    ix.add([poem_document(PoemRecord(**r)) for r in rows])
    lines = LineSet.from_lines(l for r in rows for l in r["lines"])
    return PoetryPipeline(llm=tiny_llm, index=ix, line_set=lines, imagery=count_words((r["text"] for r in rows), 1))


def test_word_slots_follow_the_line_rhythm():
    from pipelines.poetry.imagery import count_words, word_slots

    assert word_slots("白日依山尽，黄河入海流。") == ["白日", "依山", "山尽", "黄河", "入海", "海流"]
    assert "日依" not in word_slots("白日依山尽")  # across the 2+3 boundary
    stats = count_words(["明月照高楼。\n明月何处去。", "明月松间照，清泉石上流。", "高楼明月夜，清泉石上流。"], 1)
    top = stats.related(["明月照高楼，清泉石上流。", "明月松间照，清泉石上流。"], exclude="")
    assert top and all(r.pmi > 0 for r in top) and all(len(r.word) == 2 for r in top)


def test_plan_has_a_keyword_per_line_arc_season_and_round_trips(pipe):
    from pipelines.poetry.plan import PoemPlan

    autumn = pipe.plan("秋夜", form="五律", seed=1)
    assert autumn.season == "秋" and autumn.time_of_day == "夜"  # named by the topic
    assert any("季节「秋」取自题目" in n for n in autumn.notes)
    assert set("春夏冬") <= set(autumn.banned_chars())
    plan = pipe.plan("江上", form="五律", seed=1)
    assert [lp.role for lp in plan.lines] == ["起", "起", "承", "承", "转", "转", "合", "合"]
    kws = [lp.keyword for lp in plan.lines if lp.keyword]
    assert kws and len(set("".join(kws))) == len("".join(kws))  # no character shared between keywords
    assert all("PMI" in lp.why for lp in plan.lines if lp.keyword)
    again = PoemPlan.from_dict(json.loads(json.dumps(plan.to_dict(), ensure_ascii=False)))
    assert again == plan


def test_poems_place_each_planned_keyword_and_keep_the_season(pipe):
    from pipelines.poetry.rerank import seasons_in

    poems = pipe.generate("江上", form="七绝", n=2, seed=5)
    assert any(lp.slot is not None for lp in poems[0].plan.lines)
    for p in poems:
        assert p.report.ok
        for i, lp in enumerate(p.plan.lines):
            if lp.slot is not None:
                assert p.report.lines[i][lp.slot:lp.slot + len(lp.keyword)] == lp.keyword
        assert len(seasons_in(p.text)) <= 1
        assert max(Counter(c for c in p.text if "\u4e00" <= c <= "\u9fff").values()) <= 2
        assert p.score == pytest.approx(sum(sp.points for sp in p.score_parts), abs=1e-3)
        assert {sp.name for sp in p.score_parts} == {"fluency", "relevance", "coherence", "contradiction", "filler",
                                                     "repeats"}


def test_edited_plan_is_decoded_and_bad_edits_are_reported(pipe):
    plan = pipe.plan("秋夜", form="五绝", seed=2).to_dict()
    plan["lines"][0]["keyword"] = "明月"
    plan["lines"][1]["keyword"] = "moon"
    plan["season"] = "春"
    p = pipe.generate(plan=plan, seed=2)[0]
    assert p.plan.lines[0].keyword == "明月" and p.plan.season == "春"
    assert p.plan.lines[1].keyword is None
    assert any("moon" in n and "ignored" in n for n in p.notes)
    assert "秋" not in p.text.replace("秋夜", "") or "秋" in p.plan.topic
    bad = dict(plan, season="monsoon")
    with pytest.raises(InvalidInputError, match="season"):
        pipe.generate(plan=bad)
    with pytest.raises(InvalidInputError, match="lines"):
        pipe.generate(plan=dict(plan, lines=plan["lines"][:2]))


def test_bad_input_is_named_not_dropped(pipe):
    p = pipe.generate("Moonlight 🌙 江上", form="五绝", seed=1)[0]
    assert any("Moonlight" in n and "ignored" in n for n in p.notes)
    assert p.plan.topic == "江上"
    q = pipe.generate("🌙 moon", form="五绝", seed=1)[0]
    assert q.plan.topic == "" and any("no Chinese" in n for n in q.notes)
    with pytest.raises(InvalidInputError, match="acrostic"):
        pipe.generate("", form="五绝", acrostic="春A秋冬")
    # a user keyword goes to a line where its tones fit, or the notes say why it could not
    plan = pipe.plan("", form="五绝", keywords=["白日"], seed=1)
    placed = [lp for lp in plan.lines if lp.keyword == "白日"]
    assert placed and (placed[0].slot is not None or any("白日" in n for n in plan.notes))


def test_keyword_that_fits_no_tone_slot_is_reported():
    from pipelines.poetry.plan import LinePlan, PoemPlan, place_keywords
    from toolkit.prosody import templates

    tpl = templates("五绝")[0]
    plan = PoemPlan("五绝", tpl.name, "东", lines=(LinePlan("起", "仄仄"),) + tuple(LinePlan(r) for r in "承转合"))
    tones = [["平"] * 5 for _ in range(4)]  # a line plan with no room for two oblique tones
    out, notes = place_keywords(plan, tones, "东", lambda ch: "仄", random.Random(0))
    assert out.lines[0].slot is None and "仄仄" in notes[0]


def test_rerank_penalties_and_contradictions():
    from pipelines.poetry.rerank import contradictions, filler_excess, repeated

    assert filler_excess("不见不闻不知处，一山一水一孤舟。") == {"不": 3, "一": 3}
    assert filler_excess("不见青山处，孤舟白水流。") == {"不": 1}  # a quatrain has no free filler
    assert filler_excess("青山" * 28) == {}
    assert repeated("病病那堪病病缘") == {"病": 4}
    assert contradictions("春光满院秋风起") and not contradictions("春风吹柳绿")
    assert contradictions("晓日照江夜未央")


def test_guards_push_third_uses_and_clashing_markers_out_of_reach():
    import numpy as np

    from pipelines.poetry.decode import BANNED, ClashGuard, RepeatGuard
    from pipelines.poetry.plan import LinePlan, PoemPlan
    from toolkit.prosody import templates

    han = frozenset(range(10, 20))
    g = RepeatGuard(han, reserved={3: 12})  # step 3 is forced to id 12
    prompt = np.zeros((2, 4), dtype=np.int64)
    assert g(prompt, np.zeros((2, 30))) is not None  # first call records the prompt length
    ids = np.concatenate([prompt, [[11, 11, 12], [12, 5, 13]]], axis=1)
    out = g(ids, np.zeros((2, 30)))
    assert out[0, 11] == BANNED and out[0, 12] == BANNED  # 11 used twice; 12 used once + reserved
    assert out[1, 12] == BANNED and out[1, 13] == 0

    class V:
        ids = {"春": 10, "秋": 11, "夜": 12, "晓": 13}
        by_id = {v: k for k, v in ids.items()}

    plan = PoemPlan("五绝", templates("五绝")[0].name, "东", lines=tuple(LinePlan(r) for r in "起承转合"))
    c = ClashGuard(V, plan)
    c(prompt[:1], np.zeros((1, 30)))
    out = c(np.concatenate([prompt[:1], [[10, 12]]], axis=1), np.zeros((1, 30)))
    assert out[0, 11] == BANNED and out[0, 13] == BANNED and out[0, 10] == 0  # spring + night decided


def test_cli_plan_then_gen_from_the_edited_plan(pipe, monkeypatch, capsys, tmp_path):
    from pipelines.cli import main, poem_tasks

    monkeypatch.setattr(poem_tasks, "_pipeline", lambda: pipe)
    assert main(["poem", "plan", "--form", "五绝", "--topic", "江上", "--seed", "1"]) == 0
    plan = json.loads(capsys.readouterr().out)
    plan["lines"][0]["keyword"] = "明月"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    assert main(["poem", "gen", "--plan", str(path), "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["plan"]["lines"][0]["keyword"] == "明月" and out[0]["score_parts"]
