"""What kind of answer a question asks for, and where such answers sit in a sentence.

"Quanti membri…?" / "How many…?" asks for a number, "Quando…?" / "When…?" for a date,
"Chi…?" / "Who…?" for a person, "Dove…?" / "Where…?" for a place, "Perché…?" / "Why…?" for a
reason. The type drives three things: the span cut from the quote as a short answer, the
answerability check (a "how many" question whose best sentence holds no number is not
answered by it), and the verifier (a "who" answer must name someone).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from articleqa.lang import (
    AnswerType,
    Measure,
    QuestionType,
    date_spans,
    detect_language,
    is_year,
    measured,
    modifier_before,
    quantities,
    question_type,
    stem,
    stems,
    unit_after,
)
from articleqa.lang import counted_noun as _counted_noun
from articleqa.lang.markers import alternation_for
from articleqa.qa.facts import values

__all__ = ["NOUN_WINDOW", "RELIABLE_TYPES", "TYPED", "AnswerType", "Candidate", "QuestionType",
           "answer_type", "candidates", "counted_noun", "holds_answer", "in_question",
           "measured_candidates", "number_with_noun", "question_type", "typed_answer_in"]

# Answers found reliably in a sentence: dates and numbers. Any capitalised word would pass for a
# person or place, and "una squadra svizzera" answers "Chi ha vinto?" with no name at all, so
# only these two may be looked for in a neighbouring sentence or their absence refuse a question.
RELIABLE_TYPES = frozenset({AnswerType.DATE, AnswerType.NUMBER})


def answer_type(question: str) -> AnswerType:
    return question_type(question).kind


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span of a sentence that could answer a typed question; a number's ``measure`` is what
    its unit measures ("58 minuti": TIME)."""

    start: int
    end: int
    text: str
    measure: Measure | None = None


def candidates(text: str, kind: AnswerType) -> list[Candidate]:
    """Spans of ``text`` that hold an answer of type ``kind`` (empty for OTHER and REASON)."""
    if kind == AnswerType.NUMBER:
        return _number_candidates(text)
    if kind == AnswerType.DATE:
        return _date_candidates(text)
    if kind in (AnswerType.PERSON, AnswerType.PLACE):
        return _name_candidates(text)
    return []


def _number_candidates(text: str) -> list[Candidate]:
    """Quantities with their modifier and unit; dates ("April 10, 2025", "5 marzo 1827") and
    bare years are not answers to "how many"."""
    found: list[Candidate] = []
    dates = [(s, e) for s, e in date_spans(text) if not is_year(text[s:e])]
    for quantity in quantities(text):
        start, end = quantity.start, quantity.end
        if any(s <= start < e for s, e in dates) or \
                any(c.start <= start < c.end for c in found):  # "cento" of "15 per cento"
            continue
        start = modifier_before(text, start)
        unit = unit_after(text, end)
        if unit is None and is_year(text[quantity.start:quantity.end]):
            continue
        end, measure = unit if unit else (end, None)
        found.append(Candidate(start, end, text[start:end], measure))
    return found


def _date_candidates(text: str) -> list[Candidate]:
    return [Candidate(s, e, text[s:e]) for s, e in date_spans(text)]


_PARTICLE = alternation_for("name_particles")
_NAME_RUN = re.compile(rf"(?<![\w'’])[A-ZÀ-ÖØ-Þ][\w'’-]+(?:\s+(?:{_PARTICLE}\s+)?"
                       r"[A-ZÀ-ÖØ-Þ][\w'’-]+)*")


def _name_candidates(text: str) -> list[Candidate]:
    """Runs of capitalised words (not the sentence's first word), with their offsets."""
    found = []
    for match in _NAME_RUN.finditer(text):
        if match.start() == 0 or len(match.group()) < 3 or match.group().isupper():
            continue
        found.append(Candidate(match.start(), match.end(), match.group()))
    return found


def measured_candidates(question: str, found: list[Candidate]) -> list[Candidate]:
    """The candidates whose unit is what the question measures (all of them when it measures
    nothing, or when none has that unit): "58 minuti", not "200 chilometri", for "Quanto
    tempo servirà…?"."""
    wanted = measured(question)
    if wanted is None:
        return found
    fitting = [c for c in found if _measure_of(c) == wanted]
    return fitting or found


def _measure_of(candidate: Candidate) -> Measure | None:
    if candidate.measure is not None:
        return candidate.measure
    for quantity in reversed(quantities(candidate.text)):
        unit = unit_after(candidate.text, quantity.end)
        if unit and unit[0] == len(candidate.text.rstrip()):
            return unit[1]
    return None


def in_question(candidate: Candidate, question: str) -> bool:
    """A name or number the question itself states is not its answer."""
    numbers = values(candidate.text)
    if numbers and numbers <= values(question):
        return True
    language = detect_language(question)  # one stemmer for both sides
    said = stems(candidate.text, language)
    return not numbers and bool(said) and said <= stems(question, language)


TYPED = (AnswerType.PERSON, AnswerType.PLACE, AnswerType.NUMBER, AnswerType.DATE)
NOUN_WINDOW = 4


def counted_noun(question: str) -> str | None:
    """What a "quanti abitanti" / "how many visitors" question counts ("abitanti")."""
    return _counted_noun(question)


def number_with_noun(text: str, noun: str, prefix: int | None = None) -> bool:
    """A number within NOUN_WINDOW words of ``noun``, the noun compared by its Snowball stem:
    "sette isole" holds a count of islands, not of inhabitants. (``prefix`` is accepted for
    old callers and not used: the stem replaced the first-letters comparison.)"""
    tokens = list(re.finditer(r"\w+", text))
    wanted = stem(noun)
    at = [i for i, w in enumerate(tokens) if stem(w.group()) == wanted]
    if not at:
        return False
    for c in _number_candidates(text):
        position = next((i for i, w in enumerate(tokens) if w.start() >= c.start), len(tokens))
        if any(abs(position - a) <= NOUN_WINDOW for a in at):
            return True
    return False


def holds_answer(text: str, question: str, qtype: QuestionType) -> bool:
    """Whether ``text`` holds an answer of the asked type that the question does not state
    itself (always True for types without candidates: reasons and everything else)."""
    if qtype.kind not in TYPED:
        return True
    return any(not in_question(c, question) for c in candidates(text, qtype.kind))


def typed_answer_in(question: str, qtype: QuestionType) -> Callable[[Any], bool]:
    """A predicate on scored sentences (anything with ``.text``): holds such an answer."""
    return lambda sentence: holds_answer(sentence.text, question, qtype)
