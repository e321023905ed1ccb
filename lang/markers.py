"""Words that mark something in an answer or a sentence, in every registered language:
negation and yes/no, a model declining, and follow-up questions (chat roles and instructions
planted in an article: ``instructions.py``)."""

from __future__ import annotations

from functools import cache

from articleqa.lang.base import fold
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
