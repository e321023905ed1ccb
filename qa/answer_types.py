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
from enum import StrEnum
from typing import Any

from articleqa.index.text import fold, stems
from articleqa.qa.facts import MONTHS, quantities, values


class AnswerType(StrEnum):
    PERSON = "person"
    NUMBER = "number"
    DATE = "date"
    PLACE = "place"
    REASON = "reason"
    OTHER = "other"


_PATTERNS: list[tuple[AnswerType, re.Pattern[str]]] = [
    (AnswerType.DATE, re.compile(
        r"\b(quando|in che anno|in quale anno|in che secolo|in quale secolo|in che mese|"
        r"in quale mese|in che giorno|in quale giorno|da quando|fino a quando|che anno|"
        r"when|what year|which year|in what year|in which year|what century|which century|"
        r"what date|which date|what day|which month|since when|until when)\b")),
    (AnswerType.NUMBER, re.compile(
        r"\b(quant[ioea]|di quanto|a quanto|per quanto|che percentuale|quale percentuale|"
        r"che quota|quale quota|how many|how much|how long|how far|how high|how tall|"
        r"how old|how big|how large|how deep|how wide|by how much|what percentage|"
        r"what share|what proportion|what altitude|what height)\b")),
    (AnswerType.REASON, re.compile(r"\b(perche|per quale motivo|per quale ragione|come mai|"
                                   r"why|for what reason|what was the reason)\b")),
    (AnswerType.PLACE, re.compile(
        r"\b(dove|da dove|in quale (?:citta|paese|comune|regione|luogo|provincia|isola|"
        r"localita|nazione|stato)|in che (?:citta|paese|luogo)|where|in which (?:city|town|"
        r"country|region|place|province|island)|in what (?:city|town|country|region|place)|"
        r"which (?:city|town|country|region|village|island))\b")),
    (AnswerType.PERSON, re.compile(
        r"^(chi|who|whom|whose)\b|\b(a chi|da chi|con chi|di chi|per chi|to whom|by whom|"
        r"with whom)\b|\b(quale|which) (?:studioso|scienziato|sindaco|sindaca|presidente|"
        r"ministro|ministra|assessore|assessora|persona|scientist|scholar|mayor|president|"
        r"minister|person|artist|artista|maestro|architetto|architect|pope|papa|king|re)\b")),
]
# Answers found reliably in a sentence: dates and numbers. Any capitalised word would pass for a
# person or place, and "una squadra svizzera" answers "Chi ha vinto?" with no name at all, so
# only these two may be looked for in a neighbouring sentence or their absence refuse a question.
RELIABLE_TYPES = frozenset({AnswerType.DATE, AnswerType.NUMBER})
# "Chi è Steve Witkoff?" asks what he is, not for a name.
_DESCRIBE = re.compile(r"^(?i:chi [eè]|chi era|chi sono|who is|who was|who are|who were)\s+"
                       r"[A-ZÀ-Þ][\w-]*(?:\s+[A-ZÀ-Þ][\w-]*)*\s*\??\s*$")
# "Quale comune…?", "What is the cost…?": the noun tells the type.
_NOUNS = {
    AnswerType.PERSON: "studioso studiosa scienziato scienziata chimico fisico sindaco sindaca "
    "presidente ministro ministra assessore assessora persona artista maestro architetto "
    "scultore pittore papa re regina imperatore scientist scholar chemist physicist mayor "
    "president minister person artist architect sculptor painter pope king queen emperor",
    AnswerType.PLACE: "citta paese comune regione localita frazione isola fiume lago monte "
    "massiccio provincia nazione stato quartiere corso valle city town village country region "
    "place island river lake mountain province state district valley",
    AnswerType.NUMBER: "valore costo prezzo velocita lunghezza consumo importo multa contributo "
    "cifra altezza quota superficie distanza durata popolazione percentuale eta temperatura "
    "cost price value speed length fine grant amount height altitude distance size population "
    "percentage share consumption age temperature",
    AnswerType.DATE: "data anno secolo giorno mese ora ore date year century day month hour hours "
    "time",
}
_NOUN_QUESTION = {kind: re.compile(
    r"\b(?:quale|quali|qual e il|qual e la|qual era il|qual era la|che|which|what(?: is| was| "
    r"are| were)?(?: the)?)\s+(?:\w+\s+){0,2}?(?:" + "|".join(words.split()) + r")\b")
    for kind, words in _NOUNS.items()}


@dataclass(frozen=True, slots=True)
class QuestionType:
    """The answer type, and whether an interrogative word says so outright ("quanti", "when")
    rather than a noun suggesting it ("quale comune")."""

    kind: AnswerType
    explicit: bool


def question_type(question: str) -> QuestionType:
    """The kind of answer ``question`` asks for (OTHER when it cannot tell)."""
    folded = fold(question).strip()
    found = [(match.start(), kind) for kind, pattern in _PATTERNS
             if (match := pattern.search(folded))]
    if found:  # the interrogative nearest the start: "Who … when he founded …?" asks who
        _, kind = min(found, key=lambda f: f[0])
        if not (kind == AnswerType.PERSON and _DESCRIBE.match(question.strip())):
            return QuestionType(kind, True)
    for kind, pattern in _NOUN_QUESTION.items():
        if pattern.search(folded):
            return QuestionType(kind, False)
    return QuestionType(AnswerType.OTHER, False)


def answer_type(question: str) -> AnswerType:
    return question_type(question).kind


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span of a sentence that could answer a typed question."""

    start: int
    end: int
    text: str


_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")(?:\s+(?:del\s+)?(\d{4}))?\b")
_DATE_WORDS = re.compile(r"\b(oggi|ieri|domani|today|yesterday|tomorrow|lunedi|martedi|"
                         r"mercoledi|giovedi|venerdi|sabato|domenica|monday|tuesday|wednesday|"
                         r"thursday|friday|saturday|sunday|(?:[xvi]+|\w+esimo) secolo|"
                         r"dopoguerra|stamattina|stamane|stamani|stasera|stanotte|"
                         r"this morning|tonight|this evening|alle \d{1,2}(?:[.:]\d{2})?|"
                         r"at \d{1,2}(?::\d{2})?(?: ?[ap]m)?|\d{1,2}:\d{2})\b")
# "nel Novecento" is a century, "novecento persone" a count: centuries are capitalised.
_CENTURY = re.compile(r"\b(?:Quattro|Cinque|Sei|Sette|Otto|Nove)cento\b")
_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(?:del\s+|of\s+)?(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{1,2})(?:,?\s+(\d{4}))?\b")
# Units by what they measure: a quantity takes any of them, and "quanto tempo…?" / "how
# deep…?" / "quanto costa…?" want an answer in their own (see ``measured_candidates``).
_MONEY_UNITS = "euro|dollari|dollars|lire|sterline|pounds"
_LENGTH_UNITS = ("metri|metres|meters|m|chilometri|kilometres|kilometers|km|centimetri|cm|"
                 "millimetri|mm")
_TIME_UNITS = "anni|years|mesi|months|giorni|days|ore|hours|minuti|minutes|secondi|seconds"
_UNIT = re.compile(
    r"\s*(?:di\s+|of\s+)?(per cento|percento|percent|%|" + _MONEY_UNITS + "|" + _LENGTH_UNITS
    + r"|chilometri orari|km/h|litri|litres|liters|tonnellate|tonnes|tons|chili|kg|"
    r"ettari|hectares|gradi|degrees|" + _TIME_UNITS
    + r"|abitanti|inhabitants|persone|people|volte|times)\b", re.I)
_MODIFIER = re.compile(r"(?:\b(?:circa|oltre|quasi|appena|almeno|più di|meno di|about|over|"
                       r"nearly|almost|more than|less than|at least|some|una|un)\s+)$", re.I)


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
    found = []
    dates = [(c.start, c.end) for c in _date_candidates(text) if not _YEAR.fullmatch(c.text)]
    for quantity in quantities(text):
        start, end = quantity.start, quantity.end
        if any(s <= start < e for s, e in dates) or \
                any(c.start <= start < c.end for c in found):  # "cento" of "15 per cento"
            continue
        modifier = _MODIFIER.search(text[max(0, start - 12):start])
        if modifier:
            start -= len(modifier.group())
        unit = _UNIT.match(text, end)
        if unit:
            end = unit.end()
        elif _YEAR.fullmatch(text[quantity.start:quantity.end]):
            continue
        found.append(Candidate(start, end, text[start:end]))
    return found


def _date_candidates(text: str) -> list[Candidate]:
    folded = fold(text)  # same length as text for Latin letters: offsets stay valid
    spans: list[tuple[int, int]] = []
    for pattern, haystack in ((_DAY_MONTH, folded), (_MONTH_DAY_YEAR, folded),
                              (_MONTH_YEAR, folded), (_YEAR, folded), (_DATE_WORDS, folded),
                              (_CENTURY, text)):
        for match in pattern.finditer(haystack):
            if not any(s <= match.start() < e for s, e in spans):
                spans.append((match.start(), match.end()))
    return [Candidate(s, e, text[s:e]) for s, e in sorted(spans)]


def _name_candidates(text: str) -> list[Candidate]:
    """Runs of capitalised words (not the sentence's first word), with their offsets."""
    found = []
    for match in re.finditer(r"(?<![\w'’])[A-ZÀ-ÖØ-Þ][\w'’-]+(?:\s+(?:(?:di|de|del|della|da|"
                             r"van|von|of|la|le)\s+)?[A-ZÀ-ÖØ-Þ][\w'’-]+)*", text):
        if match.start() == 0 or len(match.group()) < 3 or match.group().isupper():
            continue
        found.append(Candidate(match.start(), match.end(), match.group()))
    return found


# What a "how long / how deep / how much does it cost" question measures: its answer carries
# a unit of that kind ("58 minuti", not "200 chilometri", for "Quanto tempo servirà…?").
_MEASURED = [
    (re.compile(r"\b(quanto tempo|quanti minuti|quante ore|quanto dur\w*|per quanto tempo|"
                r"how long|how much time|how many (?:minutes|hours))\b"),
     re.compile(rf"\b({_TIME_UNITS})$", re.I)),
    (re.compile(r"\b(quanto (?:profond|alt|lung|distant|largh)\w*|che quota|a che quota|"
                r"quale quota|a quale altezza|quanto dista|how (?:deep|high|tall|long is|far|"
                r"wide)|what (?:height|depth|altitude|length))\b"),
     re.compile(rf"\b({_LENGTH_UNITS})$", re.I)),
    (re.compile(r"\b(quanto cost\w*|quanto vale|quanto valgono|how much (?:does|did|will|"
                r"do) \w+ cost|how much (?:is|was|were) \w+ worth|what (?:did|does|will) \w+ "
                r"cost)\b"),
     re.compile(rf"\b({_MONEY_UNITS})$", re.I)),
]


def measured_candidates(question: str, found: list[Candidate]) -> list[Candidate]:
    """The candidates whose unit is what the question measures (all of them when it measures
    nothing, or when none has that unit)."""
    folded = fold(question)
    for asks, unit in _MEASURED:
        if asks.search(folded):
            fitting = [c for c in found if unit.search(c.text)]
            return fitting or found
    return found


def in_question(candidate: Candidate, question: str) -> bool:
    """A name or number the question itself states is not its answer."""
    numbers = values(candidate.text)
    if numbers and numbers <= values(question):
        return True
    said = stems(candidate.text)
    return not numbers and bool(said) and said <= stems(question)


TYPED = (AnswerType.PERSON, AnswerType.PLACE, AnswerType.NUMBER, AnswerType.DATE)
_COUNTED = re.compile(r"\b(?:quanti|quante|how many)\s+(\w+)")
NOUN_WINDOW = 4


def counted_noun(question: str) -> str | None:
    """What a "quanti abitanti" / "how many visitors" question counts ("abitanti")."""
    match = _COUNTED.search(fold(question))
    return match.group(1) if match else None


def number_with_noun(text: str, noun: str, prefix: int = 5) -> bool:
    """A number within NOUN_WINDOW words of ``noun`` (compared on its first ``prefix``
    letters): "sette isole" holds a count of islands, not of inhabitants."""
    words = list(re.finditer(r"\w+", fold(text)))
    at = [i for i, w in enumerate(words) if w.group()[:prefix] == noun[:prefix]]
    if not at:
        return False
    for c in _number_candidates(text):
        position = next((i for i, w in enumerate(words) if w.start() >= c.start), len(words))
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
