"""Follow-up questions: rewrite "E chi ha incontrato prima?" into a standalone retrieval query.

Extractive mode has no LLM to condense with, so a follow-up (a question that opens with a
conjunction, leans on a pronoun, or names nothing new) is joined to the previous standalone
question. Each Conversation keeps its own history: nothing is shared between users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from articleqa.lang import back_references, content_words, opens_follow_up


def is_follow_up(question: str) -> bool:
    """True when ``question`` probably depends on the previous turn."""
    if opens_follow_up(question):
        return True
    # Pronouns that point back at someone named earlier ("gli", "lo", "it" are not among
    # them: they are also articles or fillers in standalone questions).
    if any(w in back_references() for w in re.findall(r"\w+", question.casefold())):
        return True
    return len(content_words(question)) <= 1


def condense(question: str, previous_standalone: str | None) -> str:
    """The retrieval query for ``question`` given the previous standalone question."""
    if previous_standalone and is_follow_up(question):
        return f"{previous_standalone} {question}"
    return question


@dataclass(slots=True)
class Turn:
    question: str
    standalone: str
    answer_text: str


@dataclass(slots=True)
class ChatHistory:
    """One conversation's turns; create one per user/session."""

    turns: list[Turn] = field(default_factory=list)
    max_turns: int = 20

    def standalone(self, question: str) -> str:
        previous = self.turns[-1].standalone if self.turns else None
        return condense(question, previous)

    def add(self, question: str, standalone: str, answer_text: str) -> None:
        self.turns.append(Turn(question, standalone, answer_text))
        del self.turns[:-self.max_turns]

    def clear(self) -> None:
        self.turns.clear()
