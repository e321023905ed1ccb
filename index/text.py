"""Plain-text helpers shared by indexing and answering: sentences with offsets (and, from the
language layer, words, stems and language)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from articleqa.lang import (
    all_stopwords,
    content_words,
    detect_language,
    fold,
    name_runs,
    stem,
    stems,
    words,
)

__all__ = ["MAX_SENTENCE_CHARS", "STOPWORDS", "Span", "bm25_stopwords", "content_words",
           "detect_language", "fold", "name_runs", "sentence_spans", "stem", "stems", "words"]

# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) before white
# space, or at a line break. Decimal points have no space after them; a period after a single
# capital letter is an initial ("U.S. Army", "J. Healey"), not an end.
_SENTENCE_END = re.compile(r"(?<=[.!?…])(?<!\b[A-Z]\.)[”\"’»)\]]*(?=\s)|\n")
# A "sentence" longer than this (a page without punctuation, a pasted table) is cut at white
# space: no chunk, quote or answer can grow without bound.
MAX_SENTENCE_CHARS = 600

# What is said about words (stop words, stems, which language) is the language layer's;
# these names stay importable from here for the code that reads text.
STOPWORDS = all_stopwords()
# A headline is a line, not a page: a title longer than this (a page whose <title> holds 950 KB)
# is cut at a word, so it cannot become dozens of chunks or fill every citation.
MAX_TITLE_CHARS = 200


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` of some text."""

    start: int
    end: int


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Split ``text[start:end]`` into sentence spans (offsets into ``text``), trimmed of space."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        _add_trimmed(text, cursor, match.end(), spans)
        cursor = match.end()
    _add_trimmed(text, cursor, end, spans)
    return spans


def _add_trimmed(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        _add_trimmed(text, start, cut, spans)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start and any(ch.isalnum() for ch in text[start:end]):
        spans.append(Span(start, end))


def clip_title(title: str) -> str:
    """``title`` on one line, at most MAX_TITLE_CHARS, cut at a word with "…" when longer."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title.rfind(" ", MAX_TITLE_CHARS // 2, MAX_TITLE_CHARS)
    return title[:cut if cut > 0 else MAX_TITLE_CHARS - 1].rstrip() + "…"


def bm25_stopwords() -> list[str]:
    """Every language's stop words, for every BM25 (local, and Milvus full-text search)."""
    return sorted(STOPWORDS)
