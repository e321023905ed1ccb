"""Candidate answers: every span of the chosen sentences that could be a short answer.

The reader does not guess one span by rule: it lists typed candidates with exact offsets (names,
numbers with their unit or noun, dates and times, the clauses of the sentence, the span the
typed or word-gap rule would cut) and describes each by a few general features;
``qa.reader`` weighs them with weights learned on the tune split. Nothing here is written for a
particular question or article.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from articleqa.index.text import STOPWORDS, content_words, fold, stem
from articleqa.lang import content_tokens, language_evidence
from articleqa.qa.answer_types import (
    AnswerType,
    Candidate,
    QuestionType,
    candidates,
    counted_noun,
    in_question,
    measured_candidates,
)
from articleqa.qa.spans import SentenceSpan, best_span

_TOKEN = re.compile(r"[\w'’-]+")
# Clause boundaries inside a sentence: a phrase candidate never crosses one.
_CLAUSE_BREAK = re.compile(r"[,;:()«»“”\"–—]|\s(?:e|ed|and|ma|but|che|which|who|mentre|while)\s")
MAX_PHRASE_WORDS = 12


class CandidateKind(StrEnum):
    NAME = "name"
    NUMBER = "number"
    DATE = "date"
    PHRASE = "phrase"  # a clause of the sentence, trimmed of function words at its edges
    RULE = "rule"  # the span the typed / word-gap rules cut (qa.spans)


@dataclass(frozen=True, slots=True)
class AnswerCandidate:
    """A span of one sentence that may answer the question; offsets are into the sentence."""

    sentence: int  # index into the sentences the reader was given
    start: int
    end: int
    text: str
    kind: CandidateKind


_TYPED = {CandidateKind.NAME: (AnswerType.PERSON,), CandidateKind.NUMBER: (AnswerType.NUMBER,),
          CandidateKind.DATE: (AnswerType.DATE,)}


def list_candidates(question: str, qtype: QuestionType, sentences: list[str]
                    ) -> list[AnswerCandidate]:
    """Every candidate of every sentence, without the ones the question itself states."""
    found: list[AnswerCandidate] = []
    for n, sentence in enumerate(sentences):
        seen: set[tuple[int, int]] = set()

        def add(start: int, end: int, kind: CandidateKind, n: int = n,
                sentence: str = sentence, seen: set[tuple[int, int]] = seen) -> None:
            text = sentence[start:end].strip()
            if not text or (start, end) in seen:
                return
            seen.add((start, end))
            found.append(AnswerCandidate(n, start, end, text, kind))

        for kind, answer_type in ((CandidateKind.NAME, AnswerType.PERSON),
                                  (CandidateKind.NUMBER, AnswerType.NUMBER),
                                  (CandidateKind.DATE, AnswerType.DATE)):
            for c in candidates(sentence, answer_type):
                if not in_question(c, question):
                    add(c.start, c.end, kind)
        rule = rule_span(question, qtype, sentence)
        if rule.text and rule.text != sentence.strip():
            add(rule.start, rule.end, CandidateKind.RULE)
        for start, end in _clauses(sentence):
            if not content_words(sentence[start:end]) <= content_words(question):
                add(start, end, CandidateKind.PHRASE)
    return found


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """The sentence's clauses (between punctuation and conjunctions), trimmed of function
    words at both edges, at most MAX_PHRASE_WORDS words."""
    bounds = [0] + [p for m in _CLAUSE_BREAK.finditer(sentence) for p in (m.start(), m.end())]
    bounds.append(len(sentence))
    out = []
    for start, end in zip(bounds[::2], bounds[1::2], strict=False):
        words = [w for w in _TOKEN.finditer(sentence, start, end)]
        while words and fold(words[0].group()) in STOPWORDS:
            words.pop(0)
        while words and fold(words[-1].group()) in STOPWORDS:
            words.pop()
        if words and len(words) <= MAX_PHRASE_WORDS:
            out.append((words[0].start(), words[-1].end()))
    return out


@dataclass(frozen=True, slots=True)
class SentenceView:
    """What the reader knows about one sentence it may answer from."""

    text: str
    rank: int  # 0 for the best-scored sentence
    similarity: float
    overlap: float
    cross_language: bool  # the question is in another language than the article
    # Words of the sentences that translate a question word (folded word -> the question
    # word's key; ``qa.bridge.gloss``): across languages they count as the question's words.
    gloss: Mapping[str, str] = field(default_factory=dict)


# What a question asks for, coarsely, as the reader's question-type model predicts it; a
# candidate's kind maps onto one of these.
ASKED_KINDS = ("name", "number", "date", "phrase")
_ASKED_KIND_OF = {CandidateKind.NAME: 0, CandidateKind.NUMBER: 1, CandidateKind.DATE: 2,
                  CandidateKind.PHRASE: 3, CandidateKind.RULE: 3}
# The question set's `asks` labels, coarsely (what the question-type model is trained on).
ASKS_TO_KIND = {"person": "name", "organisation": "name", "place": "name", "number": "number",
                "money": "number", "percent": "number", "date": "date", "thing": "phrase",
                "reason": "phrase", "manner": "phrase", "yesno": "phrase"}

FEATURES = (
    "bias", "asked_kind_p", "asked_kind_p_rank0", "name_multiword", "after_function_word",
    "type_match", "type_mismatch", "untyped_phrase", "untyped_rule", "typed_rule",
    "rank0", "rank1", "similarity", "similarity_gap", "overlap", "own_words",
    "near_anchor", "near_first", "after_first", "before_first_close", "log_words",
    "measured_unit", "counted_noun_near", "cross_language", "cross_typed_match",
    "sentence_start", "reason_phrase", "window_overlap", "in_parentheses",
    "name_before_first", "rule_choice", "inside_rule_choice",
)
CONTEXT_WORDS = 6  # words each side of a candidate that window_overlap looks at


def features(question: str, qtype: QuestionType, candidate: AnswerCandidate,
             views: list[SentenceView], asked: tuple[float, ...] | None = None) -> list[float]:
    """The feature vector of ``candidate`` (in FEATURES order); ``asked``: the probabilities
    of ASKED_KINDS for this question (uniform when there is no model)."""
    asked_p = (asked or (0.25,) * len(ASKED_KINDS))[_ASKED_KIND_OF[candidate.kind]]
    view = views[candidate.sentence]
    best = max(v.similarity for v in views)
    # What the word-gap / typed-span rules would cut from this sentence: the ranker learns how
    # far to trust them.
    rule = rule_span(question, qtype, view.text)
    sentence = view.text
    typed = qtype.kind in (AnswerType.PERSON, AnswerType.PLACE, AnswerType.NUMBER,
                           AnswerType.DATE)
    wanted = {AnswerType.PERSON: CandidateKind.NAME, AnswerType.PLACE: CandidateKind.NAME,
              AnswerType.NUMBER: CandidateKind.NUMBER, AnswerType.DATE: CandidateKind.DATE
              }.get(qtype.kind)
    is_typed_kind = candidate.kind in _TYPED
    type_match = float(typed and candidate.kind == wanted)
    tokens = list(_TOKEN.finditer(sentence))
    before = [t for t in tokens if t.end() <= candidate.start]
    after_function = float(bool(before) and fold(before[-1].group()) in STOPWORDS)
    multiword = float(candidate.kind == CandidateKind.NAME and " " in candidate.text)
    asked_words = content_words(question)
    gloss = view.gloss
    anchors = [i for i, t in enumerate(tokens)
               if stem(t.group()) in asked_words or fold(t.group()) in gloss]
    first = _first_asked(question, tokens, gloss)
    position = next((i for i, t in enumerate(tokens) if t.start() >= candidate.start),
                    len(tokens))
    last = next((i for i, t in enumerate(tokens) if t.end() >= candidate.end), position)
    near = min((min(abs(position - a), abs(last - a)) for a in anchors), default=len(tokens))
    near_first = min((min(abs(position - a), abs(last - a)) for a in first),
                     default=len(tokens))
    after_first = float(bool(first) and position > max(first))
    before_close = float(bool(first) and 0 < min(first) - last <= 3)
    window = [t.group() for t in tokens[max(0, position - CONTEXT_WORDS):last + CONTEXT_WORDS + 1]
              if not (candidate.start <= t.start() < candidate.end)]
    met = (content_words(" ".join(window)) & asked_words) | {
        gloss[fold(w)] for w in window if fold(w) in gloss}
    window_overlap = len(met) / len(asked_words) if asked_words else 0.0
    own = content_words(candidate.text)
    glossed = {fold(w) for w in _TOKEN.findall(candidate.text)} & gloss.keys()
    own_words = (len(own & asked_words) + len(glossed)) / len(own) if own else 0.0
    words = len(_TOKEN.findall(candidate.text))
    measured = float(candidate.kind == CandidateKind.NUMBER
                     and qtype.kind == AnswerType.NUMBER
                     and _has_measured_unit(question, candidate))
    noun = counted_noun(question)
    counted = 0.0
    if noun and candidate.kind == CandidateKind.NUMBER:
        window = fold(sentence[candidate.start:candidate.end + 40])
        counted = float(any(w[:5] == noun[:5] for w in re.findall(r"\w+", window)))
    reason = float(qtype.kind == AnswerType.REASON and candidate.kind in (
        CandidateKind.PHRASE, CandidateKind.RULE))
    return [
        1.0, asked_p, asked_p * float(view.rank == 0), multiword,
        after_function * float(candidate.kind == CandidateKind.NAME), type_match,
        float(typed and is_typed_kind and not type_match),
        float(not typed and candidate.kind == CandidateKind.PHRASE),
        float(not typed and candidate.kind == CandidateKind.RULE),
        float(typed and candidate.kind == CandidateKind.RULE),
        float(view.rank == 0), float(view.rank == 1), view.similarity,
        best - view.similarity, view.overlap, own_words,
        1.0 / (1.0 + near), 1.0 / (1.0 + near_first), after_first, before_close,
        math.log1p(words), measured, counted, float(view.cross_language),
        float(view.cross_language and type_match), float(candidate.start == 0), reason,
        window_overlap, float(_in_parentheses(sentence, candidate.start)),
        before_close * float(candidate.kind == CandidateKind.NAME),
        float((rule.start, rule.end) == (candidate.start, candidate.end)),
        float(rule.start <= candidate.start and candidate.end <= rule.end),
    ]


@lru_cache(maxsize=512)
def rule_span(question: str, qtype: QuestionType, sentence: str) -> SentenceSpan:
    """``qa.spans.best_span``, computed once per question and sentence: the candidate list,
    every candidate's features and the answerer's conflict check all ask for it."""
    return best_span(question, qtype, sentence)


def _in_parentheses(sentence: str, start: int) -> bool:
    """An aside: a bracket or dash opened before the candidate is still open there."""
    before = sentence[:start]
    return before.count("(") > before.count(")")


def _has_measured_unit(question: str, candidate: AnswerCandidate) -> bool:
    """The candidate carries the unit the question measures (time, length, money); False when
    the question measures nothing. ``measured_candidates`` keeps only the fitting ones when
    any fits, so it is asked with a twin that never fits."""
    one = Candidate(candidate.start, candidate.end, candidate.text)
    return measured_candidates(question, [one, Candidate(0, 0, "")]) == [one]


def _first_asked(question: str, tokens: list[re.Match[str]], gloss: Mapping[str, str]
                 ) -> list[int]:
    """Positions of the question's first content word that the sentence repeats or translates
    (usually the asked verb, whose subject or object is the answer)."""
    keys = dict(content_tokens(question, language_evidence(question))) if gloss else {}
    for word in re.findall(r"\w+", question):
        if fold(word) in STOPWORDS or len(word) < 2:
            continue
        key = keys.get(word)
        hits = [i for i, t in enumerate(tokens) if stem(t.group()) == stem(word)
                or (key is not None and gloss.get(fold(t.group())) == key)]
        if hits:
            return hits
    return []
