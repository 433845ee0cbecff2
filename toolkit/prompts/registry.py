"""PromptRegistry: shipped templates in ``prompts/`` with a user layer of edited copies on top.

Layout::

    prompts/<name>.md                         shipped defaults (read-only)
    <user_root>/prompts/<name>.md             the user's edited version (wins over the default)
    <user_root>/prompts/.history/<name>/<UTC timestamp>.md   every replaced or reset user version

Example:
    >>> from toolkit.prompts import PromptRegistry
    >>> reg = PromptRegistry()
    >>> "legal_answer" in reg.names(task="legal")
    True
    >>> text = reg.render("legal_followup", question="那试用期呢？",
    ...                   history=[{"role": "user", "content": "公司辞退我要赔偿吗？"}])
"""

from __future__ import annotations

import difflib
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..atomic import write_text
from ..errors import InvalidInputError
from .render import check_template, render_template
from .template import PromptTemplate, check_name, parse_template

HISTORY_DIR = ".history"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HistoryEntry:
    """One stored earlier user version of a template."""

    name: str
    timestamp: str  # UTC, e.g. 20261129T024500.123456Z
    path: Path

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


class PromptRegistry:
    """Find, render, edit, diff and reset prompt templates.

    Args:
        builtin_dir: shipped templates (default ``settings.prompts_dir``).
        user_dir: edited templates (default ``settings.user_root / "prompts"``).
    """

    def __init__(self, builtin_dir: str | Path | None = None, user_dir: str | Path | None = None):
        if builtin_dir is None or user_dir is None:
            from ..config import get_settings

            s = get_settings()
            builtin_dir = s.prompts_dir if builtin_dir is None else builtin_dir
            user_dir = s.user_root / "prompts" if user_dir is None else user_dir
        self.builtin_dir = Path(builtin_dir)
        self.user_dir = Path(user_dir)

    @classmethod
    def from_settings(cls, settings=None) -> "PromptRegistry":
        if settings is None:
            from ..config import get_settings

            settings = get_settings()
        return cls(settings.prompts_dir, settings.user_root / "prompts")

    # ---- paths -------------------------------------------------------------------------------
    def _builtin_path(self, name: str) -> Path:
        return self.builtin_dir / f"{check_name(name)}.md"

    def _user_path(self, name: str) -> Path:
        path = self.user_dir / f"{check_name(name)}.md"
        # Belt and braces: the name check already forbids separators, but never write elsewhere.
        if path.resolve().parent != self.user_dir.resolve():
            raise InvalidInputError(f"模板路径越界 (path escapes the user folder): {name!r}")
        return path

    def _history_dir(self, name: str) -> Path:
        return self.user_dir / HISTORY_DIR / check_name(name)

    # ---- reading -----------------------------------------------------------------------------
    def names(self, task: str | None = None) -> list[str]:
        """Sorted template names (shipped and user-only), optionally only those of ``task``."""
        found = set()
        for d in (self.builtin_dir, self.user_dir):
            if d.is_dir():
                found.update(p.stem for p in d.glob("*.md") if p.is_file() and _valid(p.stem))
        if task is None:
            return sorted(found)
        return sorted(n for n in found if self._task(n) == task)

    def _task(self, name: str) -> str | None:
        try:
            return self.get(name).task
        except InvalidInputError:  # a broken user-only file: listed by names(), matched by no task
            return None

    def get(self, name: str) -> PromptTemplate:
        """The effective template: the user's version if there is one, else the shipped default."""
        user = self._user_path(name)
        builtin = self._builtin_path(name)
        if user.is_file():
            try:
                return _load(user, "user")
            except InvalidInputError as e:
                # Edited by hand outside the editor and now broken: the shipped default keeps pipelines running.
                if not builtin.is_file():
                    raise
                log.warning("用户模板无效，改用内置版本 (broken user template, using the default) %s: %s", name, e)
        if builtin.is_file():
            return _load(builtin, "builtin")
        raise InvalidInputError(
            f"未知的模板 {name!r} (unknown template); 可选 (valid): {', '.join(self.names()) or '-'}"
        )

    def default(self, name: str) -> PromptTemplate | None:
        """The shipped template of that name, or None if it exists only in the user layer."""
        p = self._builtin_path(name)
        return _load(p, "builtin") if p.is_file() else None

    def render(self, name: str, **variables) -> str:
        """Render template ``name`` in the sandbox; a missing required variable raises, naming it."""
        return render_template(self.get(name), variables)

    # ---- editing -----------------------------------------------------------------------------
    def validate(self, name: str, text: str) -> PromptTemplate:
        """Check ``text`` as a new version of ``name`` without saving; return the parsed template.

        Raises:
            InvalidInputError: bad front matter, name mismatch, Jinja syntax error (with its line),
                variables used but undeclared or declared but unused, or a required variable the
                pipeline does not supply (not declared by the shipped default).
        """
        check_name(name)
        t = parse_template(text, "user", self._user_path(name))
        if t.name != name:
            raise InvalidInputError(f"头部 name 为 {t.name!r}，与模板名 {name!r} 不一致 (front matter name mismatch)")
        check_template(t)
        base = self.default(name)
        if base is not None:
            extra = sorted(set(t.input_variables) - set(base.variables))
            if extra:
                raise InvalidInputError(
                    f"管线不会提供这些变量 (the pipeline does not supply): {', '.join(extra)}; "
                    f"可用 (available): {', '.join(base.variables)}"
                )
        return t

    def save(self, name: str, text: str) -> PromptTemplate:
        """Validate and store a user version; on any error nothing changes (the old one stays).

        The replaced user version (if any) is kept in the history folder first.
        """
        t = self.validate(name, text)
        target = self._user_path(name)
        if target.is_file():
            self._archive(name, target)
        write_text(target, text)
        return _load(target, "user")

    def reset(self, name: str) -> bool:
        """Remove the user's version (archived to history first). Returns False if there was none."""
        target = self._user_path(name)
        if not target.is_file():
            return False
        if self.default(name) is None:
            raise InvalidInputError(f"模板 {name!r} 没有内置默认版本，无法重置 (no shipped default to reset to)")
        self._archive(name, target)
        target.unlink()
        return True

    def history(self, name: str) -> list[HistoryEntry]:
        """Earlier user versions, oldest first."""
        d = self._history_dir(name)
        if not d.is_dir():
            return []
        return [HistoryEntry(name, p.stem, p) for p in sorted(d.glob("*.md"))]

    def diff(self, name: str) -> str:
        """Unified diff from the shipped default to the effective version ('' when unchanged)."""
        current = self.get(name)
        base = self.default(name)
        old = base.text if base is not None else ""
        return "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                current.text.splitlines(keepends=True),
                fromfile=f"builtin/{name}.md",
                tofile=f"{current.source}/{name}.md",
            )
        )

    def as_langchain(self, name: str):
        """A langchain-core prompt template that renders this template through the sandbox."""
        from .lc import as_langchain

        return as_langchain(self, name)

    def _archive(self, name: str, path: Path) -> Path:
        d = self._history_dir(name)
        d.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        dest = d / f"{stamp}.md"
        n = 1
        while dest.exists():  # two saves in the same microsecond
            dest = d / f"{stamp}-{n}.md"
            n += 1
        tmp = d / f".{dest.name}.tmp"
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)
        return dest


def _valid(stem: str) -> bool:
    try:
        check_name(stem)
        return True
    except InvalidInputError:
        return False


def _load(path: Path, source: str) -> PromptTemplate:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError(f"模板文件不是 UTF-8 编码 (template is not UTF-8): {path}") from None
    return parse_template(text, source, path)
