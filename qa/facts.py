"""Numbers, dates and names as values, whatever language or spelling states them.

"21 miliardi" and "21 billion" are both 21e9; "una cinquantina" and "about fifty" are both 50;
"3.357 metri" (Italian thousands) is 3357; "5 marzo 1827" and "March 5, 1827" share day, month
and year. The verifier compares these values, never the words, so a translated short answer
is checked against the Italian sentence it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from articleqa.index.text import fold

_UNITS = {
    "zero": 0, "uno": 1, "una": 1, "un": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5,
    "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10, "undici": 11, "dodici": 12,
    "tredici": 13, "quattordici": 14, "quindici": 15, "sedici": 16, "diciassette": 17,
    "diciotto": 18, "diciannove": 19, "venti": 20, "trenta": 30, "quaranta": 40,
    "cinquanta": 50, "sessanta": 60, "settanta": 70, "ottanta": 80, "novanta": 90,
    "cento": 100, "mille": 1000, "duemila": 2000, "tremila": 3000, "diecimila": 10_000,
    "centomila": 100_000,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "dozen": 12,
    # approximate quantities: "una cinquantina" = about fifty
    "decina": 10, "dozzina": 12, "ventina": 20, "trentina": 30, "quarantina": 40,
    "cinquantina": 50, "sessantina": 60, "settantina": 70, "ottantina": 80, "novantina": 90,
    "centinaio": 100, "centinaia": 100, "migliaio": 1000, "migliaia": 1000,
}
_TENS_IT = {"venti": 20, "trenta": 30, "quaranta": 40, "cinquanta": 50, "sessanta": 60,
            "settanta": 70, "ottanta": 80, "novanta": 90}
_UNITS_IT = {"uno": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7,
             "otto": 8, "nove": 9}
# English compounds ("forty-five") are two words of _UNITS: a tens word, then a unit word.
_TENS_EN = frozenset("twenty thirty forty fifty sixty seventy eighty ninety".split())
_UNITS_EN = frozenset("one two three four five six seven eight nine".split())


def _italian_compound(word: str) -> int | None:
    """"cinquantadue" -> 52, "ventotto" -> 28, "trecento" -> 300, "duecentoquaranta" -> 240."""
    total = 0
    hundreds = re.match(r"(due|tre|quattro|cinque|sei|sette|otto|nove)?cento", word)
    if hundreds:
        total = 100 * _UNITS_IT.get(hundreds.group(1) or "uno", 1)
        word = word[hundreds.end():]
        if not word:
            return total
    for tens, value in _TENS_IT.items():
        for stem in (tens, tens[:-1]):  # "ventuno", "trentotto": the vowel is dropped
            rest = word[len(stem):] if word.startswith(stem) else None
            if rest is None:
                continue
            if rest == "" and stem == tens:
                return total + value
            if rest in _UNITS_IT and (stem == tens) != (rest in ("uno", "otto")):
                return total + value + _UNITS_IT[rest]
    if total and word in _UNITS_IT:
        return total + _UNITS_IT[word]
    return None


# Words that are numbers only after a number, or that are also common words.
_NOT_ALONE = {"un", "una", "uno", "one", "sei", "hundred", "thousand", "cento"}
_SCALES = {
    "mila": 1e3, "thousand": 1e3, "milione": 1e6, "milioni": 1e6, "million": 1e6,
    "millions": 1e6, "mln": 1e6, "miliardo": 1e9, "miliardi": 1e9, "billion": 1e9,
    "billions": 1e9, "mld": 1e9, "mrd": 1e9, "bn": 1e9, "m": 1e6,
}
MONTHS = {
    "gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6,
    "luglio": 7, "agosto": 8, "settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
_DIGITS = re.compile(r"(?<![\w.,])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\w])|(?<![\w.,])\d+(?:[.,]\d+)?")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number found in text: its value and where it was written."""

    value: float
    start: int
    end: int


def _parse_digits(raw: str) -> float:
    """'3.357' (Italian thousands) -> 3357; '2,4' and '2.4' -> 2.4; '1.000,5' -> 1000.5."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw):
        return float(raw.replace(".", "").replace(",", "."))
    return float(raw.replace(",", "."))


def quantities(text: str) -> list[Quantity]:
    """Every number of ``text`` (digits or words), multiplied by a scale word after it
    ("21 miliardi" -> 21e9). Years are numbers too (1827)."""
    folded = fold(text)
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for match in _DIGITS.finditer(folded):
        value = _parse_digits(match.group())
        end = match.end()
        scale = re.match(r"\s*(?:di\s+)?(\w+)", folded[end:])
        if scale and scale.group(1) in _SCALES and scale.group(1) != "m":
            value *= _SCALES[scale.group(1)]
            end += scale.end()
        found.append(Quantity(value, match.start(), end))
        taken.append((match.start(), match.end()))
    tokens = list(_TOKEN.finditer(folded))
    for i, token in enumerate(tokens):
        word = token.group()
        compound = None if word in _UNITS else _italian_compound(word)
        if (word not in _UNITS and compound is None) or \
                any(s <= token.start() < e for s, e in taken):
            continue
        previous = tokens[i - 1].group() if i else ""
        following = tokens[i + 1].group() if i + 1 < len(tokens) else ""
        if word in _NOT_ALONE and following not in _SCALES:
            continue  # "una cinquantina" is counted from "cinquantina", "un milione" here
        if previous in _UNITS and previous not in _NOT_ALONE:
            continue  # "trenta sei" is counted from its first word
        value = float(_UNITS[word] if compound is None else compound)
        end = token.end()
        if word in _TENS_EN and following in _UNITS_EN and \
                re.fullmatch(r"[\s-]", folded[end:tokens[i + 1].start()]):
            value += _UNITS[following]  # "forty-five", "twenty one"
            end = tokens[i + 1].end()
            following = tokens[i + 2].group() if i + 2 < len(tokens) else ""
        if following in _SCALES and following != "m":
            value *= _SCALES[following]
            end = tokens[i + 1].end()
        found.append(Quantity(value, token.start(), end))
    return sorted(found, key=lambda q: q.start)


# English and Italian names of the same place or people, as stems (both directions).
_ALIASES = [
    {"uk", "brita", "briti", "regno", "ingle", "engla", "engli", "londo", "londr"},
    {"us", "usa", "ameri", "stati", "unite", "washi"},
    {"eu", "ue", "europ", "union", "unione"},
    {"russi", "russo", "russa", "mosca", "mosco", "kreml", "cremli"},
    {"ukrai", "ucrai", "kiev", "kyiv"},
    {"franc", "paris", "parig"}, {"germa", "tedes", "berli"}, {"italy", "itali"},
    {"spain", "spagn", "spani"}, {"swede", "svezi", "svede", "swedi"},
    {"venic", "venez", "venet"}, {"rome", "roma", "roman"}, {"milan", "milano"},
    {"naple", "napol"}, {"flore", "firen"}, {"turin", "torin"}, {"sicil"}, {"genoa", "genov"},
    {"padua", "padov"}, {"bruss", "bruxe"}, {"penta"},
    {"peter", "pietr", "pietro"}, {"nato"}, {"bohem", "boemi"}, {"china", "chine", "cina"},
    {"paul", "paolo"}, {"john", "giova"}, {"charl", "carlo"}, {"james", "giaco"},
]
_ALIAS_OF = {member: group for group in _ALIASES for member in group}


def name_in(name_stem: str, stems: set[str]) -> bool:
    """Whether a name (as a stem) is among ``stems``, in either language ("ukrai"/"ucrai")."""
    return name_stem in stems or bool(_ALIAS_OF.get(name_stem, set()) & stems)


def months(text: str) -> set[int]:
    return {MONTHS[w] for w in _TOKEN.findall(fold(text)) if w in MONTHS}


def values(text: str) -> set[float]:
    """The set of number values of ``text``, scale words applied ("21 miliardi" -> 21e9;
    ``unsupported_numbers`` also accepts the bare "21")."""
    out: set[float] = set()
    for quantity in quantities(text):
        out.add(round(quantity.value, 6))
    return out


def unsupported_numbers(claim: str, evidence: str) -> list[float]:
    """Numbers of ``claim`` that ``evidence`` does not state (by value, any language)."""
    stated = values(evidence)
    bare = {round(v / s, 6) for v in stated for s in (1e3, 1e6, 1e9)} | stated
    missing = []
    for quantity in quantities(claim):
        value = round(quantity.value, 6)
        if value in stated:
            continue
        if value not in bare and not any(abs(value - v) <= 1e-6 * max(1, v) for v in stated):
            missing.append(value)
    return missing


def unsupported_months(claim: str, evidence: str) -> list[int]:
    return sorted(months(claim) - months(evidence))
