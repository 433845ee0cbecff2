"""Records returned by the checker: :class:`Violation` and :class:`ProsodyReport` (contract fields
first, extras after)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# kind -> what it means (messages are Chinese; kinds are stable English keys)
KINDS = {
    "length": "句数或字数不合 (wrong number of lines or characters)",
    "form": "无法归入任何体裁 (no form fits)",
    "tone": "平仄不合 (tone mismatch at a fixed position)",
    "nian": "失粘 (second character does not follow the previous line)",
    "dui": "失对 (couplet lines not opposed)",
    "gu_ping": "犯孤平 (lone level tone)",
    "san_ping_wei": "三平尾 (three level tones at the end)",
    "rhyme": "出韵 (rhyme character outside the group)",
    "rhyme_tone": "韵脚声调不合 (rhyme on the wrong tone)",
    "repeat_rhyme": "重韵 (same rhyme character twice)",
    "neighbor_rhyme": "首句借邻韵 (first line borrows a neighbouring group)",
    "ao_jiu": "拗救 (irregular position rescued)",
    "repeat_char": "重字 (repeated character)",
    "unknown_char": "未收字 (character missing from the rhyme book)",
}
NOTE_KINDS = {"neighbor_rhyme", "ao_jiu", "repeat_char"}
# 古体 (古绝/古风) keeps only an even line length and a rhyme; these 近体 rules do not apply to it.
ANCIENT_WAIVED = frozenset({"tone", "nian", "dui", "gu_ping", "san_ping_wei", "rhyme_tone", "rhyme",
                            "neighbor_rhyme", "ao_jiu", "repeat_char"})


@dataclass(frozen=True)
class Violation:
    """One finding. ``line`` and ``pos`` are 0-based (``pos`` -1 = the whole line/poem);
    ``severity`` is "error" (breaks the form) or "note" (allowed licence, reported for teaching)."""

    line: int
    pos: int
    kind: str
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class ProsodyReport:
    """Result of :func:`toolkit.prosody.check`.

    Attributes:
        form: detected or requested form (五绝 … or a 词牌 name); None if nothing fits.
        ok: no error-severity violations.
        rhyme_ok: every required rhyme is in one group (None when no form fits).
        rhyme_group: the group name in the chosen book (平水韵: 东 … 咸).
        tones: per line per character 平/仄/中.
        violations: errors and notes, in line order.
        template: template name (平起首句入韵, or a 词牌 variant).
        expected: per line the expected pattern of the chosen template.
        lines: the lines as checked (characters only, as given).
        unknown_chars: characters the rhyme book does not list (tone estimated or unknown).
        rhyme_book: the book used (pingshui, cilin, xinyun, tongyun).
        reason: why no form fits (when ``form`` is None) or a short summary.
        ancient: 五言古绝 / 七言古绝 / 五言古风 / 七言古风 when detection judged the poem 古体 (then
            ``form`` is None, the 近体 findings are notes and ``ok`` covers line length and rhyme only).
    """

    form: str | None
    ok: bool
    rhyme_ok: bool | None
    rhyme_group: str | None
    tones: list[list[str]]
    violations: list[Violation] = field(default_factory=list)
    template: str | None = None
    expected: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    unknown_chars: list[str] = field(default_factory=list)
    rhyme_book: str = "pingshui"
    reason: str = ""
    ancient: str | None = None

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "error"]

    @property
    def notes(self) -> list[Violation]:
        return [v for v in self.violations if v.severity != "error"]

    def kinds(self) -> set[str]:
        """Kinds of the error-severity violations."""
        return {v.kind for v in self.errors}

    def to_dict(self) -> dict:
        return asdict(self)
