"""Sandboxed Jinja2 compilation, variable analysis and rendering for prompt templates.

Only :class:`jinja2.sandbox.SandboxedEnvironment` with :class:`jinja2.StrictUndefined` is used:
a template cannot reach Python internals (``{{ ''.__class__ }}`` raises), a misspelt variable
raises instead of rendering as empty, and values are inserted as plain data (a ``{{ x }}`` inside
a value is never evaluated again).
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from ..errors import InvalidInputError
from .template import PromptTemplate


@lru_cache(maxsize=1)
def sandbox() -> SandboxedEnvironment:
    """The one Jinja environment for prompts (sandboxed, strict, no autoescape: output is plain text)."""
    return SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def used_variables(body: str, name: str = "<template>") -> set[str]:
    """Top-level variables the body reads; raises InvalidInputError (with the line) on a syntax error."""
    try:
        ast = sandbox().parse(body)
    except TemplateSyntaxError as e:
        raise InvalidInputError(
            f"模板 {name} 第 {e.lineno} 行 Jinja 语法错误 (template syntax error at body line {e.lineno}): {e.message}"
        ) from None
    return set(meta.find_undeclared_variables(ast))


def check_template(t: PromptTemplate) -> None:
    """Raise InvalidInputError unless the body compiles and uses exactly the declared variables."""
    # Line numbers in the message are relative to the body; add the header length for the file line.
    header_lines = t.text[: len(t.text) - len(t.body)].count("\n") if t.text else 0
    try:
        used = used_variables(t.body, t.name)
    except InvalidInputError as e:
        msg = str(e)
        if header_lines:
            msg += f" (文件第 {header_lines + _body_line(msg)} 行 / file line {header_lines + _body_line(msg)})"
        raise InvalidInputError(msg) from None
    declared = set(t.variables)
    undeclared = sorted(used - declared)
    unused = sorted(declared - used)
    problems = []
    if undeclared:
        problems.append(f"使用了但未声明的变量 (used but not declared): {', '.join(undeclared)}")
    if unused:
        problems.append(f"声明了但未使用的变量 (declared but not used): {', '.join(unused)}")
    if problems:
        raise InvalidInputError(f"模板 {t.name} 变量不一致 (variable mismatch): " + "; ".join(problems))


def _body_line(msg: str) -> int:
    import re

    m = re.search(r"第 (\d+) 行", msg)
    return int(m.group(1)) if m else 0


def render_template(t: PromptTemplate, variables: dict) -> str:
    """Render ``t`` with ``variables`` in the sandbox.

    Args:
        t: the template.
        variables: values; undeclared extras are ignored (a user may drop a variable from an edited
            template), optional ones default to ``None``.

    Returns:
        The rendered text.

    Raises:
        InvalidInputError: a required variable is missing (named in the message), or the template
            tried something the sandbox forbids.
    """
    missing = [v for v in t.input_variables if v not in variables]
    if missing:
        raise InvalidInputError(
            f"模板 {t.name} 缺少变量 (missing variables): {', '.join(missing)}; "
            f"需要 (required): {', '.join(t.input_variables) or '-'}"
        )
    ctx = {v: variables.get(v) for v in t.variables}
    try:
        return sandbox().from_string(t.body).render(ctx)
    except SecurityError as e:
        raise InvalidInputError(f"模板 {t.name} 访问了不安全的属性，已阻止 (unsafe access blocked by sandbox): {e}") from None
    except UndefinedError as e:
        raise InvalidInputError(f"模板 {t.name} 引用了未定义的值 (undefined value): {e}") from None
    except TemplateSyntaxError as e:
        raise InvalidInputError(f"模板 {t.name} 第 {e.lineno} 行语法错误 (syntax error): {e.message}") from None
