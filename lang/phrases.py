"""Phrases of the language modules turned into regular expressions, once.

The syntax (``base`` module docstring) lets a language module list "in che|quale anno" instead
of writing a regex; this module is the only place that knows how it compiles. ``alternation``
joins one field of every registered language, so a pattern built from it is Italian and
English (and whatever is added) without any module spelling both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from articleqa.lang.base import fold
from articleqa.lang.registry import languages

_PLACEHOLDERS = {"<clock>": r"\d{1,2}(?:[.:]\d{2})?", "<roman>": r"[ivxlcdm]+"}


def _word(alternative: str) -> str:
    if alternative == "*":
        return r"\w+"
    if alternative in _PLACEHOLDERS:
        return _PLACEHOLDERS[alternative]
    core = re.escape(alternative.strip("*")).replace("'", "['’]")
    return ((r"\w*" if alternative.startswith("*") else "") + core
            + (r"\w*" if alternative.endswith("*") else ""))


def phrase_regex(phrase: str, folded: bool = True) -> str:
    """The regex source for one phrase; ``folded``: the phrase is folded first (match it
    against folded text), else only lower-cased (match it ignoring case)."""
    phrase = fold(phrase) if folded else phrase.casefold()
    anchored = phrase.startswith("^")
    slots = phrase.lstrip("^").split()
    body = r"\s+".join("(?:" + "|".join(_word(a) for a in slot.split("|")) + ")"
                       for slot in slots)
    start = "^" if anchored else r"(?<!\w)"
    last = slots[-1].split("|") if slots else [""]
    ends_in_word = any(a[-1:].isalnum() or a.endswith(("*", ">")) for a in last)
    return start + body + (r"(?!\w)" if ends_in_word else "")


def alternation(phrases: Iterable[str], folded: bool = True) -> str:
    """``(?:…|…)`` of ``phrases``, longest first (so "in che anno" wins over "che anno")."""
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    if not unique:
        return "(?!)"  # matches nothing
    return "(?:" + "|".join(phrase_regex(p, folded) for p in unique) + ")"


def field_values(name: str, key: Any = None) -> list[Any]:
    """Field ``name`` of every registered language, flattened; for a mapping field, its
    ``key`` entry (every entry when ``key`` is None)."""
    values: list[Any] = []
    for language in languages():
        value = getattr(language, name)
        if isinstance(value, Mapping):
            value = value.get(key, ()) if key is not None else \
                [v for entry in value.values() for v in entry]
        values.extend(value)
    return values


@cache
def pattern(name: str, key: Any = None, folded: bool = True, before: str = "",
            after: str = "") -> re.Pattern[str]:
    """The phrases of field ``name`` of every language as one compiled pattern, between the
    neutral regex ``before`` and ``after``: search it in folded text (``folded``) or in any
    text, ignoring case (``folded=False``)."""
    return re.compile(before + alternation(field_values(name, key), folded) + after,
                      0 if folded else re.IGNORECASE)
