"""Sandboxed, bounded Jinja2 compilation, variable analysis and rendering for prompt templates.

Templates are data a user edits in the browser, so rendering one must not be able to hang or
exhaust the process, nor change what the caller passed in:

- :class:`BoundedSandbox` is Jinja's immutable sandbox (no Python internals, no ``list.append``
  on the caller's data) with :class:`jinja2.StrictUndefined` (a misspelt variable raises);
- ``range()``, ``*``/``**``, padding filters, macro nesting and the output are capped
  (:class:`RenderLimits`), and every loop step, call and attribute read checks the deadline;
- the wall-clock limit is enforced outside the template: the render runs in a worker thread that
  the caller stops waiting for at the deadline, and that is then stopped (an exception raised in
  it asynchronously, so even a loop with no hook in it ends);
- the variables are deep-copied before the template sees them;
- every failure becomes an :class:`~toolkit.errors.InvalidInputError` whose bilingual message names
  the template, the line and the limit (what the prompt editor shows), never a traceback.

:func:`check_template` compiles the body (unknown filters and tests fail at save time) and renders
it once on sample values, so a template that would break a limit is refused when it is saved.
"""

from __future__ import annotations

import copy
import math
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, TemplateAssertionError, TemplateError, UndefinedError
from jinja2.runtime import Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import InvalidInputError
from .template import PromptTemplate


@dataclass(frozen=True)
class RenderLimits:
    """What one render may use."""

    max_range: int = 10_000  # items in one range(); loops over caller data are bounded by that data
    max_output: int = 1_000_000  # characters rendered (also the cap on any string/list built by * or a filter)
    max_depth: int = 32  # nested macro calls (a macro calling itself ends here, not in RecursionError)
    max_seconds: float = 2.0  # wall clock for one render
    max_pow_bits: int = 4096  # ``a ** b`` results wider than this many bits are refused


LIMITS = RenderLimits()


class TemplateLimitError(InvalidInputError):
    """A template went past a :class:`RenderLimits` bound (range, output, depth, time, number size)."""


class _Budget(threading.local):
    """The running render's deadline and macro depth (per thread: each render has its own worker)."""

    deadline: float | None = None
    depth: int = 0
    limits: RenderLimits = LIMITS
    cancelled: bool = False


_budget = _Budget()


def _tick() -> None:
    b = _budget
    if b.cancelled or (b.deadline is not None and time.monotonic() > b.deadline):
        raise TemplateLimitError(f"渲染超时: 超过 {b.limits.max_seconds:g} 秒 (render took longer than {b.limits.max_seconds:g} s)")


def _bounded_range(*args):
    for a in args:
        if not isinstance(a, int) or isinstance(a, bool):  # a type error, not a limit: sample values may cause it
            raise TypeError(f"range() 的参数必须是整数 (range arguments must be integers), got {a!r}")
    rng = range(*args)
    limit = _budget.limits.max_range
    if len(rng) > limit:
        raise TemplateLimitError(f"range() 过大: {len(rng)} 项 > 上限 {limit} (range too large: at most {limit} items)")
    return _TickingIter(rng)


class _TickingIter:
    """Iterates a range, checking the deadline every 256 steps (nested loops cannot run forever)."""

    def __init__(self, rng: range):
        self.rng = rng

    def __iter__(self):
        for i, x in enumerate(self.rng):
            if not i & 255:
                _tick()
            yield x

    def __len__(self):
        return len(self.rng)

    def __repr__(self):
        return repr(self.rng)


def _size(x) -> int | None:
    return len(x) if isinstance(x, (str, list, tuple, bytes)) else None


_WIDTH_RE = re.compile(r"%[-+ #0]*(\*|\d{7,})")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox plus the bounds of :class:`RenderLimits` (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **kw):
        super().__init__(**kw)
        self.globals["range"] = _bounded_range
        for name in ("center", "indent", "wordwrap", "truncate", "format"):
            self.filters[name] = _width_checked(self.filters[name])

    def call_binop(self, context, operator, left, right):
        _tick()
        cap = _budget.limits.max_output
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if _size(seq) is not None and isinstance(n, int) and _size(seq) * max(n, 0) > cap:
                    raise TemplateLimitError(f"重复生成的内容过大: {_size(seq)} × {n} > {cap} (repeated string/list too large)")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
                bits = right * math.log2(abs(left))
                if bits > _budget.limits.max_pow_bits:
                    raise TemplateLimitError(f"数字过大: {left} ** {right} (number too large, > {_budget.limits.max_pow_bits} bits)")
        elif operator == "%":
            if isinstance(left, str) and _WIDTH_RE.search(left):
                raise TemplateLimitError("格式化宽度过大或不定 (format width too large or given by *)")
        elif operator == "+":
            if _size(left) is not None and _size(right) is not None and _size(left) + _size(right) > cap:
                raise TemplateLimitError(f"拼接的内容过大 (concatenation too large: more than {cap})")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's signature
        _tick()
        if not isinstance(__obj, Macro):
            return super().call(__context, __obj, *args, **kwargs)
        b = _budget
        if b.depth >= b.limits.max_depth:
            raise TemplateLimitError(f"宏调用嵌套过深: 超过 {b.limits.max_depth} 层 (macro calls nested deeper than "
                                     f"{b.limits.max_depth}: does a macro call itself?)")
        b.depth += 1
        try:
            return super().call(__context, __obj, *args, **kwargs)
        finally:
            b.depth -= 1

    def getattr(self, obj, attribute):
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        _tick()
        return super().getitem(obj, argument)


def _width_checked(f):
    from functools import wraps

    @wraps(f)
    def checked(*args, **kwargs):
        cap = _budget.limits.max_output
        for v in (*args[1:], *kwargs.values()):
            if isinstance(v, int) and not isinstance(v, bool) and v > cap:
                raise TemplateLimitError(f"过滤器 {f.__name__} 的宽度过大: {v} > {cap} (filter width too large)")
            if isinstance(v, str) and _WIDTH_RE.search(v):
                raise TemplateLimitError("格式化宽度过大或不定 (format width too large or given by *)")
        return f(*args, **kwargs)

    return checked


@lru_cache(maxsize=1)
def sandbox() -> BoundedSandbox:
    """The one Jinja environment for prompts (bounded immutable sandbox, strict, no autoescape: plain text)."""
    return BoundedSandbox(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def used_variables(body: str, name: str = "<template>") -> set[str]:
    """Top-level variables the body reads; raises InvalidInputError (with the line) on a syntax error."""
    try:
        return set(meta.find_undeclared_variables(sandbox().parse(body)))  # code generation: unknown filters fail here
    except TemplateAssertionError as e:
        raise InvalidInputError(f"模板 {name} 第 {e.lineno} 行: {_explain(e.message or str(e))}") from None
    except TemplateSyntaxError as e:
        raise InvalidInputError(
            f"模板 {name} 第 {e.lineno} 行 Jinja 语法错误 (template syntax error at body line {e.lineno}): {e.message}"
        ) from None


def _compile(body: str, name: str):
    """Compile the body; unknown filters/tests are compile-time errors in Jinja, reported with their line."""
    try:
        return _compiled(body)
    except TemplateAssertionError as e:
        raise InvalidInputError(f"模板 {name} 第 {e.lineno} 行: {_explain(e.message or str(e))}") from None
    except TemplateSyntaxError as e:
        raise InvalidInputError(
            f"模板 {name} 第 {e.lineno} 行 Jinja 语法错误 (template syntax error at body line {e.lineno}): {e.message}"
        ) from None


@lru_cache(maxsize=256)
def _compiled(body: str):
    template = sandbox().from_string(body)
    # ``a ~ b`` and ``{% set %}`` blocks join strings through these module-level helpers of the
    # compiled code, which no sandbox hook sees: bound them in the template's own namespace.
    ns = template.root_render_func.__globals__
    ns["str_join"] = _bounded_join
    ns["markup_join"] = _bounded_markup_join
    return template


def _bounded_join(seq) -> str:
    parts = [str(x) for x in seq]
    _check_joined(parts)
    return "".join(parts)


def _bounded_markup_join(seq):
    from jinja2.runtime import markup_join

    parts = list(seq)
    _check_joined([str(p) for p in parts])
    return markup_join(parts)


def _check_joined(parts: list[str]) -> None:
    _tick()
    cap = _budget.limits.max_output
    if sum(map(len, parts)) > cap:
        raise TemplateLimitError(f"拼接的内容过大 (concatenation too large: more than {cap})")


def _explain(msg: str) -> str:
    m = re.match(r"No (filter|test) named '([^']+)'", msg)
    if not m:
        return msg
    kind, what = m.groups()
    have = sorted(sandbox().filters if kind == "filter" else sandbox().tests)
    zh = "过滤器" if kind == "filter" else "测试"
    return f"未知的{zh} '{what}' (unknown {kind}); 可用 (available): {', '.join(have)}"


def check_template(t: PromptTemplate, limits: RenderLimits = LIMITS) -> None:
    """Raise InvalidInputError unless the body compiles, uses exactly the declared variables and
    renders on sample values within ``limits``."""
    # Line numbers in the message are relative to the body; add the header length for the file line.
    header_lines = t.text[: len(t.text) - len(t.body)].count("\n") if t.text else 0
    try:
        used = used_variables(t.body, t.name)
        _compile(t.body, t.name)
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
    # A trial render: sample strings cannot satisfy every template (a loop over dicts reads
    # undefined keys), so only a broken limit refuses the template here; other errors show at use.
    try:
        render_template(t, {v: "示例 sample" for v in t.variables}, limits)
    except TemplateLimitError:
        raise
    except InvalidInputError:
        pass


def _body_line(msg: str) -> int:
    m = re.search(r"第 (\d+) 行", msg)
    return int(m.group(1)) if m else 0


def _template_line(exc: BaseException) -> int | None:
    """The template line of the innermost template frame in ``exc``'s traceback (Jinja rewrites them)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render_bounded(template, ctx: dict, limits: RenderLimits, cancel: threading.Event) -> str:
    """Stream the render, stopping once the output passes ``limits.max_output``."""
    b = _budget
    b.deadline, b.depth, b.limits, b.cancelled = time.monotonic() + limits.max_seconds, 0, limits, False
    parts, n = [], 0
    for piece in template.generate(ctx):
        n += len(piece)
        if n > limits.max_output:
            raise TemplateLimitError(f"输出过长: 超过 {limits.max_output} 个字符 (rendered output longer than {limits.max_output} characters)")
        if cancel.is_set():
            b.cancelled = True
            _tick()
        parts.append(piece)
    return "".join(parts)


def render_template(t: PromptTemplate, variables: dict, limits: RenderLimits = LIMITS) -> str:
    """Render ``t`` with ``variables`` in the bounded sandbox.

    Args:
        t: the template.
        variables: values; undeclared extras are ignored (a user may drop a variable from an edited
            template), optional ones default to ``None``. They are deep-copied first: nothing the
            template does reaches the caller's objects.
        limits: the :class:`RenderLimits`.

    Returns:
        The rendered text.

    Raises:
        InvalidInputError: a required variable is missing (named in the message), the template tried
            something the sandbox forbids, failed at run time (with its line), or
            :class:`TemplateLimitError` for a broken limit (range, output, depth, time).
    """
    missing = [v for v in t.input_variables if v not in variables]
    if missing:
        raise InvalidInputError(
            f"模板 {t.name} 缺少变量 (missing variables): {', '.join(missing)}; "
            f"需要 (required): {', '.join(t.input_variables) or '-'}"
        )
    ctx = {v: variables.get(v) for v in t.variables}
    try:
        ctx = copy.deepcopy(ctx)
    except Exception:  # noqa: BLE001 - an uncopyable object (a live handle): the immutable sandbox still guards it
        pass
    template = _compile(t.body, t.name)
    result: dict = {}
    cancel = threading.Event()

    def work():
        try:
            result["text"] = _render_bounded(template, ctx, limits, cancel)
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread below
            result["error"] = e

    worker = threading.Thread(target=work, name=f"render-{t.name}", daemon=True)
    worker.start()
    worker.join(limits.max_seconds + 0.5)  # the worker's own deadline normally fires first
    if worker.is_alive():
        # Stop the worker: at its next hook (range step, call, attribute, output piece) via ``cancel``,
        # and inside plain Python loops over the caller's data (no hook there) by an exception
        # raised asynchronously in that thread at its next bytecode.
        cancel.set()
        _budget_cancel(worker)
        raise TemplateLimitError(f"模板 {t.name} 渲染超时: 超过 {limits.max_seconds:g} 秒 (render took longer than {limits.max_seconds:g} s)")
    if "text" in result:
        return result["text"]
    raise _as_input_error(t.name, result["error"]) from None


def _budget_cancel(worker: threading.Thread) -> None:
    import ctypes

    if worker.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_RenderStopped))


class _RenderStopped(Exception):
    """Raised inside a render worker the caller stopped waiting for."""


def _as_input_error(name: str, e: BaseException) -> InvalidInputError:
    line = _template_line(e)
    where = f" 第 {line} 行 (line {line})" if line else ""
    if isinstance(e, TemplateLimitError):
        return TemplateLimitError(f"模板 {name}{where}: {e}")
    if isinstance(e, SecurityError):
        what = ("不能修改传入的数据 (templates cannot modify the caller's data)" if "modif" in str(e) or "unsafe" in str(e)
                else "访问了不安全的属性，已阻止 (unsafe access blocked by sandbox)")
        return InvalidInputError(f"模板 {name}{where} {what}: {e}")
    if isinstance(e, UndefinedError):
        return InvalidInputError(f"模板 {name}{where} 引用了未定义的值 (undefined value): {e}")
    if isinstance(e, TemplateSyntaxError):
        return InvalidInputError(f"模板 {name} 第 {e.lineno} 行语法错误 (syntax error): {e.message}")
    if isinstance(e, RecursionError):
        return TemplateLimitError(f"模板 {name}{where}: 递归过深 (recursion too deep)")
    if isinstance(e, MemoryError):
        return TemplateLimitError(f"模板 {name}{where}: 内存不足 (out of memory while rendering)")
    if isinstance(e, (TemplateError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError)):
        return InvalidInputError(f"模板 {name}{where} 渲染失败 (render failed): {type(e).__name__}: {e}")
    raise e
