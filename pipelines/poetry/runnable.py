"""The pipeline as a langchain-core Runnable (invoke / stream / batch)."""

from __future__ import annotations

from collections.abc import Iterator

from langchain_core.runnables import RunnableGenerator

from toolkit.errors import InvalidInputError

ARGS = ("topic", "form", "keywords", "acrostic", "rhyme_group", "seed", "rhyme_book", "start")


def _kwargs(value) -> dict:
    if isinstance(value, str):
        return {"topic": value}
    if isinstance(value, dict):
        bad = sorted(set(value) - set(ARGS) - {"n"})
        if bad:
            raise InvalidInputError(f"未知的参数 {bad} (unknown keys); 可选 (valid): {', '.join(ARGS)}")
        return {k: v for k, v in value.items() if k != "n"}
    raise InvalidInputError(f"输入须为 str 或 dict (input must be str or dict), got {type(value).__name__}")


def poetry_runnable(pipeline):
    """``RunnableGenerator`` yielding the poem line by line; ``invoke`` returns the whole text."""

    def transform(inputs: Iterator) -> Iterator[str]:
        for value in inputs:
            yield from pipeline.stream(**_kwargs(value))

    return RunnableGenerator(transform, name="hanlin_poetry")
