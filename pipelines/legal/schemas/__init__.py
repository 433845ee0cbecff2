"""The document kinds the drafter knows, keyed by name (and variant)."""

from __future__ import annotations

from toolkit.errors import InvalidInputError

from . import contracts, letter
from .base import FIELD_TYPES, Block, DocSchema, FieldSpec, validate_fields
from .contracts import LABOR, LEASE, LOAN
from .letter import LETTER
from .pleadings import APPEAL, COMPLAINT, DEFENSE, LOAN_ELEMENTS

# kinds() order; names exactly as the contract lists them.
SCHEMAS: tuple[DocSchema, ...] = (COMPLAINT, DEFENSE, APPEAL, LETTER, LOAN, LEASE, LABOR)
VARIANTS: dict[tuple[str, str], DocSchema] = {("民事起诉状", "要素式"): LOAN_ELEMENTS}
CROSS_CHECKS = {**contracts.CHECKS, **letter.CHECKS}
KIND_NAMES = tuple(s.name for s in SCHEMAS)


def get_schema(kind: str, variant: str | None = None) -> DocSchema:
    """Look up a kind; ``民事起诉状（要素式）`` / ``民事起诉状（民间借贷·要素式）`` select the variant too."""
    kind = (kind or "").strip()
    for sep in ("（", "("):
        if sep in kind and variant is None:
            kind, _, rest = kind.partition(sep)
            variant = rest.rstrip("）)").split("·")[-1]
    if variant:
        schema = VARIANTS.get((kind, variant))
        if schema is None:
            valid = ", ".join(f"{k}（{v}）" for k, v in VARIANTS)
            raise InvalidInputError(f"未知的文书变体 '{kind}（{variant}）' (unknown variant); 可选 (valid): {valid}")
        return schema
    for s in SCHEMAS:
        if s.name == kind:
            return s
    raise InvalidInputError(f"未知的文书类型 '{kind}' (unknown document kind); 可选 (valid): {', '.join(KIND_NAMES)}")


__all__ = ["FIELD_TYPES", "KIND_NAMES", "SCHEMAS", "VARIANTS", "Block", "DocSchema", "FieldSpec",
           "get_schema", "validate_fields", "CROSS_CHECKS"]
