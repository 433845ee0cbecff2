"""Prompt template files: YAML front matter (validated with pydantic) + a Jinja2 body.

A template file looks like::

    ---
    name: legal_answer
    task: legal
    description: 依据检索到的法条回答法律咨询
    input_variables: [question, articles]
    optional_variables: [history]
    version: 1
    ---
    你是……{{ question }}……

Example:
    >>> t = parse_template("---\\nname: hi\\ntask: demo\\ndescription: d\\n"
    ...                    "input_variables: [who]\\nversion: 1\\n---\\n你好，{{ who }}")
    >>> t.input_variables
    ('who',)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import InvalidInputError

NAME_RE = re.compile(r"^[a-z0-9_-]{1,64}$")
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FRONT_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
REQUIRED_KEYS = ("name", "task", "description", "input_variables", "version")


def check_name(name: str) -> str:
    """Return ``name`` if it is a safe template name ([a-z0-9_-], ≤ 64 chars), else raise.

    Names become file names under the user folder, so anything that could escape it
    (``../x``, ``/etc/passwd``, ``a/b``, empty) is refused here, before any path is built.
    """
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise InvalidInputError(
            f"模板名无效 (invalid template name) {name!r}: 只能使用小写字母、数字、_ 和 - "
            "(only [a-z0-9_-], at most 64 characters)"
        )
    return name


class FrontMatter(BaseModel):
    """The YAML header of a template file (untrusted input, hence pydantic)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    task: str = Field(min_length=1)
    description: str = Field(min_length=1)
    input_variables: list[str]
    optional_variables: list[str] = Field(default_factory=list)  # rendered as None when not given
    version: int | str

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)

    @field_validator("input_variables", "optional_variables")
    @classmethod
    def _idents(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if not isinstance(x, str) or not _IDENT_RE.match(x)]
        if bad:
            raise ValueError(f"变量名无效 (invalid variable names): {bad}")
        if len(set(v)) != len(v):
            raise ValueError(f"变量名重复 (duplicate variable names): {v}")
        return v


@dataclass(frozen=True)
class PromptTemplate:
    """One parsed template.

    Attributes:
        name: file stem, [a-z0-9_-].
        task: the pipeline it belongs to (poetry, legal, drafting, kb).
        description: one line for the prompt editor.
        input_variables: variables the caller must pass.
        optional_variables: variables that render as ``None`` when not passed.
        version: author-chosen version tag.
        body: the Jinja2 text after the front matter.
        source: ``"builtin"`` (shipped in prompts/) or ``"user"`` (edited copy).
        path: the file it was read from.
        text: the whole file text (front matter + body), what the editor shows.
    """

    name: str
    task: str
    description: str
    input_variables: tuple[str, ...]
    optional_variables: tuple[str, ...]
    version: str
    body: str
    source: str = "builtin"
    path: Path | None = None
    text: str = ""

    @property
    def variables(self) -> tuple[str, ...]:
        """All declared variables, required first."""
        return self.input_variables + self.optional_variables


def parse_template(text: str, source: str = "builtin", path: Path | None = None) -> PromptTemplate:
    """Parse a template file's text (front matter + body); raise InvalidInputError on a bad header.

    Args:
        text: the whole file.
        source: ``builtin`` or ``user``.
        path: where it came from (for messages).

    Returns:
        A :class:`PromptTemplate` (the Jinja body is not compiled here; see ``render.check_body``).
    """
    where = f" ({path})" if path else ""
    if text.startswith("\ufeff"):
        text = text[1:]
    m = _FRONT_RE.match(text)
    if not m:
        raise InvalidInputError(
            f"模板缺少 YAML 头部{where} (missing YAML front matter): 文件须以 '---' 开头并以 '---' 结束头部; "
            f"需要的键 (required keys): {', '.join(REQUIRED_KEYS)}"
        )
    try:
        raw = yaml.safe_load(m.group(1))
    except yaml.YAMLError as e:
        raise InvalidInputError(f"YAML 头部无法解析{where} (front matter is not valid YAML): {e}") from None
    if not isinstance(raw, dict):
        raise InvalidInputError(f"YAML 头部必须是键值映射{where} (front matter must be a mapping)")
    missing = [k for k in REQUIRED_KEYS if k not in raw]
    if missing:
        raise InvalidInputError(f"YAML 头部缺少键{where} (front matter missing keys): {', '.join(missing)}")
    try:
        fm = FrontMatter.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or '?'}: {err['msg']}" for err in e.errors())
        raise InvalidInputError(f"YAML 头部无效{where} (invalid front matter): {problems}") from None
    overlap = set(fm.input_variables) & set(fm.optional_variables)
    if overlap:
        raise InvalidInputError(
            f"变量同时声明为必需和可选{where} (declared both required and optional): {sorted(overlap)}"
        )
    return PromptTemplate(
        name=fm.name,
        task=fm.task,
        description=fm.description.strip(),
        input_variables=tuple(fm.input_variables),
        optional_variables=tuple(fm.optional_variables),
        version=str(fm.version),
        body=text[m.end():],
        source=source,
        path=path,
        text=text,
    )
