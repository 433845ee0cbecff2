"""DocumentDrafter: validated fields → a legal document (Markdown and .docx) with verified citations.

Example:
    >>> d = DocumentDrafter.from_settings()                       # doctest: +SKIP
    >>> doc = d.draft("借款合同", d.example_fields("借款合同"))      # doctest: +SKIP
    >>> doc.save("借款合同.docx")                                   # doctest: +SKIP

The 民间借贷 element-style complaint is a *variant* of 民事起诉状, so ``kinds()`` keeps exactly the
seven contract names: pass ``variant="要素式"`` (or the kind ``"民事起诉状（民间借贷·要素式）"``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from toolkit.atomic import write_text
from toolkit.errors import InvalidInputError

from .backend import LegalBackend
from .grounding import ground, statute_key
from .suggest import suggest_statutes
from .validators import value_warnings
from .schemas import CROSS_CHECKS, SCHEMAS, VARIANTS, Block, DocSchema, get_schema, validate_fields

N_SUGGEST = 3  # statutes suggested from the facts


@dataclass(frozen=True)
class LegalDocument:
    """A drafted document.

    Attributes:
        kind: 民事起诉状 ... ; variant: None or 要素式.
        markdown: the whole document as Markdown.
        blocks: the structured pieces (what the .docx is written from).
        citations: the verified statutes the document cites.
        checks: ``verify_citations`` on the final Markdown (all ``ok`` unless the user's own text cites something).
        warnings: human-readable notes (unverified citations in user text, model output dropped ...).
    """

    kind: str
    markdown: str
    blocks: tuple[Block, ...]
    citations: tuple = ()
    checks: tuple = ()
    warnings: tuple[str, ...] = ()
    variant: str | None = None
    fields: dict = field(default_factory=dict, compare=False)

    @property
    def title(self) -> str:
        return self.blocks[0].text if self.blocks else self.kind

    @property
    def unverified(self) -> list:
        return [c for c in self.checks if not c.ok]

    def save(self, path: str | Path) -> Path:
        """Write ``.docx`` or ``.md`` (chosen by suffix) atomically; return the path."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".docx":
            from .docx_writer import write_docx

            return write_docx(self.blocks, path)
        if suffix in (".md", ".markdown", ".txt"):
            write_text(path, self.markdown)
            return path
        raise InvalidInputError(f"不支持的文件类型 '{path.suffix}' (unsupported output type); 可选 (valid): .docx, .md")


def to_markdown(blocks) -> str:
    out = []
    for b in blocks:
        if not b.text:
            continue
        if b.kind == "title":
            out.append(f"# {b.text}")
        elif b.kind == "heading":
            out.append(f"## {b.text}")
        elif b.kind == "item":
            out.append(f"{b.number}. {b.text}")
        elif b.kind == "right":
            out.append(b.text)  # Markdown has no right alignment; the .docx has it
        else:
            out.append(b.text)
    return "\n\n".join(out) + "\n"


def _jsonable(values: dict) -> dict:
    def conv(x):
        if isinstance(x, dt.date):
            return x.isoformat()
        if isinstance(x, Decimal):
            return str(x)
        if isinstance(x, (list, tuple)):
            return [conv(i) for i in x]
        return x

    return {k: conv(v) for k, v in values.items() if v is not None}


class DocumentDrafter:
    """Draft the seven document kinds from typed fields.

    Args:
        legal: the search / lookup / verify functions (default: :mod:`toolkit.legal`).
        llm: a model; when ``llm.capable`` the 事实与理由 text is polished by it (then re-verified).
        prompts: a PromptRegistry (default: the project's).
    """

    def __init__(self, legal: LegalBackend | None = None, llm=None, prompts=None):
        self.legal = legal or LegalBackend.default()
        self.llm = llm
        self._prompts = prompts

    @classmethod
    def from_settings(cls, settings=None, llm=None) -> "DocumentDrafter":
        """The drafter over the pulled statutes; ``llm`` only when one is configured (``settings.llm``)."""
        from toolkit.config import get_settings
        from toolkit.prompts import PromptRegistry

        settings = settings or get_settings()
        if llm is None and settings.llm:
            from toolkit.llm import load_llm

            llm = load_llm(settings.llm)
        return cls(LegalBackend.default(settings), llm, PromptRegistry.from_settings(settings))

    @property
    def prompts(self):
        if self._prompts is None:
            from toolkit.prompts import PromptRegistry

            self._prompts = PromptRegistry()
        return self._prompts

    def as_runnable(self):
        """A langchain-core Runnable: invoke({"kind", "fields", "variant"}) → LegalDocument."""
        from .runnables import DrafterRunnable

        return DrafterRunnable(self)

    # ---- schemas -------------------------------------------------------------------------------
    def kinds(self) -> list[DocSchema]:
        """The seven document schemas (the 要素式 variant is in ``variants()``)."""
        return list(SCHEMAS)

    def variants(self) -> list[DocSchema]:
        return list(VARIANTS.values())

    def schema(self, kind: str, variant: str | None = None) -> DocSchema:
        return get_schema(kind, variant)

    def example_fields(self, kind: str, variant: str | None = None) -> dict:
        """A complete, valid ``fields`` dict for ``kind`` (fictional parties, checksum-valid IDs)."""
        return {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in get_schema(kind, variant).example.items()}

    def validate(self, kind: str, fields: dict, variant: str | None = None) -> dict:
        """Normalised values, or InvalidInputError naming every missing/invalid field at once."""
        schema = get_schema(kind, variant)
        values = validate_fields(schema, fields)
        check = CROSS_CHECKS.get(schema.name) if not schema.variant else None
        if check:
            try:
                check(values)
            except ValueError as e:
                raise InvalidInputError(f"{schema.full_name}: {e}") from None
        return values

    # ---- drafting ------------------------------------------------------------------------------
    def draft(self, kind: str, fields: dict, variant: str | None = None) -> LegalDocument:
        """Validate ``fields``, suggest and verify statutes, assemble the document.

        Raises:
            InvalidInputError: unknown kind, or missing/invalid fields (all named in one message).
        """
        schema = get_schema(kind, variant)
        values = self.validate(kind, fields, variant)
        statutes = self.suggest(schema, values)
        warnings: list[str] = value_warnings(values, {f.name: f.label for f in schema.fields})
        facts = values.get(schema.facts_field, "") if schema.facts_field else ""
        if facts and self.llm is not None and self.llm.capable:
            facts, note = self._polish(schema, values, facts, statutes)
            if note:
                warnings.append(note)
        blocks = tuple(schema.build(values, statutes, facts, self._phrases(schema)))
        markdown = to_markdown(blocks)
        checks = tuple(self.legal.verify_citations(markdown))
        for c in checks:
            if not c.ok:
                warnings.append(f"文书中的引用未通过核验 (unverified citation in the supplied text): {c.raw}（{c.status}）")
        return LegalDocument(schema.name, markdown, blocks, tuple(statutes), checks, tuple(warnings),
                             schema.variant, _jsonable(values))

    def suggest(self, schema: DocSchema, values: dict) -> list:
        """Statutes for the document: the clause-defining articles (contracts) plus retrieval on the
        facts within their field of law (see :mod:`.suggest`), each verified by ``verify_citations``;
        only ``ok`` ones are returned."""
        found, seen = [], set()
        if schema.cite_basis:
            for law, no in schema.basis:
                s = self.legal.get_article(law, no)
                if s is not None:
                    found.append(s)
        query = schema.query(values) if schema.query else ""
        if query:
            found += suggest_statutes(self.legal.search_statutes, query[:500], N_SUGGEST)
        out = []
        for s in found:
            key = statute_key(s.law_name, s.article_no, getattr(s, "sub", 0))
            if key in seen:
                continue
            seen.add(key)
            checks = self.legal.verify_citations(s.citation)
            if checks and all(c.ok for c in checks):
                out.append(s)
        return out

    def _phrases(self, schema: DocSchema):
        """``say(part, **variables)``: the document's fixed wording from the ``draft_phrases`` template."""
        def say(part: str, **variables) -> str:
            return self.prompts.render("draft_phrases", part=part, kind=schema.name, **variables).strip()

        return say

    def _polish(self, schema: DocSchema, values: dict, facts: str, statutes) -> tuple[str, str]:
        """Let a capable model rewrite 事实与理由; keep only verified citations to the given statutes."""
        claims = values.get("claims") or values.get("demands") or values.get("appeal_requests") \
            or values.get("defense_requests")
        prompt = self.prompts.render("draft_polish_facts", kind=schema.name, facts=facts,
                                     claims=claims, articles=statutes)
        text = (self.llm.generate(prompt, max_new_tokens=1536, temperature=0.0) or "").strip()
        if not text:
            return facts, "模型未返回内容，已使用原始事实 (empty model output; original facts kept)"
        allowed = {statute_key(s.law_name, s.article_no, getattr(s, "sub", 0)) for s in statutes}
        g = ground(text, self.legal.verify_citations(text), allowed)
        if not g.text:
            return facts, g.note() or "模型输出无可用内容 (model output unusable)"
        return g.text, g.note()
