"""The verifier: an LLM's short answer reaches the user only if the cited sentences back it.

Checked, in order: the model declined (NONE); the answer is empty or long; it is in the wrong
language; a name, number, month or date in it is not in the cited sentences (names compared
whole and accent-insensitively, and by the language modules' exonym tables, so
"the Kremlin" = "il Cremlino"; numbers by value, so "21 billion" = "21 miliardi"); a yes/no
answer contradicts a negation in the evidence; written in the article's language, most of its
new words are not in the evidence; a typed question gets an answer of the wrong type
("HACKED" for "who"); the answer only restates the question. Each rejection is a typed
reason, shown in ``ask --json`` and counted by the eval.
"""

from __future__ import annotations

import re
from functools import cache

from articleqa.lang import (
    all_stopwords,
    content_words,
    declines,
    detect_language,
    fold,
    is_yes_no_question,
    month_numbers,
    name_in,
    negated,
    quantities,
    starts_no,
    starts_yes,
    strip_possessive,
    words,
)
from articleqa.lang.phrases import field_values
from articleqa.qa.answer_types import AnswerType, QuestionType, candidates
from articleqa.qa.facts import unsupported_months, unsupported_numbers
from articleqa.qa.types import ShortAnswerCheck

MAX_WORDS = 20
_CAPITALISED = re.compile(r"(?<![\w'’])([A-ZÀ-ÖØ-Þ][\w'’-]*)")


@cache
def _non_names() -> frozenset[str]:
    """Capitalised words of an answer that name nobody: stop words ("The"), months, and the
    languages' non-names ("Circa", "Both")."""
    return all_stopwords() | frozenset(month_numbers()) | frozenset(field_values("non_names"))


def names_in(text: str) -> list[str]:
    """The names of a short answer: runs of capitalised words (the first word too: a short
    answer often starts with the name), folded, minus function words, months and the words
    of its numbers ("Quaranta", "Forty-five" are checked as numbers)."""
    numbers = [(q.start, q.end) for q in quantities(text)]
    runs: list[list[str]] = []
    run: list[str] = []
    last_end = -1
    for match in _CAPITALISED.finditer(text):
        word = strip_possessive(re.split(r"['’]", match.group(1))[-1])  # "L'Ucraina"
        folded = fold(word).strip("-")
        name = word[:1].isupper() and len(folded) >= 2 and folded not in _non_names() and \
            not any(s <= match.start() < e for s, e in numbers)
        joined = bool(run) and re.fullmatch(r"\s+", text[last_end:match.start()]) is not None
        if run and not (name and joined):
            runs.append(run)
            run = []
        if name:
            run.append(folded)
        last_end = match.end()
    if run:
        runs.append(run)
    return [" ".join(r) for r in runs]


def unsupported_names(answer: str, evidence: str) -> list[str]:
    """Names of ``answer`` that ``evidence`` does not mention (in any language: "the
    Kremlin" is "il Cremlino"); a run of names is checked whole, then word by word."""
    said = set(words(evidence))
    return [run for run in names_in(answer) if not name_in(run, said)
            and not all(name_in(word, said) for word in run.split())]


def verify_short_answer(short: str, question: str, evidence: str, qtype: QuestionType,
                        language: str, evidence_language: str = "it") -> ShortAnswerCheck | None:
    """None when ``short`` may be shown as the answer to ``question``; else why not.
    ``evidence_language``: when it is the answer's language, the answer's own words must come
    from the evidence too (a rewrite in the same language copies, it does not invent)."""
    plain = re.sub(r"\[\d+\]", " ", short).strip()
    if declines(plain):
        return ShortAnswerCheck.DECLINED
    tokens = re.findall(r"\w+", plain)
    if not tokens:
        return ShortAnswerCheck.EMPTY
    if len(tokens) > MAX_WORDS:
        return ShortAnswerCheck.TOO_LONG
    if len(tokens) >= 4 and detect_language(plain) not in (language, "other"):
        return ShortAnswerCheck.WRONG_LANGUAGE
    if unsupported_names(plain, evidence):
        return ShortAnswerCheck.UNSUPPORTED_NAME
    if unsupported_numbers(plain, evidence):
        return ShortAnswerCheck.UNSUPPORTED_NUMBER
    if unsupported_months(plain, evidence):
        return ShortAnswerCheck.UNSUPPORTED_DATE
    if _negation_flip(plain, evidence):
        return ShortAnswerCheck.NEGATION_FLIP
    if _polar(plain) and is_yes_no_question(question):
        return None
    if evidence_language == language and _unsupported_words(plain, question, evidence,
                                                             language):
        return ShortAnswerCheck.UNSUPPORTED_WORDS
    if qtype.explicit and not _has_type(plain, qtype.kind):
        return ShortAnswerCheck.WRONG_TYPE
    if _restates(plain, question, language):
        return ShortAnswerCheck.RESTATES_QUESTION
    return None


def _polar(answer: str) -> bool:
    return starts_no(answer) or starts_yes(answer)


def _negation_flip(answer: str, evidence: str) -> bool:
    """"Yes" against a negated sentence, or "No" / "not" against one with no negation."""
    evidence_negated = negated(evidence)
    if starts_yes(answer) and evidence_negated:
        return True
    return negated(answer) and not evidence_negated


def _has_type(answer: str, kind: AnswerType) -> bool:
    if kind in (AnswerType.PERSON, AnswerType.PLACE):
        return bool(names_in(answer))
    if kind == AnswerType.NUMBER:
        return bool(quantities(answer))
    if kind == AnswerType.DATE:
        return bool(candidates(answer, AnswerType.DATE))
    return True


def _unsupported_words(answer: str, question: str, evidence: str, language: str) -> bool:
    """Most of the answer's new content words are not in the evidence (all three are in
    ``language``)."""
    new = content_words(answer, language) - content_words(question, language)
    return bool(new) and len(new & content_words(evidence, language)) < len(new) / 2


def _restates(answer: str, question: str, language: str) -> bool:
    """Nothing in the answer that the question did not already say: a tautology."""
    new_words = content_words(answer, language) - content_words(question, language)
    new_numbers = {q.value for q in quantities(answer)} - {q.value for q in quantities(question)}
    return not new_words and not new_numbers
