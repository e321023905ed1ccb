"""The short answer cut from the quote: the few words of the evidence sentence that answer.

Used as the short answer in extractive mode, and whenever the LLM's rewrite is missing or
rejected. A typed question ("quanti", "when", "who", "where") takes the matching number, date
or name nearest to the words the sentence shares with the question; other questions take the
run of new words between those shared words. Offsets stay exact: the span is a slice of the
sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from articleqa.index.text import STOPWORDS, content_words, fold, stem, stems
from articleqa.qa.answer_types import (
    AnswerType,
    Candidate,
    QuestionType,
    candidates,
    in_question,
    measured_candidates,
)
from articleqa.qa.facts import name_in

MAX_SPAN_WORDS = 15
_TOKEN = re.compile(r"[\w'’-]+")
_CAUSE = re.compile(r"\b(perch[eé]|poich[eé]|dato che|visto che|in quanto|a causa d\w*|"
                    r"per via d\w*|grazie a\w*|because|since|due to|as a result of|owing to)\b",
                    re.I)
_EDGE_WORDS = STOPWORDS | {"ha", "hanno", "e", "ed", "che", "il", "lo", "la", "di", "da", "del",
                           "della", "dell", "l", "d", "pero", "invece", "also"}


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    """A span of one evidence sentence; ``start``/``end`` are offsets into that sentence."""

    start: int
    end: int
    text: str


def best_span(question: str, qtype: QuestionType, sentence: str) -> SentenceSpan:
    """The part of ``sentence`` that answers ``question`` (the whole, trimmed sentence when
    nothing better is found)."""
    asked = content_words(question)
    tokens = list(_TOKEN.finditer(sentence))
    anchors = [i for i, t in enumerate(tokens) if _stems_of(t.group()) & asked]
    typed = _typed_span(question, qtype, sentence, tokens, anchors,
                        _first_asked(question, tokens))
    if typed is not None:
        return typed
    if qtype.kind == AnswerType.REASON:
        cause = _cause_span(sentence)
        if cause is not None:
            return cause
    if _NAMING_QUESTION.search(question):
        named = _named_span(sentence, question)
        if named is not None:
            return named
    return _gap_span(sentence, tokens, anchors, asked)


# "Che nome diede…?", "Con quale nome sono noti…?", "What is … called?": the answer is the
# name after "chiamò", "detti", "noto come", "called", "known as", or a quoted phrase ("ha
# detto" is "said", not "called").
_NAMING_QUESTION = re.compile(r"\b(che nome|quale nome|qual e il nome|what name|the name|"
                              r"called|known as|chiamat\w*|chiama|chiamano|not[ie] come|"
                              r"soprannom\w*|nickname\w*)\b", re.I)
_NAMING_WORD = re.compile(r"\b(?:chiam(?:ò|o|ata|ato|ati|ate|ava|avano|ano|arono)|"
                          r"(?<!ha )(?<!hanno )(?<!aveva )(?<!avevano )dett[oaie]|"
                          r"not[oaie] come|conosciut[oaie] come|"
                          r"soprannominat[oaie]|"
                          r"(?:is |are |was |were )?called|known as|named)\s+", re.I)
_NAME_END = re.compile(r"[,;:.()«»“”\"–—]|\s(?:e|ed|and|che|which|per|for)\s")
_QUOTED = re.compile(r"[«“\"]([^»”\"]{2,80})[»”\"]")


def _named_span(sentence: str, question: str) -> SentenceSpan | None:
    """The name given after a naming word, or the first quoted phrase, when the question
    does not already hold it."""
    asked = content_words(question)
    for match in _NAMING_WORD.finditer(sentence):
        stop = _NAME_END.search(sentence, match.end())
        end = stop.start() if stop else len(sentence)
        span = _trimmed(sentence, match.end(), end)
        if span.text and not content_words(span.text) <= asked:
            return span
    for match in _QUOTED.finditer(sentence):
        if not content_words(match.group(1)) <= asked:
            return SentenceSpan(match.start(), match.end(), match.group())
    return None


def _stems_of(token: str) -> set[str]:
    """Stems of a token's words ("l’Ucraina" -> {"l", "ucrai"})."""
    return {stem(w) for w in re.findall(r"\w+", token)}


def _first_asked(question: str, tokens: list[re.Match[str]]) -> list[int]:
    """Positions of the question's first content word that the sentence repeats: usually the
    verb ("Chi ha *presieduto*…"), whose subject or object is the answer."""
    for word in re.findall(r"\w+", question):
        if fold(word) in STOPWORDS or len(word) < 2:
            continue
        hits = [i for i, t in enumerate(tokens) if stem(word) in _stems_of(t.group())]
        if hits:
            return hits
    return []


def _typed_span(question: str, qtype: QuestionType, sentence: str,
                tokens: list[re.Match[str]], anchors: list[int],
                first: list[int]) -> SentenceSpan | None:
    found = [c for c in candidates(sentence, qtype.kind) if not in_question(c, question)]
    if not found:
        return None
    if qtype.kind == AnswerType.NUMBER:
        found = measured_candidates(question, found)
    elif qtype.kind in (AnswerType.PERSON, AnswerType.PLACE):
        # The question's own names are cut from the front of a run of names; a name still
        # sharing a word with the question is who is asked about, not the answer.
        asked = stems(question)
        found = [c for c in found
                 if not stems(_trimmed_candidate(c, question).text) & asked] or found
    after = _object_of(question, sentence) if qtype.kind == AnswerType.PERSON else None
    if after is not None:  # "Who did Witkoff meet?": the one named after Witkoff
        later = [c for c in found if c.start > after]
        if later:
            return _without_question_names(
                SentenceSpan(later[0].start, later[0].end, later[0].text.strip()), question)

    def distance(candidate: Candidate) -> tuple[float, float]:
        """Distance (in words) to the question's first repeated word, then the mean distance
        to all shared words: the answer sits among them, near the verb."""
        position = next((i for i, t in enumerate(tokens) if t.start() >= candidate.start),
                        len(tokens))
        near_first = min((abs(position - a) for a in first), default=0)
        mean = sum(abs(position - a) for a in anchors) / len(anchors) if anchors else 0.0
        return near_first, mean

    best = min(found, key=lambda c: (distance(c), c.start))
    span = SentenceSpan(best.start, best.end, best.text.strip())
    if qtype.kind in (AnswerType.PERSON, AnswerType.PLACE):
        return _without_question_names(span, question)
    return span  # "15 per cento" keeps its "per" even when the question says "per"


def _trimmed_candidate(candidate: Candidate, question: str) -> Candidate:
    span = _without_question_names(SentenceSpan(candidate.start, candidate.end,
                                                candidate.text), question)
    return Candidate(span.start, span.end, span.text)


def _without_question_names(span: SentenceSpan, question: str) -> SentenceSpan:
    """"San Pietroburgo Kirill Dmitriev" for "…in St Petersburg?" -> "Kirill Dmitriev": the
    question's own names are cut from the front of a run of names."""
    asked = stems(question)
    words = list(re.finditer(r"[\w'’-]+", span.text))
    cut = 0
    for i, word in enumerate(words):
        if name_in(stem(word.group()), asked):
            cut = i + 1
    if 0 < cut < len(words):
        start = span.start + words[cut].start()
        return SentenceSpan(start, span.end, span.text[words[cut].start():])
    return span


_OBJECT_QUESTION = re.compile(r"^(?i:who|whom) (?i:did|does|do|will|would|has|have|had) "
                              r"([A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*)")


def _object_of(question: str, sentence: str) -> int | None:
    """For "Who did <Name> …?" (its answer is the object), where <Name> ends in the sentence."""
    match = _OBJECT_QUESTION.match(question.strip())
    if match is None:
        return None
    for name in reversed(match.group(1).split()):
        found = re.search(rf"\b{re.escape(name)}\b", sentence)
        if found:
            return found.end()
    return None


def _cause_span(sentence: str) -> SentenceSpan | None:
    match = _CAUSE.search(sentence)
    if match is None:
        return None
    end = _clause_end(sentence, match.start())
    return _trimmed(sentence, match.start(), end)


def _gap_span(sentence: str, tokens: list[re.Match[str]], anchors: list[int],
              asked: set[str]) -> SentenceSpan:
    """The longest run of new content words between (or around) the words the question
    shares with the sentence, at most MAX_SPAN_WORDS words."""
    if not tokens:
        return SentenceSpan(0, len(sentence), sentence.strip())
    bounds = [-1] + anchors + [len(tokens)]
    best: tuple[float, int, int] | None = None  # (score, first token, last token)
    for left, right in zip(bounds, bounds[1:], strict=False):
        first, last = left + 1, right - 1
        if first > last:
            continue
        if left == -1 and anchors:  # before every shared word: keep its end, near them
            first = max(first, last - MAX_SPAN_WORDS + 1)
        else:
            last = min(last, first + MAX_SPAN_WORDS - 1)
        new = sum(1 for t in tokens[first:last + 1]
                  if fold(t.group()) not in STOPWORDS and stem(t.group()) not in asked)
        # Answers follow what the question names more often than they precede it.
        score = new * (0.6 if left == -1 and anchors else 1.0)
        if new and (best is None or score > best[0]):
            best = (score, first, last)
    if best is None:
        return _trimmed(sentence, 0, len(sentence))
    _, first, last = best
    return _trimmed(sentence, tokens[first].start(), tokens[last].end())


def _clause_end(sentence: str, start: int) -> int:
    stop = re.search(r"[.;:!?]", sentence[start:])
    end = start + stop.start() if stop else len(sentence)
    words = list(_TOKEN.finditer(sentence, start, end))
    if len(words) > MAX_SPAN_WORDS:
        end = words[MAX_SPAN_WORDS - 1].end()
    return end


def _trimmed(sentence: str, start: int, end: int) -> SentenceSpan:
    """Drop function words and punctuation at both edges (keeping closing quotes whole)."""
    words = list(_TOKEN.finditer(sentence, start, end))
    while words and fold(words[0].group()) in _EDGE_WORDS:
        words.pop(0)
    while words and fold(words[-1].group()) in _EDGE_WORDS:
        words.pop()
    if not words:
        return SentenceSpan(start, end, sentence[start:end].strip(" ,;:"))
    if len(words) > MAX_SPAN_WORDS:
        words = words[:MAX_SPAN_WORDS]
    start, end = words[0].start(), words[-1].end()
    if start > 0 and sentence[start - 1] in "«“\"" and sentence[end:end + 1] in "»”\"":
        start, end = start - 1, end + 1
    return SentenceSpan(start, end, sentence[start:end])
