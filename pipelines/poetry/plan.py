"""The plan a poem is written to: template, rhyme, one keyword per line, an arc, one season and time of day.

Planning comes before the words (the approach of Wang et al. 2016 and Jiuge): from the topic, the
planner picks for every line an image word that co-occurs with the topic's words in the corpus
(:mod:`.imagery`, PMI), gives the lines the arc 起承转合 (scene, detail, turn, feeling), and fixes one
season and one time of day, taken from the topic or from the poems retrieved for it. The decoder
must place each line's keyword in that line (at a position whose tones fit the template) and may not
use the marker characters of another season or a clashing time of day.

A plan is a plain record: :meth:`PoemPlan.to_dict` / :meth:`PoemPlan.from_dict` round-trip it, so the
user can see it and edit it (keywords, season, time of day) through the API, the CLI and the web page
before the poem is decoded from it.

Example:
    >>> plan = PoemPlan.from_dict({"form": "五绝", "template": "平起首句不入韵", "rhyme_group": "尤",
    ...     "lines": [{"role": "起", "keyword": "明月"}, {"role": "承"}, {"role": "转"}, {"role": "合"}]})
    >>> plan.lines[0].keyword, plan.season
    ('明月', None)
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass, field, replace

from toolkit.errors import InvalidInputError
from toolkit.prosody import REGULATED_FORMS, n_lines, templates
from toolkit.prosody.forms import Template

from .records import Inspiration

# 起承转合 per line of a quatrain, per couplet of an eight-line poem: what each part is for.
ARC = (("起", "景", "scene: where and when"), ("承", "物", "detail: what is seen or done there"),
       ("转", "事", "turn: a person, an occasion, another place or time"), ("合", "情", "feeling: what it means"))
# Characters that mark a keyword as fit for a part of the arc (a word with none of them fits 承).
ROLE_CHARS = {
    "起": frozenset("山水江河湖海云天月风雨烟城楼峰溪泉林野原川洲岸关塞村桥亭寺径"),
    "转": frozenset("人客君友僧翁童子家舟帆笛琴酒书钟灯棹马车旅士女郎侯王将使故"),
    "合": frozenset("愁思情心泪恨忆梦归悲欢怀念怨叹寂闲老别离乡醉梦魂意"),
}
SEASONS = ("春", "夏", "秋", "冬")
# Marker characters: a line with one of them says which season it is.
SEASON_MARKERS = {"春": "春莺杏", "夏": "夏暑蝉", "秋": "秋菊雁枫", "冬": "冬腊"}
TIMES = ("晨", "昼", "暮", "夜")
TIME_MARKERS = {"晨": "晨晓曙", "昼": "昼午", "暮": "暮夕昏", "夜": "夜宵"}
TIME_CLASH = {"晨": ("暮", "夜"), "昼": ("夜",), "暮": ("晨",), "夜": ("晨", "昼")}
FILLER = "不一"
WORD_BOUNDS = {5: (0, 2, 3), 7: (0, 2, 4, 5)}  # where words start in 五言 (2+3) and 七言 (2+2+3) lines  # characters the model overuses as padding (see the rerank penalties)


@dataclass(frozen=True)
class LinePlan:
    """What one line is to carry.

    Attributes:
        role: 起 承 转 合 (the part of the arc the line belongs to).
        keyword: the word it must contain (None: free).
        slot: start position of the keyword in the line (None: the keyword fits no position there and
            only biases the line; set by :func:`place_keywords`).
        why: how the keyword was chosen (PMI with the topic, the user's keyword, ...).
    """

    role: str
    keyword: str | None = None
    slot: int | None = None
    why: str = ""


@dataclass(frozen=True)
class PoemPlan:
    """A poem before its words; see the module docstring.

    Attributes:
        form: 五绝 七绝 五律 七律. topic: the cleaned topic (Han characters). title: the title given to the model.
        template: the 平仄 template name (from :func:`toolkit.prosody.templates`). rhyme_group / rhyme_book.
        acrostic: 藏头 characters or None. season: 春夏秋冬 or None. time_of_day: 晨昼暮夜 or None.
        lines: one :class:`LinePlan` per line to write (after ``opening``).
        opening: lines given by the user (continuation). topic_chars: character weights of the poems
            retrieved for the topic (decoding bias and relevance). inspirations: those poems.
        notes: what was chosen, adjusted or ignored, and why.
    """

    form: str
    template: str
    rhyme_group: str
    rhyme_book: str = "pingshui"
    topic: str = ""
    title: str = ""
    acrostic: str | None = None
    season: str | None = None
    time_of_day: str | None = None
    lines: tuple[LinePlan, ...] = ()
    opening: tuple[str, ...] = ()
    topic_chars: dict = field(default_factory=dict)
    inspirations: tuple[Inspiration, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def tpl(self) -> Template:
        for t in templates(self.form):
            if t.name == self.template:
                return t
        raise InvalidInputError(f"{self.form} 没有模板 {self.template!r} (unknown template); 可选 (valid): "
                                f"{', '.join(t.name for t in templates(self.form))}")

    @property
    def keywords(self) -> tuple[str, ...]:
        return tuple(lp.keyword for lp in self.lines if lp.keyword)

    def forced(self) -> dict[tuple[int, int], str]:
        """{(line, position): character} for every placed keyword (line numbers count the opening)."""
        start = len(self.opening)
        out = {}
        for i, lp in enumerate(self.lines):
            if lp.keyword and lp.slot is not None:
                for j, ch in enumerate(lp.keyword):
                    out[(start + i, lp.slot + j)] = ch
        return out

    def banned_chars(self) -> str:
        """Marker characters of other seasons and of clashing times of day (never decoded)."""
        out = ""
        if self.season:
            out += "".join(m for s, m in SEASON_MARKERS.items() if s != self.season)
        if self.time_of_day:
            out += "".join(TIME_MARKERS[t] for t in TIME_CLASH[self.time_of_day])
        keep = "".join(self.keywords) + self.topic + "".join(self.opening) + (self.acrostic or "")
        return "".join(ch for ch in dict.fromkeys(out) if ch not in keep)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PoemPlan":
        """A plan from :meth:`to_dict` output, possibly edited; checks what a user may have changed.

        Raises:
            InvalidInputError: an unknown form, season or time of day, or a wrong number of lines.
        """
        if not isinstance(d, dict):
            raise InvalidInputError("计划须为对象 (a plan must be a JSON object)")
        form = d.get("form")
        if form not in REGULATED_FORMS:
            raise InvalidInputError(f"计划的体裁 {form!r} 未知 (unknown form in plan); 可选 (valid): {', '.join(REGULATED_FORMS)}")
        season, tod = d.get("season") or None, d.get("time_of_day") or None
        if season is not None and season not in SEASONS:
            raise InvalidInputError(f"未知的季节 {season!r} (unknown season); 可选 (valid): {', '.join(SEASONS)}")
        if tod is not None and tod not in TIMES:
            raise InvalidInputError(f"未知的时辰 {tod!r} (unknown time of day); 可选 (valid): {', '.join(TIMES)}")
        opening = tuple(d.get("opening") or ())
        lines = tuple(LinePlan(str(x.get("role", "")), (x.get("keyword") or None), x.get("slot"), str(x.get("why", "")))
                      for x in d.get("lines") or ())
        want = n_lines(form) - len(opening)
        if len(lines) != want:
            raise InvalidInputError(f"计划有 {len(lines)} 句, {form}须 {want} 句 (plan has the wrong number of lines)")
        insp = tuple(x if isinstance(x, Inspiration) else Inspiration(**x) for x in d.get("inspirations") or ())
        return cls(form, str(d.get("template", "")), str(d.get("rhyme_group", "")), d.get("rhyme_book", "pingshui"),
                   str(d.get("topic", "")), str(d.get("title", "")), d.get("acrostic") or None, season, tod, lines,
                   opening, dict(d.get("topic_chars") or {}), insp, tuple(d.get("notes") or ()))


def arc_roles(n: int) -> tuple[str, ...]:
    """起承转合 per line: one part per line of a quatrain, per couplet of an eight-line poem."""
    per = max(1, n // 4)
    return tuple(ARC[min(3, i // per)][0] for i in range(n))


def marker_votes(texts, markers: dict[str, str]) -> Counter:
    """How many of ``texts`` carry each key's marker characters."""
    votes: Counter = Counter()
    for t in texts:
        for key, chars in markers.items():
            if any(c in t for c in chars):
                votes[key] += 1
    return votes


def choose_marker(topic: str, texts: list[str], markers: dict[str, str], what: str) -> tuple[str | None, str]:
    """(value, why): from the topic when it names one, else the clear majority of the retrieved poems."""
    named = [k for k, chars in markers.items() if any(c in topic for c in chars)]
    if len(named) == 1:
        return named[0], f"{what}「{named[0]}」取自题目 (from the topic)"
    if len(named) > 1:
        return None, f"题目含多个{what} ({'、'.join(named)}), 不限定 (the topic names several; left open)"
    votes = marker_votes(texts, markers).most_common()
    if votes and votes[0][1] >= 2 and (len(votes) == 1 or votes[0][1] > votes[1][1]):
        top, c = votes[0]
        return top, f"{what}「{top}」取自相似古诗 ({c}/{len(texts)} 首, 最多) (the commonest among the retrieved poems)"
    return None, f"{what}不限定: 题目与相似古诗都没有明确的{what} (left open: no clear signal)"


def role_fit(word: str, role: str) -> bool:
    chars = ROLE_CHARS.get(role)
    if chars is None:  # 承: a concrete detail, anything that is not scene/person/feeling
        return not any(c in ROLE_CHARS[r] for r in ROLE_CHARS for c in word)
    return any(c in chars for c in word)


def preferred_starts(length: int, width: int) -> list[int]:
    """Start positions of a ``width``-character word in a line, the line's own word boundaries first
    (五言 2+3, 七言 2+2+3)."""
    bounds = WORD_BOUNDS.get(length, (0,))
    rest = [p for p in range(length - width + 1) if p not in bounds]
    return [p for p in bounds if p + width <= length] + rest


def keyword_starts(word: str, lt, tones: list[str], rhyme_chars: str, acrostic: bool, tone_of) -> list[int]:
    """Start positions in a line (template line ``lt``, tone plan ``tones``) where ``word`` fits: every
    character's tone matches (中 fits both), a rhyme position takes only rhyme characters, an acrostic
    line's first position is taken. Word-boundary positions come first."""
    out = []
    for p in preferred_starts(lt.length, len(word)):
        ok = True
        for j, ch in enumerate(word):
            q, t = p + j, tone_of(ch)
            if t is None or (q == 0 and acrostic):
                ok = False
            elif q == lt.length - 1 and lt.rhyme:
                ok = ch in rhyme_chars
            elif t != "中" and tones[q] not in ("*", t):
                ok = False
            if not ok:
                break
        if ok:
            out.append(p)
    return out


def place_keywords(plan: PoemPlan, line_tones: list[list[str]], rhyme_chars: str, tone_of,
                   rng: random.Random) -> tuple[PoemPlan, list[str]]:
    """Give every line's keyword a start position where its tones fit (a valid edited slot is kept).

    Args:
        line_tones: per template line, per position 平/仄/* (* free) — the decoder's tone plan.
        rhyme_chars: characters allowed at rhyme positions. tone_of: ``char -> 平|仄|中|None``.
        rng: picks among the fitting word-boundary positions.

    Returns:
        (the plan with slots, notes on keywords that fit nowhere and stay a soft bias only).
    """
    tpl, start = plan.tpl, len(plan.opening)
    notes, out = [], []
    for k, lp in enumerate(plan.lines):
        i = start + k
        if not lp.keyword:
            out.append(replace(lp, slot=None))
            continue
        lt = tpl.lines[i]
        fits = keyword_starts(lp.keyword, lt, line_tones[i], rhyme_chars, bool(plan.acrostic), tone_of)
        if lp.slot in fits:
            out.append(lp)
        elif fits:
            bounds = [p for p in fits if p in WORD_BOUNDS[lt.length]] or fits
            out.append(replace(lp, slot=bounds[rng.randrange(len(bounds))]))
        else:
            out.append(replace(lp, slot=None))
            notes.append(f"关键词「{lp.keyword}」在第{i + 1}句找不到平仄与韵都合的位置, 仅作软偏置 "
                         f"(keyword fits no tone/rhyme slot in line {i + 1}: it only biases the line)")
    return replace(plan, lines=tuple(out)), notes


def assign_keywords(roles: tuple[str, ...], user: tuple[str, ...], related: list, fits_line) -> tuple[list, list[str]]:
    """Keywords per line: the user's first (each to the first free line it fits), then related words by
    role (a word whose characters fit the line's part of the arc first), no character used twice.

    Args:
        roles: 起承转合 per line. user: the user's keywords. related: :class:`~.imagery.RelatedWord` ranked.
        fits_line: ``(word, line) -> bool``: the word's tones fit somewhere in the line.

    Returns:
        (per line ``(keyword | None, why)``, notes).
    """
    n = len(roles)
    chosen: list = [(None, "")] * n
    used: set[str] = set()
    notes = []
    for w in user:
        line = next((i for i in range(n) if chosen[i][0] is None and fits_line(w, i)), None)
        if line is None:
            line = next((i for i in range(n) if chosen[i][0] is None), None)
            if line is None:
                notes.append(f"关键词「{w}」多于句数, 仅作软偏置 (more keywords than lines: soft bias only)")
                continue
        chosen[line] = (w, "用户指定 (user keyword)")
        used.update(w)
    for i, role in enumerate(roles):
        if chosen[i][0] is not None:
            continue
        pool = [r for r in related if not used & set(r.word) and fits_line(r.word, i)]
        pick = next((r for r in pool if role_fit(r.word, role)), pool[0] if pool else None)
        if pick is not None:
            chosen[i] = (pick.word, f"与题目相关 (PMI {pick.pmi:.2f}, {pick.hits} 首相似古诗用过)")
            used.update(pick.word)
    return chosen, notes
