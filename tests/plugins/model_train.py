"""Fixtures for the embedded-model training tests: a small poem file (the committed poems200 fixture,
or a few inline poems while it is absent) and a ready tiny split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

_INLINE = [
    ("静夜思", "五绝", "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。"),
    ("春晓", "五绝", "春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。"),
    ("登鹳雀楼", "五绝", "白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"),
    ("相思", "五绝", "红豆生南国，春来发几枝。\n愿君多采撷，此物最相思。"),
    ("江雪", "五绝", "千山鸟飞绝，万径人踪灭。\n孤舟蓑笠翁，独钓寒江雪。"),
    ("早发白帝城", "七绝", "朝辞白帝彩云间，千里江陵一日还。\n两岸猿声啼不住，轻舟已过万重山。"),
    ("枫桥夜泊", "七绝", "月落乌啼霜满天，江枫渔火对愁眠。\n姑苏城外寒山寺，夜半钟声到客船。"),
    ("凉州词", "七绝", "黄河远上白云间，一片孤城万仞山。\n羌笛何须怨杨柳，春风不度玉门关。"),
    ("春夜喜雨", "五律", "好雨知时节，当春乃发生。\n随风潜入夜，润物细无声。\n野径云俱黑，江船火独明。\n晓看红湿处，花重锦官城。"),
    ("山居秋暝", "五律", "空山新雨后，天气晚来秋。\n明月松间照，清泉石上流。\n竹喧归浣女，莲动下渔舟。\n随意春芳歇，王孙自可留。"),
    ("登高", "七律", "风急天高猿啸哀，渚清沙白鸟飞回。\n无边落木萧萧下，不尽长江滚滚来。\n万里悲秋常作客，百年多病独登台。\n艰难苦恨繁霜鬓，潦倒新停浊酒杯。"),
    ("浣溪沙", "浣溪沙", "一曲新词酒一杯，去年天气旧亭台。\n夕阳西下几时回？\n无可奈何花落去，似曾相识燕归来。\n小园香径独徘徊。"),
]


def _record(i: int, title: str, form: str, text: str) -> dict:
    lines = [s for s in text.replace("。", "，").replace("？", "，").replace("\n", "").split("，") if s]
    tune = form if form not in ("五绝", "七绝", "五律", "七律", "other") else None
    return {"id": f"inline-{i}", "collection": "inline", "dynasty": "唐", "author": "佚名", "title": title,
            "text": text, "text_t": text, "title_t": title, "author_t": "佚名", "lines": lines, "form": form,
            "tune": tune}


@pytest.fixture
def train_poems_file(tmp_path) -> Path:
    """poems200.jsonl when committed, else the inline poems repeated (ids differ) in a temp file."""
    fixture = FIXTURES / "poems200.jsonl"
    if fixture.is_file():
        return fixture
    out = tmp_path / "poems_inline.jsonl"
    rows = [_record(r * 100 + i, t, f, x) for r in range(8) for i, (t, f, x) in enumerate(_INLINE)]
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return out


@pytest.fixture
def tiny_split(train_poems_file):
    """A split of the small poem file with 20 % held out."""
    from toolkit.llm.embedded.data import load_split

    return load_split(poems_file=train_poems_file, heldout_permille=200)
