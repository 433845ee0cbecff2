"""The ``hanlin`` command line. Each command group lives in its own module with ``register(subparsers)``.

A group module adds its parser(s) and sets ``func`` on them; ``func(args) -> int | None`` runs the command.
Conventions (see :mod:`pipelines.cli.conventions`): the main input of a command is positional, common
aliases work (``generate`` for ``gen``), every ``--help`` ends with two examples, and ``--lang zh|en`` (or
``HANLIN_LANG``) picks the language of help and messages.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from pipelines.cli.conventions import argparse_language, examples, install_writers, localise_parser, split_lang
from toolkit import i18n
from toolkit.errors import HanlinError, InvalidInputError

# Command-group modules, in the order their commands appear in --help.
GROUPS = ("data", "index", "law", "poem", "kb", "model", "serve", "web")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hanlin", description=i18n.msg("cli.description"))
    parser.add_argument("--lang", choices=i18n.LANGS, help=i18n.msg("cli.lang"))
    examples(parser, 'hanlin poem gen 秋日登高 --form 七律', 'hanlin law ask "被公司辞退没有补偿怎么办？"')
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in GROUPS:
        importlib.import_module(f"pipelines.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    finally:
        argparse_language("en")  # argparse's own words back to its defaults for whoever parses next


def _main(argv: list[str] | None) -> int:
    argv, lang = split_lang(list(sys.argv[1:] if argv is None else argv))
    if lang is None:
        return _run(argv)
    try:
        i18n.check_lang(lang)
    except InvalidInputError as e:
        print(e, file=sys.stderr)
        return 2
    old = os.environ.get("HANLIN_LANG")
    os.environ["HANLIN_LANG"] = lang  # for the whole command: `hanlin web --lang en` opens in English too
    try:
        return _run(argv)
    finally:
        if old is None:
            os.environ.pop("HANLIN_LANG", None)
        else:
            os.environ["HANLIN_LANG"] = old


def _run(argv: list[str]) -> int:
    lang = i18n.env_lang()
    argparse_language(lang)
    parser = build_parser()
    localise_parser(parser, lang)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    restore = install_writers(lang) if not getattr(args, "json", False) else (lambda: None)
    try:
        rc = args.func(args)
    except HanlinError as e:
        print(i18n.msg("cli.error", msg=str(e)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(i18n.msg("cli.interrupted"), file=sys.stderr)
        return 130
    finally:
        restore()
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
