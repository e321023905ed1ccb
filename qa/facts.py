"""Numbers, dates and names as values, whatever language or spelling states them.

"21 miliardi" and "21 billion" are both 21e9; "una cinquantina" and "about fifty" are both 50;
"3.357 metri" (Italian thousands) is 3357; "5 marzo 1827" and "March 5, 1827" share day, month
and year. The verifier compares these values, never the words, so a translated short answer
is checked against the Italian sentence it comes from. Reading them is the language layer's
(``articleqa.lang``); this module compares what it reads.
"""

from __future__ import annotations

from articleqa.lang import Quantity, month_numbers, months, name_in, quantities

__all__ = ["MONTHS", "Quantity", "months", "name_in", "quantities", "unsupported_months",
           "unsupported_numbers", "values"]

MONTHS = month_numbers()  # folded month name (every language) -> 1..12


def values(text: str) -> set[float]:
    """The set of number values of ``text``, scale words applied ("21 miliardi" -> 21e9;
    ``unsupported_numbers`` also accepts the bare "21")."""
    return {round(quantity.value, 6) for quantity in quantities(text)}


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
