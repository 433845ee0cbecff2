"""The ``hanlin`` command line. Each command group lives in its own module with ``register(subparsers)``.

A group module adds its parser(s) and sets ``func`` on them; ``func(args) -> int | None`` runs the command.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from toolkit.errors import HanlinError

# Command-group modules, in the order their commands appear in --help.
GROUPS = ("data", "index", "law", "poem", "kb", "model", "serve", "web")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hanlin", description="翰林 Hanlin — 诗词 · 法律 · 知识库问答, on a local MoE model")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in GROUPS:
        importlib.import_module(f"pipelines.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        rc = args.func(args)
    except HanlinError as e:
        print(f"错误 (error): {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断 (interrupted)", file=sys.stderr)
        return 130
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
