"""The data that flows from retrieval to the CLI, UI and eval: passages, citations, answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from articleqa.choices import AnswerMode, ShortAnswerSource


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk: where it sits in its article and how well it matched."""

    id: str
    text: str
    source: str
    title: str
    start: int
    end: int
    score: float
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Citation:
    """``[n]`` in an answer: the exact quoted span of an article (``title`` names it)."""

    n: int
    passage_id: str
    source: str
    start: int
    end: int
    text: str
    title: str = ""
    url: str = ""


class ShortAnswerCheck(StrEnum):
    """What became of the LLM's short answer (absent when no LLM was asked)."""

    ACCEPTED = "accepted"
    LLM_UNAVAILABLE = "llm_unavailable"
    DECLINED = "declined"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    WRONG_LANGUAGE = "wrong_language"
    UNSUPPORTED_NAME = "unsupported_name"
    UNSUPPORTED_NUMBER = "unsupported_number"
    UNSUPPORTED_DATE = "unsupported_date"
    NEGATION_FLIP = "negation_flip"
    UNSUPPORTED_WORDS = "unsupported_words"
    WRONG_TYPE = "wrong_type"
    RESTATES_QUESTION = "restates_question"
    DISAGREES_WITH_READER = "disagrees_with_reader"  # a confident reader chose otherwise
    PLANTED = "planted"  # it repeats an instruction planted in a retrieved passage


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer, whatever produced it; built in one place (``Answerer``).

    ``text`` is what a reader sees: the short answer, then the cited quote. ``final`` is False
    for the answer shown while the LLM is still writing the short answer."""

    question: str
    language: str
    mode: AnswerMode
    abstained: bool
    text: str
    short_answer: str | None
    short_answer_source: ShortAnswerSource | None
    quote: str
    citations: list[Citation]
    passages: list[Passage]
    abstain_reason: str | None = None
    abstain_detail: str = ""
    similarity: float | None = None  # the best sentence's match (what abstention weighs)
    short_answer_check: ShortAnswerCheck | None = None
    llm_output: str | None = None
    backend: str = "extractive"
    notes: list[str] = field(default_factory=list)
    retrieval_query: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    final: bool = True
    # The reader's confidence in the span short answer; below its threshold no short answer
    # is shown and ``highlight`` is the best candidate, marked in the quote.
    confidence: float | None = None
    highlight: str = ""

    @property
    def model_answer_refused(self) -> bool:
        """An LLM was asked for the short answer and what it wrote is not the one shown."""
        return self.short_answer_check not in (None, ShortAnswerCheck.ACCEPTED)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by ``ask --json``, the UI's API and eval reports."""
        return {
            "question": self.question,
            "answer": self.text,
            "short_answer": self.short_answer,
            "short_answer_source": self.short_answer_source,
            "quote": self.quote,
            "abstained": self.abstained,
            "abstain_reason": self.abstain_reason,
            "abstain_detail": self.abstain_detail,
            "similarity": None if self.similarity is None else round(self.similarity, 4),
            "language": self.language,
            "mode": self.mode,
            "backend": self.backend,
            "short_answer_check": self.short_answer_check,
            "llm_output": self.llm_output,
            "citations": [
                {"n": c.n, "text": c.text, "source": c.source, "title": c.title, "url": c.url,
                 "start": c.start, "end": c.end, "passage_id": c.passage_id}
                for c in self.citations],
            "retrieved": [
                {"rank": p.rank, "text": p.text, "score": round(p.score, 4), "source": p.source,
                 "start": p.start, "end": p.end, "id": p.id} for p in self.passages],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "notes": list(self.notes),
            "retrieval_query": self.retrieval_query,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "highlight": self.highlight,
        }
