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

from articleqa.lang import (
    content_words,
    detect_language,
    exonym_spans,
    fold,
    name_in,
    stem,
    stems,
    stopwords,
    words,
)
from articleqa.lang.words import CONCEPT_MARK
from articleqa.qa.answer_types import (
    AnswerType,
    Candidate,
    QuestionType,
    candidates,
    in_question,
    measured_candidates,
)

MAX_SPAN_WORDS = 15
_TOKEN = re.compile(r"[\w'’-]+")


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    """A span of one evidence sentence; ``start``/``end`` are offsets into that sentence."""

    start: int
    end: int
    text: str


def best_span(question: str, qtype: QuestionType, sentence: str,
              language: str | None = None) -> SentenceSpan:
    """The part of ``sentence`` that answers ``question`` (the whole, trimmed sentence when
    nothing better is found). ``language``: the sentence's (detected when not given)."""
    text = _Texts(question, detect_language(question), sentence,
                  language or detect_language(sentence))
    asked = content_words(question, text.asked_in)
    tokens = list(_TOKEN.finditer(sentence))
    anchors = [i for i, t in enumerate(tokens) if text.keys_of(t) & asked]
    typed = _typed_span(text, qtype, tokens, anchors, _first_asked(text, tokens))
    if typed is not None:
        return typed
    return _gap_span(text, tokens, anchors, asked)


@dataclass(frozen=True, slots=True)
class _Texts:
    """The question and the sentence, each with its language (each is stemmed in its own)."""

    question: str
    asked_in: str
    sentence: str
    said_in: str

    def keys_of(self, token: re.Match[str]) -> set[str]:
        """The content-word keys of a sentence token: its words' stems ("l’Ucraina" -> {"l",
        "ucrain"}), and the concept of an exonym it is part of ("Pentagono": the Pentagon)."""
        return {stem(w, self.said_in) for w in re.findall(r"\w+", token.group())} | \
            _concepts_at(self.sentence, token.start())

    def trimmed(self, start: int, end: int) -> SentenceSpan:
        return _trimmed(self.sentence, start, end, stopwords(self.said_in))


def _first_asked(text: _Texts, tokens: list[re.Match[str]]) -> list[int]:
    """Positions of the question's first content word that the sentence repeats: usually the
    verb ("Chi ha *presieduto*…"), whose subject or object is the answer."""
    stop = stopwords(text.asked_in)
    for word in re.finditer(r"\w+", text.question):
        if fold(word.group()) in stop or len(word.group()) < 2:
            continue
        keys = _concepts_at(text.question, word.start()) or {stem(word.group(), text.asked_in)}
        hits = [i for i, t in enumerate(tokens) if keys & text.keys_of(t)]
        if hits:
            return hits
    return []


def _concepts_at(text: str, offset: int) -> set[str]:
    """The content-word keys of the exonyms of ``text`` written across ``offset``."""
    return {CONCEPT_MARK + concept for start, end, found in exonym_spans(text)
            if start <= offset < end for concept in found}


def _typed_span(text: _Texts, qtype: QuestionType, tokens: list[re.Match[str]],
                anchors: list[int], first: list[int]) -> SentenceSpan | None:
    question, sentence = text.question, text.sentence
    found = [c for c in candidates(sentence, qtype.kind) if not in_question(c, question)]
    if not found:
        return None
    if qtype.kind == AnswerType.NUMBER:
        found = measured_candidates(question, found)
    elif qtype.kind in (AnswerType.PERSON, AnswerType.PLACE):
        # The question's own names are cut from the front of a run of names; a name still
        # sharing a word with the question is who is asked about, not the answer.
        asked = stems(question, text.asked_in)
        found = [c for c in found
                 if not stems(_trimmed_candidate(c, question).text) & asked] or found

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
    question's own names (in any language) are cut from the front of a run of names."""
    asked = set(words(question))
    asked_concepts = {c for _, _, found in exonym_spans(question) for c in found}
    named = [(s, e) for s, e, found in exonym_spans(span.text) if found & asked_concepts]
    tokens = list(re.finditer(r"[\w'’-]+", span.text))
    cut = 0
    for i, token in enumerate(tokens):
        if name_in(token.group(), asked) or \
                any(s <= token.start() < e for s, e in named):
            cut = i + 1
    if 0 < cut < len(tokens):
        start = span.start + tokens[cut].start()
        return SentenceSpan(start, span.end, span.text[tokens[cut].start():])
    return span


def _gap_span(text: _Texts, tokens: list[re.Match[str]], anchors: list[int],
              asked: set[str]) -> SentenceSpan:
    """The longest run of new content words between (or around) the words the question
    shares with the sentence, at most MAX_SPAN_WORDS words."""
    sentence = text.sentence
    if not tokens:
        return SentenceSpan(0, len(sentence), sentence.strip())
    stop = stopwords(text.said_in)
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
                  if fold(t.group()) not in stop and not text.keys_of(t) & asked)
        # Answers follow what the question names more often than they precede it.
        score = new * (0.6 if left == -1 and anchors else 1.0)
        if new and (best is None or score > best[0]):
            best = (score, first, last)
    if best is None:
        return text.trimmed(0, len(sentence))
    _, first, last = best
    return text.trimmed(tokens[first].start(), tokens[last].end())


def _trimmed(sentence: str, start: int, end: int, edge_words: frozenset[str]) -> SentenceSpan:
    """Drop function words and punctuation at both edges (keeping closing quotes whole)."""
    tokens = list(_TOKEN.finditer(sentence, start, end))
    while tokens and fold(tokens[0].group()) in edge_words:
        tokens.pop(0)
    while tokens and fold(tokens[-1].group()) in edge_words:
        tokens.pop()
    if not tokens:
        return SentenceSpan(start, end, sentence[start:end].strip(" ,;:"))
    if len(tokens) > MAX_SPAN_WORDS:
        tokens = tokens[:MAX_SPAN_WORDS]
    start, end = tokens[0].start(), tokens[-1].end()
    if start > 0 and sentence[start - 1] in "«“\"" and sentence[end:end + 1] in "»”\"":
        start, end = start - 1, end + 1
    return SentenceSpan(start, end, sentence[start:end])
