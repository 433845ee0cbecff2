"""Prompt templates as data: ``prompts/<name>.md`` (YAML front matter + sandboxed Jinja2) with a user layer.

Example:
    >>> from toolkit.prompts import PromptRegistry
    >>> PromptRegistry().render("kb_followup", question="那第二条呢？", history=[])[:4]
"""

from .registry import HistoryEntry, PromptRegistry
from .render import check_template, render_template, sandbox
from .template import FrontMatter, PromptTemplate, check_name, parse_template

__all__ = [
    "FrontMatter",
    "HistoryEntry",
    "PromptRegistry",
    "PromptTemplate",
    "check_name",
    "check_template",
    "parse_template",
    "render_template",
    "sandbox",
]
