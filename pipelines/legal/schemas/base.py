"""Document schemas: typed fields, their validation, and the blocks a document is built from.

A schema is data (fields, required sections, the articles that require them, an example) plus
one small ``build`` function that turns validated values into :class:`Block` s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from toolkit.errors import InvalidInputError

from .. import validators as v

FIELD_TYPES = ("str", "text", "date", "money", "id_number", "phone", "int", "list")


@dataclass(frozen=True)
class FieldSpec:
    """One input field of a document kind.

    Attributes:
        name: key in the ``fields`` dict (snake_case ASCII).
        label: Chinese label shown in forms and error messages.
        type: one of FIELD_TYPES.
        required: must be present and non-empty.
        help: one line of guidance for the form.
        default: used when an optional field is absent (already in its final form).
    """

    name: str
    label: str
    type: str = "str"
    required: bool = True
    help: str = ""
    default: object = None

    def __post_init__(self):
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r}; valid: {FIELD_TYPES}")


@dataclass(frozen=True)
class Block:
    """A piece of a document: ``title``, ``subtitle`` (centred), ``heading``, ``para``, ``item`` (numbered),
    ``right`` (right-aligned), ``flush`` (at the left margin, no first-line indent: the court after 此致)."""

    kind: str
    text: str
    number: int | None = None


@dataclass(frozen=True)
class DocSchema:
    """A document kind.

    Attributes:
        name: the kind name (民事起诉状 ...).
        variant: None or a variant label (要素式).
        description: one line.
        fields: the input fields.
        sections: headings/phrases the finished document must contain (checked in tests).
        basis: (law, article_no) pairs that prescribe those sections, cited in the docs.
        example: a complete valid ``fields`` dict with fictional parties.
        build: ``build(values, statutes, facts_text, say) -> list[Block]``; ``say(part, **variables)`` is the
            text of one ``draft_phrases`` template part (the wording a user can edit), ``kind`` already set.
        query: ``query(values) -> str`` used to suggest statutes from the facts.
        facts_field: the field polished by a capable model (None = nothing to polish).
    """

    name: str
    description: str
    fields: tuple[FieldSpec, ...]
    sections: tuple[str, ...]
    basis: tuple[tuple[str, int], ...]
    example: dict = field(compare=False, repr=False, default_factory=dict)
    build: Callable = field(compare=False, repr=False, default=None)
    query: Callable = field(compare=False, repr=False, default=None)
    facts_field: str | None = None
    variant: str | None = None
    cite_basis: bool = False  # contracts cite the articles that prescribe their clauses

    @property
    def full_name(self) -> str:
        return f"{self.name}（{self.variant}）" if self.variant else self.name

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def to_dict(self) -> dict:
        """A JSON-able description (for forms, ``--list``)."""
        return {
            "name": self.name,
            "variant": self.variant,
            "description": self.description,
            "sections": list(self.sections),
            "fields": [
                {"name": f.name, "label": f.label, "type": f.type, "required": f.required, "help": f.help}
                for f in self.fields
            ],
        }


def _empty(x) -> bool:
    return x is None or (isinstance(x, str) and not x.strip()) or (isinstance(x, (list, tuple)) and not x)


def convert(spec: FieldSpec, raw):
    """Validate and normalise one value by its type; raise ValueError with a message."""
    t = spec.type
    if t == "id_number":
        return v.check_id_number(raw)
    if t == "phone":
        return v.check_phone(raw)
    if t == "date":
        return v.parse_date(raw)
    if t == "money":
        return v.parse_amount(raw)
    if t == "int":
        try:
            n = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"须为整数 (must be an integer): {raw!r}") from None
        if n < 0:
            raise ValueError(f"不能为负数 (must not be negative): {raw!r}")
        return n
    if t == "list":
        items = raw.splitlines() if isinstance(raw, str) else list(raw)
        items = [str(x).strip() for x in items if str(x).strip()]
        if not items:
            raise ValueError("列表不能为空 (list is empty)")
        return items
    if not isinstance(raw, (str, int, float)):
        raise ValueError(f"须为文字 (must be text): {raw!r}")
    return str(raw).strip()


def validate_fields(schema: DocSchema, fields: dict) -> dict:
    """Check every field at once; return normalised values (defaults filled in).

    Raises:
        InvalidInputError: listing *all* missing required fields, all invalid values and all unknown
            keys in one message (each named by key and Chinese label).
    """
    if not isinstance(fields, dict):
        raise InvalidInputError(f"fields 必须是字典 (fields must be a dict), got {type(fields).__name__}")
    known = {f.name for f in schema.fields}
    missing, invalid, values = [], [], {}
    for f in schema.fields:
        raw = fields.get(f.name)
        if _empty(raw):
            if f.required:
                missing.append(f"{f.name}（{f.label}）")
            else:
                values[f.name] = f.default
            continue
        try:
            values[f.name] = convert(f, raw)
        except ValueError as e:
            invalid.append(f"{f.name}（{f.label}）: {e}")
    unknown = sorted(set(fields) - known)
    parts = []
    if missing:
        parts.append(f"缺少必填字段 (missing required fields): {', '.join(missing)}")
    if invalid:
        parts.append("字段无效 (invalid fields): " + "; ".join(invalid))
    if unknown:
        parts.append(f"未知字段 (unknown fields): {', '.join(unknown)}；可用 (valid): {', '.join(sorted(known))}")
    if parts:
        raise InvalidInputError(f"{schema.full_name}: " + "。".join(parts))
    return values


# ---- shared pieces for building documents -------------------------------------------------------
def party_fields(prefix: str, role: str, *, id_required: bool = True, phone_required: bool = True) -> tuple[FieldSpec, ...]:
    """Fields describing a natural person (姓名、性别、出生日期、民族、职业、住所、身份证号、电话)."""
    return (
        FieldSpec(f"{prefix}_name", f"{role}姓名或名称", "str", True, "自然人姓名，或单位全称"),
        FieldSpec(f"{prefix}_gender", f"{role}性别", "str", False, "男/女；填写身份证号时可省略"),
        FieldSpec(f"{prefix}_birth", f"{role}出生日期", "date", False, "填写身份证号时可省略"),
        FieldSpec(f"{prefix}_ethnicity", f"{role}民族", "str", False, "如 汉族"),
        FieldSpec(f"{prefix}_occupation", f"{role}职业或工作单位", "str", False),
        FieldSpec(f"{prefix}_address", f"{role}住所", "str", True, "户籍地或经常居住地，单位填住所地"),
        FieldSpec(f"{prefix}_id_number", f"{role}公民身份号码", "id_number", id_required, "18 位居民身份证号"),
        FieldSpec(f"{prefix}_phone", f"{role}联系电话", "phone", phone_required),
    )


def party_line(values: dict, prefix: str, role: str) -> str:
    """原告：张三，男，1985年3月1日出生，汉族，……，住……，公民身份号码……，联系电话……。"""
    gender, birth = values.get(f"{prefix}_gender"), values.get(f"{prefix}_birth")
    idn = values.get(f"{prefix}_id_number")
    if idn:
        id_birth, id_gender = v.id_birth_gender(idn)
        gender, birth = gender or id_gender, birth or id_birth
    bits = [values[f"{prefix}_name"]]
    bits += [x for x in (gender, f"{v.format_date(birth)}出生" if birth else None,
                         values.get(f"{prefix}_ethnicity"), values.get(f"{prefix}_occupation")) if x]
    bits.append(f"住{values[f'{prefix}_address']}")
    if idn:
        bits.append(f"公民身份号码{idn}")
    if values.get(f"{prefix}_phone"):
        bits.append(f"联系电话{values[f'{prefix}_phone']}")
    return f"{role}：" + "，".join(bits) + "。"


def date_or_today(values: dict, key: str = "date") -> str:
    d = values.get(key) or dt.date.today()
    return v.format_date(d)


def cite_sentence(statutes, lead: str = "依据") -> str:
    """依据《中华人民共和国民法典》第六百七十五条、第六百七十六条和《……》第……条的规定"""
    by_law: dict[str, list[str]] = {}
    for s in statutes:
        by_law.setdefault(s.law_name, []).append(s.article_label)
    parts = [f"《{law}》" + "、".join(labels) for law, labels in by_law.items()]
    return f"{lead}" + "，".join(parts) + "的规定" if parts else ""


def items(label_values) -> list[Block]:
    """Numbered items from an iterable of strings."""
    return [Block("item", t, i) for i, t in enumerate(label_values, 1)]
