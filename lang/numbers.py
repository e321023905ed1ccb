"""Numbers as values, whatever language or spelling states them.

Digits need no language: a separator followed by exactly three digits groups thousands in
Italian ("3.357") and English ("1,200") alike, any other separator is a decimal point ("2,4",
"2.4"). Number words are read by text2num in each language ("milleduecento" 1200, "one
hundred and twenty" 120); the language modules add only what text2num does not read:
approximations ("una cinquantina"), scale words after digits ("21 miliardi"), and guards
("sei" is also "you are"; a lone "un" or "one" is not a count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from text_to_num import find_numbers

from articleqa.lang.base import Language, Measure, fold_aligned
from articleqa.lang.phrases import pattern
from articleqa.lang.registry import known, languages
from articleqa.lang.words import language_evidence

_GROUPED = r"[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*(?:(?!\1)[.,]\d+)?"
_DIGITS = re.compile(rf"(?<![\w.,])(?:{_GROUPED}|\d+(?:[.,]\d+)?)(?![\w]|[.,]\d)")
_TOKEN = re.compile(r"\w+|[^\w\s]")
# Neutral unit symbols; the words for units are in the language modules.
_SYMBOLS = {"%": Measure.PERCENT, "km/h": Measure.OTHER, "km": Measure.LENGTH,
            "cm": Measure.LENGTH, "mm": Measure.LENGTH, "m": Measure.LENGTH, "kg": Measure.OTHER}


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number found in text: its value and where it was written."""

    value: float
    start: int
    end: int


def parse_digits(raw: str) -> float:
    """'3.357' and '3,357' -> 3357; '2,4' and '2.4' -> 2.4; '1.000,5' -> 1000.5."""
    grouped = re.fullmatch(_GROUPED, raw)
    if grouped:
        group = grouped.group(1)
        decimal = "," if group == "." else "."
        return float(raw.replace(group, "").replace(decimal, "."))
    return float(raw.replace(",", "."))


@cache
def _scales() -> dict[str, float]:
    return {word: value for language in languages() for word, value in language.scales.items()}


class _Token:
    """A word for text2num's ``find_numbers`` (its Token protocol), with our guards."""

    __slots__ = ("match", "blocked")

    def __init__(self, match: re.Match[str], blocked: bool) -> None:
        self.match = match
        self.blocked = blocked

    def text(self) -> str:
        return self.match.group()

    def nt_separated(self, previous: object) -> bool:
        return False

    def not_a_number_part(self) -> bool:
        return self.blocked


def _unit_spans(folded: str) -> list[tuple[int, int]]:
    """Unit phrases, some of which hold number words ("per cento"): their words count
    nothing."""
    return [(m.start(), m.end()) for m in pattern("units").finditer(folded)]


def _word_numbers(folded: str, language: Language, taken: list[tuple[int, int]]
                  ) -> list[Quantity]:
    matches = list(_TOKEN.finditer(folded))
    units = _unit_spans(folded)
    tokens = []
    for i, match in enumerate(matches):
        word = match.group()
        previous = matches[i - 1].group() if i else ""
        following = matches[i + 1].group() if i + 1 < len(matches) else ""
        blocked = any(s <= match.start() < e for s, e in taken + units) or \
            language.is_verb_not_number(previous, word, following)
        tokens.append(_Token(match, blocked))
    found = []
    scales = _scales()
    for occurrence in find_numbers(tokens, language.code, 0.0):
        if occurrence.is_ordinal:
            continue
        first, last = occurrence.start, occurrence.end - 1
        spanned = [t.text() for t in tokens[first:last + 1] if t.text().isalnum()]
        value = float(occurrence.value)
        following = tokens[last + 1].text() if last + 1 < len(tokens) else ""
        if following in scales:
            value *= scales[following]
            last += 1
        elif len(spanned) == 1 and spanned[0] in language.lone_ones:
            continue  # "un uomo", "one of them"; "una cinquantina" is read from "cinquantina"
        found.append(Quantity(value, tokens[first].match.start(), tokens[last].match.end()))
    for i, token in enumerate(tokens):
        value = language.approximations.get(token.text())
        if value is not None and not token.blocked:
            following = tokens[i + 1].text() if i + 1 < len(tokens) else ""
            end, scale = token.match.end(), 1.0
            if following in scales:
                end, scale = tokens[i + 1].match.end(), scales[following]
            found.append(Quantity(value * scale, token.match.start(), end))
    return found


def quantities(text: str, language: str | None = None) -> list[Quantity]:
    """Every number of ``text`` (digits or words); see :func:`_quantities`."""
    return list(_quantities(text, language))


@lru_cache(maxsize=20_000)  # the same sentences are read for question after question
def _quantities(text: str, language: str | None) -> tuple[Quantity, ...]:
    """Every number of ``text`` (digits or words), multiplied by a scale word after it
    ("21 miliardi" -> 21e9). Years are numbers too (1827). Number words are read in
    ``language``; when it is not given, in the language the text shows, else in every one."""
    folded = fold_aligned(text)
    found: list[Quantity] = []
    scales = _scales()
    for match in _DIGITS.finditer(folded):
        value = parse_digits(match.group())
        end = match.end()
        scale = re.match(r"\s*(\w+)", folded[end:])
        if scale and scale.group(1) in scales:
            value *= scales[scale.group(1)]
            end += scale.end()
        found.append(Quantity(value, match.start(), end))
    chosen = known(language if language is not None else language_evidence(text))
    for candidate in ([chosen] if chosen else languages()):
        taken = [(q.start, q.end) for q in found]
        found += _word_numbers(folded, candidate, taken)
    return tuple(sorted(found, key=lambda q: q.start))


def unit_after(text: str, end: int) -> tuple[int, Measure] | None:
    """The unit written right after a number ending at ``end`` ("21 miliardi *di euro*"):
    where it ends and what it measures."""
    folded = fold_aligned(text)
    link = pattern("unit_links", before=r"\s*", after=r"\s+").match(folded, end)
    for start in ((link.end(), end) if link else (end,)):
        at = re.compile(r"\s*").match(folded, start).end()  # type: ignore[union-attr]
        best: tuple[int, Measure] | None = None
        for measure in Measure:
            words = pattern("units", measure).match(folded, at)
            if words and (best is None or words.end() > best[0]):
                best = (words.end(), measure)
        for symbol, measure in _SYMBOLS.items():
            if folded.startswith(symbol, at) and not folded[at + len(symbol):][:1].isalnum():
                if best is None or at + len(symbol) > best[0]:
                    best = (at + len(symbol), measure)
        if best:
            return best
    return None


def modifier_before(text: str, start: int) -> int:
    """Where a modifier kept with a number ("circa", "more than") starts, or ``start``."""
    window = fold_aligned(text[max(0, start - 12):start])
    match = pattern("modifiers", after=r"\s+$").search(window)
    return start - (len(window) - match.start()) if match else start
