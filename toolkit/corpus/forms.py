"""Form detection for poems: the four regular shapes, ci tunes (词牌) from titles, else ``other``.

Rules are data: a shape is (number of lines, characters per line) looked up in :data:`SHAPES`.
"""

from __future__ import annotations

import re

from toolkit.prosody.forms import REGULATED_FORMS
from toolkit.prosody.forms import SHAPES as FORM_SHAPES

# (line count, chars per line) → form name. Only exact shapes count; prosody is toolkit.prosody's job.
SHAPES: dict[tuple[int, int], str] = {shape: form for form, shape in FORM_SHAPES.items()}
REGULAR_FORMS = REGULATED_FORMS
OTHER = "other"
# Tune names that mean "unknown tune" in the sources.
_NO_TUNE = {"失调名", "无调名", "调名佚", ""}
# Separators between a tune and a title or an alternative tune name: 念奴娇·赤壁怀古, 望江南・忆江南.
_TUNE_SEP = re.compile(r"[·・•‧．.　 ]")
_TUNE_OK = re.compile(r"^[\u4e00-\u9fff]{2,8}$")


def shape_form(lines: list[str] | tuple[str, ...]) -> str:
    """Form by shape alone: 4×5 五绝, 4×7 七绝, 8×5 五律, 8×7 七律, else ``other``.

    Example:
        >>> shape_form(["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"])
        '五绝'
    """
    if not lines:
        return OTHER
    width = len(lines[0])
    if any(len(line) != width for line in lines):
        return OTHER
    return SHAPES.get((len(lines), width), OTHER)


def tune_from_rhythmic(rhythmic: str | None) -> str | None:
    """The tune name of a ci from its ``rhythmic``/title field; None if unknown.

    ``念奴娇·赤壁怀古`` → ``念奴娇``; ``望江南・忆江南`` → ``望江南``; ``菩萨蛮 其一`` → ``菩萨蛮``;
    ``失调名`` → None.
    """
    if not rhythmic:
        return None
    head = _TUNE_SEP.split(rhythmic.strip(), maxsplit=1)[0]
    head = re.sub(r"[（(].*$", "", head).strip()
    if head in _NO_TUNE or not _TUNE_OK.match(head):
        return None
    return head


def detect_form(lines: list[str] | tuple[str, ...], tune: str | None = None) -> str:
    """The ``form`` field: the tune for a ci, else the regular shape, else ``other``."""
    if tune:
        return tune
    return shape_form(lines)
