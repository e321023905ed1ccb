"""The data that flows from retrieval to the CLI, UI and eval: passages, citations, answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
    """``[n]`` in an answer: the exact quoted span of a retrieved passage."""

    n: int
    passage_id: str
    source: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Answer:
    """One answer, whatever produced it. ``guard`` records what the citation guard did."""

    question: str
    text: str
    citations: list[Citation]
    passages: list[Passage]
    abstained: bool
    language: str
    mode: str
    backend: str = "extractive"
    timings: dict[str, float] = field(default_factory=dict)
    guard: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    retrieval_query: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by ``ask --json``, the UI's API and eval reports."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "language": self.language,
            "mode": self.mode,
            "backend": self.backend,
            "citations": [
                {"n": c.n, "text": c.text, "source": c.source, "start": c.start, "end": c.end,
                 "passage_id": c.passage_id} for c in self.citations],
            "retrieved": [
                {"rank": p.rank, "text": p.text, "score": round(p.score, 4), "source": p.source,
                 "start": p.start, "end": p.end, "id": p.id} for p in self.passages],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "guard": list(self.guard),
            "notes": list(self.notes),
            "retrieval_query": self.retrieval_query,
        }
