"""The embedded model's text format, shared by training and generation.

A document is ``<bos><kind><题>title<文>body<eos>``: ``kind`` is one of :data:`KINDS` (a regulated
form, 词 for ci, 诗 for other poems, 法 for statute text), the title follows ``<题>``, the body
follows ``<文>`` with its lines joined by ``"\\n"``.

Example:
    >>> build_prompt("七绝", "春夜喜雨")
    '<bos><七绝><题>春夜喜雨<文>'
    >>> format_document("法", "民法典 第一条", "为了保护民事主体的合法权益，……")[-12:]
    '合法权益，……<eos>'
"""

from __future__ import annotations

from toolkit.errors import InvalidInputError
from toolkit.prosody.forms import REGULATED_FORMS

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIAL_TOKENS = (PAD, BOS, EOS, UNK)  # ids 0..3 in this order
# What a document is; one control token each. The order fixes the token ids of a trained model.
KINDS = REGULATED_FORMS + ("词", "诗", "法")
TITLE, BODY = "<题>", "<文>"
CONTROL_TOKENS = tuple(f"<{k}>" for k in KINDS) + (TITLE, BODY)
POETRY_KINDS = KINDS[:6]  # the kinds a poem prompt may name (法 is statute text)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInputError(f"未知的体裁 '{kind}' (unknown kind); 可选 (valid): {', '.join(KINDS)}")
    return kind


def build_prompt(kind: str, title: str = "") -> str:
    """The prefix that conditions generation on a kind and a title.

    Args:
        kind: one of :data:`KINDS`.
        title: poem title / 词牌·title / statute reference; may be empty.

    Returns:
        ``"<bos><kind><题>title<文>"``; the model continues with the body.
    """
    _check_kind(kind)
    title = " ".join(str(title).split())  # one line: newlines would look like body text
    return f"{BOS}<{kind}>{TITLE}{title}{BODY}"


def format_document(kind: str, title: str, body: str | list[str]) -> str:
    """A full training document: prompt, body (lines joined by ``"\\n"``), ``<eos>``."""
    lines = body if isinstance(body, list) else str(body).split("\n")
    text = "\n".join(line.strip() for line in lines if line.strip())
    return build_prompt(kind, title) + text + EOS


def poem_kind(form: str | None, tune: str | None = None) -> str:
    """Map a corpus ``form`` (五绝|七绝|五律|七律|<词牌名>|other) to a document kind."""
    if form in REGULATED_FORMS:
        return form
    if tune or (form and form != "other"):
        return "词"
    return "诗"


def poem_title(kind: str, title: str, tune: str | None = None) -> str:
    """Ci titles are ``词牌·title`` (just the tune when the title repeats it)."""
    title = (title or "").strip()
    if kind == "词" and tune:
        if not title or title == tune or title.startswith(tune):
            return title or tune
        return f"{tune}·{title}"
    return title


def chat_prompt(text: str) -> str:
    """The prompt for a chat turn to the embedded model: a poem kind named in ``text``, the rest as title."""
    text = text.strip()
    kind = next((k for k in KINDS[:-1] if k in text), "诗")
    return build_prompt(kind, text.replace(kind, "").strip(" ，。:：") if kind != "诗" else text)
