"""Words that mark something in an answer or a sentence, in every registered language:
negation and yes/no, a model declining, where a reason or a given name starts, and follow-up
questions (chat roles and instructions planted in an article: ``instructions.py``)."""

from __future__ import annotations

import re
from functools import cache

from articleqa.lang.base import fold, fold_aligned
from articleqa.lang.phrases import alternation, field_values, pattern


def negated(text: str) -> bool:
    """A negation word in ``text`` ("non", "never"; accents matter: "né" is, "ne" is not)."""
    return bool(pattern("negations", folded=False).search(text))


def starts_yes(text: str) -> bool:
    return bool(pattern("yes_words", before=r"^\W*").match(fold(text)))


def starts_no(text: str) -> bool:
    return bool(pattern("no_words", before=r"^\W*").match(fold(text)))


def declines(text: str) -> bool:
    """The whole of ``text`` is a model's "the article does not say"."""
    return bool(pattern("declines", before=r"^\W*", after=r"\W*$").match(fold(text)))


def cause_start(sentence: str) -> int | None:
    """Where the first reason of ``sentence`` starts ("perché…", "because…")."""
    match = pattern("causes").search(fold_aligned(sentence))
    return match.start() if match else None


@cache
def _given_name_end() -> re.Pattern[str]:
    joiners = alternation(field_values("clause_joiners"))
    return re.compile(rf"[,;:.()«»“”\"–—]|\s{joiners}\s")


def given_names(sentence: str) -> list[tuple[int, int]]:
    """``[start, end)`` of the words after each naming word ("chiamato *Acqua Sicura*,",
    "known as *the Lion*") up to the end of the clause; "ha detto" is "said", not "called"."""
    folded = fold_aligned(sentence)
    auxiliaries = set(field_values("naming_not_after"))
    out = []
    for match in pattern("naming_words", after=r"\s+").finditer(folded):
        before = re.findall(r"\w+", folded[:match.start()])
        if before and before[-1] in auxiliaries:
            continue
        stop = _given_name_end().search(folded, match.end())
        out.append((match.end(), stop.start() if stop else len(sentence)))
    return out


def opens_follow_up(question: str) -> bool:
    """"E chi…?", "And who…?": the question leans on the previous one."""
    return bool(pattern("follow_up_openers", before="^").match(fold(question.strip())))


@cache
def back_references() -> frozenset[str]:
    return frozenset(field_values("back_references"))


def alternation_for(field: str) -> str:
    """Regex source for the phrases of ``field`` of every language, to be matched ignoring
    case against text as written (page furniture: captions, "LEGGI TUTTO", page numbers)."""
    return alternation(field_values(field), folded=False)
