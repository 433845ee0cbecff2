"""``python -m bench poetry_blind``: the blind judgement (see :mod:`bench.poetry_blind`)."""

from __future__ import annotations


def run(args) -> str:
    from bench.poetry_blind import run as blind_run

    return blind_run(args)
