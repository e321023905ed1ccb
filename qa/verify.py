"""The verifier: an LLM's short answer reaches the user only if the cited sentences back it.

Checked, in order: the model declined (NONE); the answer is empty or long; it is in the wrong
language; a name, number, month or date in it is not in the cited sentences (names compared
accent-insensitively by stem, through a small table of place names and demonyms that differ
between English and Italian; numbers by value, so "21 billion" = "21 miliardi"); a yes/no
answer contradicts a negation in the evidence; written in the article's language, most of its
new words are not in the evidence; a typed question gets an answer of the wrong type
("HACKED" for "who"); the answer only restates the question. Each rejection is a typed
reason, shown in ``ask --json`` and counted by the eval.
"""

from __future__ import annotations

import re

from articleqa.index.text import STOPWORDS, content_words, detect_language, fold, stem, stems
from articleqa.qa.answer_types import AnswerType, QuestionType, candidates
from articleqa.qa.facts import (
    MONTHS,
    name_in,
    quantities,
    unsupported_months,
    unsupported_numbers,
)
from articleqa.qa.types import ShortAnswerCheck

MAX_WORDS = 20
DECLINE = re.compile(r"^\W*(none|nessuna risposta|non lo dice|the article does not say|"
                     r"l'articolo non lo dice|n/?a)\W*$", re.I)


_NEGATION = re.compile(r"\b(non|nessun\w*|mai|né|not|no|never|none|neither|nor)\b", re.I)
_POLAR_NO = re.compile(r"^\W*(no|non)\b", re.I)
_POLAR_YES = re.compile(r"^\W*(yes|si|sì)\b", re.I)
_CAPITALISED = re.compile(r"(?<![\w'’])([A-ZÀ-ÖØ-Þ][\w'’-]*)")
_NON_NAMES = STOPWORDS | {"yes", "no", "si", "about", "around", "over", "nearly", "circa",
                          "oltre", "quasi", "only", "solo", "both", "entrambi", "none",
                          "nessuno", "nessuna", "nobody", "niente", "nothing"}


def names_in(text: str) -> set[str]:
    """Stems of the capitalised words of a short answer (the first word too: a short answer
    often starts with the name), minus function words, month names and number words."""
    found = set()
    for match in _CAPITALISED.finditer(text):
        word = re.split(r"['’]", match.group(1))[-1]  # "L'Ucraina" -> "Ucraina"
        if not word[:1].isupper():
            continue  # "L'elemento": an elided article, not a name
        word = fold(word).strip("-")
        if len(word) < 2 or word in _NON_NAMES or word in MONTHS or quantities(word):
            continue  # "Quaranta", "Forty-five": numbers, checked as numbers below
        found.add(stem(word))
    return found


def verify_short_answer(short: str, question: str, evidence: str, qtype: QuestionType,
                        language: str, evidence_language: str = "it") -> ShortAnswerCheck | None:
    """None when ``short`` may be shown as the answer to ``question``; else why not.
    ``evidence_language``: when it is the answer's language, the answer's own words must come
    from the evidence too (a rewrite in the same language copies, it does not invent)."""
    plain = re.sub(r"\[\d+\]", " ", short).strip()
    if DECLINE.match(plain):
        return ShortAnswerCheck.DECLINED
    words = re.findall(r"\w+", plain)
    if not words:
        return ShortAnswerCheck.EMPTY
    if len(words) > MAX_WORDS:
        return ShortAnswerCheck.TOO_LONG
    if len(words) >= 4 and detect_language(plain) not in (language, "other"):
        return ShortAnswerCheck.WRONG_LANGUAGE
    evidence_stems = stems(evidence)
    if any(not name_in(n, evidence_stems) for n in names_in(plain)):
        return ShortAnswerCheck.UNSUPPORTED_NAME
    if unsupported_numbers(plain, evidence):
        return ShortAnswerCheck.UNSUPPORTED_NUMBER
    if unsupported_months(plain, evidence):
        return ShortAnswerCheck.UNSUPPORTED_DATE
    if _negation_flip(plain, evidence):
        return ShortAnswerCheck.NEGATION_FLIP
    if _polar(plain) and _yes_no_question(question):
        return None
    if evidence_language == language and _unsupported_words(plain, question, evidence):
        return ShortAnswerCheck.UNSUPPORTED_WORDS
    if qtype.explicit and not _has_type(plain, qtype.kind):
        return ShortAnswerCheck.WRONG_TYPE
    if _restates(plain, question):
        return ShortAnswerCheck.RESTATES_QUESTION
    return None


_WH = re.compile(r"\b(chi|che|cosa|come|quando|dove|perche|quale|quali|quanto|quanti|quante|"
                 r"quanta|who|whom|whose|what|when|where|why|which|how)\b")


def _yes_no_question(question: str) -> bool:
    """"Is the EU part of it?", "Gli Usa fanno parte…?": no interrogative word up front."""
    return not _WH.search(" ".join(fold(question).split()[:4]))


def _polar(answer: str) -> bool:
    return bool(_POLAR_NO.match(answer) or _POLAR_YES.match(answer))


def _negation_flip(answer: str, evidence: str) -> bool:
    """"Yes" against a negated sentence, or "No" / "not" against one with no negation."""
    negated = bool(_NEGATION.search(evidence))
    if _POLAR_YES.match(answer) and negated:
        return True
    return bool(_NEGATION.search(answer)) and not negated


def _has_type(answer: str, kind: AnswerType) -> bool:
    if kind in (AnswerType.PERSON, AnswerType.PLACE):
        return bool(names_in(answer))
    if kind == AnswerType.NUMBER:
        return bool(quantities(answer))
    if kind == AnswerType.DATE:
        return bool(candidates(answer, AnswerType.DATE))
    return True


def _unsupported_words(answer: str, question: str, evidence: str) -> bool:
    """Most of the answer's new content words are not in the evidence."""
    new = content_words(answer) - content_words(question)
    return bool(new) and len(new & content_words(evidence)) < len(new) / 2


def _restates(answer: str, question: str) -> bool:
    """Nothing in the answer that the question did not already say: a tautology."""
    new_words = content_words(answer) - content_words(question)
    new_numbers = {q.value for q in quantities(answer)} - {q.value for q in quantities(question)}
    return not new_words and not new_numbers
