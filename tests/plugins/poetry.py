"""Poetry test fixtures: a 200-poem corpus index, a pipeline on the tiny model, a fake capable backend.

Fixtures:
    poem_rows, poem_index: the rows of ``fixtures/poems200.jsonl`` and a hybrid index over them (per module).
    pipe: a :class:`~pipelines.poetry.PoetryPipeline` on ``tiny_llm`` with that index (per module).
    fake_chat: a factory of capable scripted backends (see :func:`_flawed_then_repaired`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugins.llm import ScriptedLLM

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "poems200.jsonl"


@pytest.fixture(scope="module")
def poem_rows():
    return [json.loads(l) for l in FIX.read_text(encoding="utf-8").splitlines() if l.strip()]


@pytest.fixture(scope="module")
def poem_index(poem_rows):
    from toolkit.corpus.records import PoemRecord
    from toolkit.index import HybridIndex
    from toolkit.index.corpus_indexes import poem_document
    from toolkit.text import Segmenter

    ix = HybridIndex(segmenter=Segmenter(dicts=()))
    ix.add([poem_document(PoemRecord(**r)) for r in poem_rows])
    return ix


@pytest.fixture(scope="module")
def pipe(tiny_llm, poem_index, poem_rows):
    from pipelines.poetry import PoetryPipeline
    from pipelines.poetry.linehash import LineSet

    lines = LineSet.from_lines(l for r in poem_rows for l in r["lines"])
    return PoetryPipeline(llm=tiny_llm, index=poem_index, line_set=lines)



def _flawed_then_repaired(prompt: str) -> str:
    """A capable backend's replies: a flawed poem, then a correct one when asked to repair (问题清单)."""
    if "问题清单" in prompt:
        return "好的：\n白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"
    return "白日依山尽，黄河入海流。\n欲穷千里目，更上一层天。"


@pytest.fixture
def fake_chat():
    """``fake_chat()`` → a capable :class:`~tests.plugins.llm.ScriptedLLM` that writes a flawed poem, then repairs it."""
    return lambda: ScriptedLLM(_flawed_then_repaired)
