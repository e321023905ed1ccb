"""What a question asks for, read from every registered language's phrases.

"Quanti membri…?" / "How many…?" asks for a number, "Quando…?" / "When…?" for a date, "Dov'è
nato…?" / "Where…?" for a place. The interrogative nearest the start decides ("Who … when he
founded …?" asks who); "Chi è Steve Witkoff?" asks what he is; without an interrogative, a
type noun after a "which" word suggests the type ("Quale comune…?", "What is the cost…?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from articleqa.lang.base import AnswerType, Measure, fold
from articleqa.lang.phrases import alternation, field_values, pattern
from articleqa.lang.words import question_words

_CAPITALISED_RUN = re.compile(r"\s+[A-ZÀ-Þ][\w-]*(?:\s+[A-ZÀ-Þ][\w-]*)*\s*\??\s*$")


@dataclass(frozen=True, slots=True)
class QuestionType:
    """The answer type, and whether an interrogative word says so outright ("quanti", "when")
    rather than a noun suggesting it ("quale comune")."""

    kind: AnswerType
    explicit: bool


@cache
def _noun_question(kind: AnswerType) -> re.Pattern[str]:
    which = alternation(field_values("which_words"))
    nouns = alternation(field_values("type_nouns", kind))
    return re.compile(rf"{which}\s+(?:\w+\s+){{0,2}}?{nouns}")


def _describes(question: str, folded: str) -> bool:
    """"Chi è Steve Witkoff?": a describe phrase and then only a name."""
    match = pattern("describe").match(folded)
    return bool(match) and len(folded) == len(question) and \
        bool(_CAPITALISED_RUN.fullmatch(question[match.end():]))


def question_type(question: str) -> QuestionType:
    """The kind of answer ``question`` asks for (OTHER when it cannot tell)."""
    stripped = question.strip()
    folded = fold(stripped)
    found = [(match.start(), kind) for kind in AnswerType
             if (match := pattern("asks", kind).search(folded))]
    if found:
        _, kind = min(found, key=lambda f: f[0])
        if not (kind == AnswerType.PERSON and _describes(stripped, folded)):
            return QuestionType(kind, True)
    for kind in (AnswerType.PERSON, AnswerType.PLACE, AnswerType.NUMBER, AnswerType.DATE):
        if _noun_question(kind).search(folded):
            return QuestionType(kind, False)
    return QuestionType(AnswerType.OTHER, False)


def measured(question: str) -> Measure | None:
    """What a "how long / how deep / how much does it cost" question measures."""
    folded = fold(question)
    for measure in (Measure.TIME, Measure.LENGTH, Measure.MONEY):
        if pattern("measures", measure).search(folded):
            return measure
    return None


def counted_noun(question: str) -> str | None:
    """What a "quanti abitanti" / "how many visitors" question counts ("abitanti")."""
    match = pattern("counts", after=r"\s+(\w+)").search(fold(question))
    return match.group(1) if match else None


def is_yes_no_question(question: str) -> bool:
    """"Is the bridge open?", "Il museo riapre domani?": no question word up front."""
    opening = re.findall(r"\w+", " ".join(fold(question).split()[:4]))
    return not any(word in question_words() for word in opening)
