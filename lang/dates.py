"""Dates in text: where they are written, and which months they name.

Month and weekday names come from babel's locale data for each registered language; the
language modules add the words babel has no notion of ("ieri", "this morning", "XVIII
secolo") and the link before a year ("marzo del 1827"). "5 marzo 1827" and "March 5, 1827"
are the same day: the verifier compares their numbers by value and their months by number.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from articleqa.lang.base import fold, fold_aligned
from articleqa.lang.phrases import alternation, field_values, pattern
from articleqa.lang.registry import languages

_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")


@cache
def month_numbers() -> dict[str, int]:
    """Folded month names of every registered language -> 1..12."""
    return {name: number for language in languages() for name, number in
            language.months.items()}


@cache
def weekday_names() -> frozenset[str]:
    return frozenset().union(*(language.weekdays for language in languages()))


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    months = "(?:" + "|".join(sorted(map(re.escape, month_numbers()), key=len,
                                     reverse=True)) + ")"
    link = alternation(field_values("year_links"))
    day_month = re.compile(rf"\b\d{{1,2}}\s+{months}(?:\s+(?:{link}\s+)?\d{{4}})?\b")
    month_day_year = re.compile(rf"\b{months}\s+\d{{1,2}}(?:,?\s+\d{{4}})?\b")
    month_year = re.compile(rf"\b{months}\s+(?:{link}\s+)?\d{{4}}\b")
    weekdays = re.compile(r"\b(?:" + "|".join(sorted(weekday_names())) + r")\b")
    return day_month, month_day_year, month_year, _YEAR, weekdays, pattern("date_words"), \
        _CLOCK


@cache
def _centuries() -> re.Pattern[str]:
    """Centuries written as capitalised number words ("nel Novecento"): case tells them from
    counts ("novecento persone"), so this one is matched on the text as written."""
    names = field_values("century_names")
    return re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b" if names else "(?!)")


def is_year(text: str) -> bool:
    return bool(_YEAR.fullmatch(text))


def date_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every date, day word, century and clock time in ``text``."""
    return list(_date_spans(text))


@lru_cache(maxsize=20_000)
def _date_spans(text: str) -> tuple[tuple[int, int], ...]:
    folded = fold_aligned(text)
    spans: list[tuple[int, int]] = []
    for regex, haystack in [(p, folded) for p in _patterns()] + [(_centuries(), text)]:
        for match in regex.finditer(haystack):
            if not any(s <= match.start() < e for s, e in spans):
                spans.append((match.start(), match.end()))
    return tuple(sorted(spans))


def months(text: str) -> set[int]:
    """The months ``text`` names, as numbers."""
    names = month_numbers()
    return {names[w] for w in re.findall(r"\w+", fold(text)) if w in names}
