"""The CLI's conventions in one place: every ``--help`` ends with two examples, help and messages come out in
one language (``--lang`` / ``HANLIN_LANG``), and a command's main input is its first positional argument.

Help strings and messages across the CLI are written bilingually (``中文 (English)``); :func:`localise_parser`
and :class:`LocalisedWriter` keep the chosen language only, so each command states a message once.
"""

from __future__ import annotations

import argparse
import io
import sys

from toolkit import i18n


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks; wraps the rest as argparse does."""


def examples(parser: argparse.ArgumentParser, first: str, second: str) -> argparse.ArgumentParser:
    """End ``parser``'s help with two example command lines."""
    parser.formatter_class = HelpFormatter
    parser.epilog = f"{i18n.msg('cli.examples')}:\n  {first}\n  {second}"
    return parser


def split_lang(argv: list[str]) -> tuple[list[str], str | None]:
    """``argv`` without ``--lang X`` / ``--lang=X`` (accepted anywhere on the line), and X."""
    out, lang, skip = [], None, False
    for i, a in enumerate(argv):
        if skip:
            skip = False
        elif a == "--lang" and i + 1 < len(argv):
            lang, skip = argv[i + 1], True
        elif a.startswith("--lang="):
            lang = a.split("=", 1)[1]
        else:
            out.append(a)
    return out, lang


def _one(text: str | None, lang: str) -> str | None:
    if not text or text == argparse.SUPPRESS:
        return text
    said = i18n.localise(text, lang)
    if said:
        return said
    found = i18n.glosses(text)
    return found[0] if found else text


def localise_parser(parser: argparse.ArgumentParser, lang: str) -> None:
    """Rewrite every description and help string of ``parser`` and its subcommands into ``lang`` only."""
    seen = set()

    def walk(p):
        if id(p) in seen:
            return
        seen.add(id(p))
        p.description = _one(p.description, lang)
        for a in p._actions:  # argparse keeps no public list of a parser's arguments
            a.help = _one(a.help, lang)
            if isinstance(a, argparse._SubParsersAction):
                for choice in a._choices_actions:
                    choice.help = _one(choice.help, lang)
                for sub in a.choices.values():
                    walk(sub)

    walk(parser)


class LocalisedWriter(io.TextIOBase):
    """A text stream that writes each finished line of bilingual output in one language (human-readable
    output only: ``--json`` output bypasses it)."""

    def __init__(self, target, lang: str):
        self.target, self.lang, self._buf = target, lang, ""

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self._buf += s
        *lines, self._buf = self._buf.split("\n")
        for line in lines:
            self.target.write(self._line(line) + "\n")
        return len(s)

    def _line(self, line: str) -> str:
        if "(" not in line and "（" not in line:
            return line
        return i18n.localise(line, self.lang, strict=False) or line

    def flush(self) -> None:
        if self._buf:  # a prompt or a streamed piece without its newline yet: pass it on as it is
            self.target.write(self._buf)
            self._buf = ""
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    @property
    def encoding(self):
        return getattr(self.target, "encoding", "utf-8")


def install_writers(lang: str):
    """Route stdout and stderr through :class:`LocalisedWriter`; returns a function that restores them."""
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = LocalisedWriter(old[0], lang), LocalisedWriter(old[1], lang)

    def restore():
        for w in (sys.stdout, sys.stderr):
            if isinstance(w, LocalisedWriter):
                w.flush()
        sys.stdout, sys.stderr = old
    return restore


# argparse's own words (its headings, the -h help, its error lines) in Chinese; argparse looks them up through
# its module-level gettext function, which is the documented way to translate them.
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s: 错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
}


def argparse_language(lang: str) -> None:
    """Make argparse's built-in words follow ``lang``."""
    import gettext

    argparse._ = (lambda s: ARGPARSE_ZH.get(s, s)) if lang == "zh" else gettext.gettext
