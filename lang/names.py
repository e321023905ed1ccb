"""Do two names match? As written (folded), or by the exonym tables of the language modules.

A name is compared whole and folded, never by stem or prefix: Snowball's Italian stem of
"Franco" and of "Francia" is the same "franc". What spelling cannot bridge (Kremlin/Cremlino,
Kyiv/Kiev, St Petersburg/San Pietroburgo) the exonym tables do: each language lists its names
for a shared concept ("kremlin": "Cremlino" / "Kremlin"), and a name matches when any
language's name for its concept is there. Spelling variants (Dmitriev/Dmitriyev) are not
matched: a rapidfuzz ratio of 88 did that, and switched off it changed one tune question in
259 English ones (README, "What each rule buys").
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache, lru_cache

from articleqa.lang.base import fold, fold_aligned
from articleqa.lang.phrases import field_values
from articleqa.lang.registry import languages

_WORD = re.compile(r"\w+")


@cache
def _forms() -> dict[str, frozenset[str]]:
    """Concept -> every language's names for it (folded)."""
    out: dict[str, set[str]] = {}
    for language in languages():
        for concept, names in language.exonyms.items():
            out.setdefault(concept, set()).update(fold(n) for n in names)
    return {concept: frozenset(names) for concept, names in out.items()}


@cache
def _concepts_of() -> dict[str, frozenset[str]]:
    """Folded name -> the concepts it is a name of."""
    out: dict[str, set[str]] = {}
    for concept, names in _forms().items():
        for name in names:
            out.setdefault(name, set()).add(concept)
    return {name: frozenset(concepts) for name, concepts in out.items()}


def concepts(name: str) -> frozenset[str]:
    """The exonym concepts ``name`` is a name of."""
    return _concepts_of().get(" ".join(_WORD.findall(fold(name))), frozenset())


def name_in(name: str, words: Collection[str]) -> bool:
    """Whether ``name`` (a word or a run of words: "Kremlin", "St Petersburg") is among
    ``words`` (folded words of a text, e.g. ``set(words(evidence))``): as written, or by
    another language's name for it."""
    folded = fold(name)
    if all(w in words for w in _WORD.findall(folded)):
        return True
    return any(all(w in words for w in _WORD.findall(form))
               for concept in concepts(folded) for form in _forms()[concept])


def same_name(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` name the same thing (in any registered language)."""
    folded_a, folded_b = fold(a), fold(b)
    return folded_a == folded_b or bool(concepts(folded_a) & concepts(folded_b))


@cache
def _exonym_pattern() -> re.Pattern[str]:
    names = sorted(_concepts_of(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)")


def exonym_spans(text: str) -> list[tuple[int, int, frozenset[str]]]:
    """``[start, end)`` and concepts of every exonym table name written in ``text``."""
    return list(_exonym_spans(text))


@lru_cache(maxsize=20_000)
def _exonym_spans(text: str) -> tuple[tuple[int, int, frozenset[str]], ...]:
    folded = fold_aligned(text)
    table = _concepts_of()
    return tuple((m.start(), m.end(), table[m.group()])
                 for m in _exonym_pattern().finditer(folded))


def strip_possessive(token: str) -> str:
    """"Healey's" -> "Healey" (the possessive endings of every language)."""
    for ending in field_values("possessive_endings"):
        if token.endswith(ending):
            return token[:-len(ending)]
    return token


def is_demonym(word: str) -> bool:
    """"Scottish", "Venetian": an adjective a language capitalises, not a name."""
    return fold(word).endswith(tuple(field_values("demonym_endings")))


def name_runs(text: str) -> list[list[str]]:
    """Runs of capitalised words after the first word, folded: the likely names of a sentence
    ("Who did Steve Witkoff meet?" -> [["steve", "witkoff"]]). A possessive is dropped."""
    runs: list[list[str]] = []
    run: list[str] = []
    for position, token in enumerate(re.findall(r"[\w'’-]+", text)):
        token = strip_possessive(token)
        if position and token[:1].isupper() and len(token) > 2 and not token.isupper():
            run.append(fold(token))
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs
