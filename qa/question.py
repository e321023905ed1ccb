"""Checking and normalising a user's question before anything else sees it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from articleqa.errors import UserError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Terminal colour and cursor codes ("\x1b[31m"), pasted from a terminal: dropped whole, so
# their printable tail ("[31m") cannot change the question's words or detected language.
_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


class QuestionError(UserError, ValueError):
    """A question that cannot be answered as given (e.g. empty); the message says why."""


@dataclass(slots=True)
class CleanQuestion:
    text: str
    notes: list[str] = field(default_factory=list)


def clean_question(raw: str, max_chars: int) -> CleanQuestion:
    """Strip control characters and extra space; clip very long questions (and say so)."""
    if not isinstance(raw, str):
        raise QuestionError("the question must be text")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", _ANSI.sub("", raw)))
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise QuestionError("the question is empty")
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("the question has no words in it")
    notes = []
    if len(text) > max_chars:
        notes.append(f"question clipped from {len(text)} to {max_chars} characters")
        kept = text[:max_chars]
        # A question pasted with a long tail (a log, a page): the tail would only blur what it
        # asks, so a clip keeps up to the last question mark when there is one.
        asked = kept.rfind("?")
        text = kept[:asked + 1] if asked > 0 else (kept.rsplit(" ", 1)[0] or kept)
    return CleanQuestion(text, notes)
