"""Plain-text helpers shared by indexing and answering: sentences with offsets, language."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) before white
# space, or at a line break. Decimal points have no space after them; a period after a single
# capital letter is an initial ("U.S. Army", "J. Healey"), not an end.
_SENTENCE_END = re.compile(r"(?<=[.!?…])(?<!\b[A-Z]\.)[”\"’»)\]]*(?=\s)|\n")
# A "sentence" longer than this (a page without punctuation, a pasted table) is cut at white
# space: no chunk, quote or answer can grow without bound.
MAX_SENTENCE_CHARS = 600

_WORD = re.compile(r"\w+", re.UNICODE)
# A headline is a line, not a page: a title longer than this (a page whose <title> holds 950 KB)
# is cut at a word, so it cannot become dozens of chunks or fill every citation.
MAX_TITLE_CHARS = 200

# Function words, folded (no accents), by language: language detection counts them.
FUNCTION_WORDS_IT = frozenset(
    "il lo la i gli le un una uno di del della dei degli delle che chi e non per con su sono "
    "cosa come quando dove perche quale quali quanti quanto quante ha hanno ho nel nella nei al "
    "alla ai dal dalla da tra fra anche ma piu questo questa quello era stato stata si ci in "
    "sara saranno sia dell dello all nell sull cos qual".split())
FUNCTION_WORDS_EN = frozenset(
    "the a an of and is are was were who what when where why which how many much did does do "
    "to in on at for with by from that this these those has have had be been it its he she they "
    "his her their not about according".split())
# Words that carry no content in a question, in both languages: content_words drops them.
STOPWORDS = frozenset(
    "chi che cosa come quando dove perche quale quali quanto quanti quante quanta il lo la i gli "
    "le un una uno di del della dei degli delle da dal dalla in nel nella con su per tra fra e o "
    "a al alla ai agli ha hanno ho sono e stato stata essere si ci non ma anche secondo articolo "
    "what who whom whose which when where why how many much the a an of to in on at for with by "
    "from and or is are was were be been did does do has have had it its this that these those "
    "about according article say said tell me there their his her they he she".split())
STEM_CHARS = 5


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


def name_runs(text: str) -> list[list[str]]:
    """Runs of capitalised words after the first word, folded: the likely names of a sentence
    ("Who did Steve Witkoff meet?" -> [["steve", "witkoff"]]). A possessive 's is dropped."""
    runs: list[list[str]] = []
    run: list[str] = []
    for position, token in enumerate(re.findall(r"[\w'’-]+", text)):
        token = re.sub(r"['’]s$", "", token)
        if position and token[:1].isupper() and len(token) > 2 and not token.isupper():
            run.append(fold(token))
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def words(text: str) -> list[str]:
    """Lower-cased, accent-folded word tokens."""
    return _WORD.findall(fold(text))


def stem(word: str) -> str:
    """The crude stem every word comparison uses: the first 5 letters of the folded word
    ("presieduto"/"presidente" -> "presi"). Good enough for Italian and English inflection."""
    return fold(word)[:STEM_CHARS]


def stems(text: str) -> set[str]:
    """Stems of every word of ``text``."""
    return {w[:STEM_CHARS] for w in words(text)}


def content_words(text: str) -> set[str]:
    """Stems of ``text``'s words minus function and question words (what a question is about)."""
    return {w[:STEM_CHARS] for w in words(text) if w not in STOPWORDS and len(w) > 1}


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Perché' and 'perche' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def detect_language(text: str) -> str:
    """'it', 'en' or 'other', by counting function words (enough for questions and articles)."""
    tokens = words(text)
    if not tokens:
        return "other"
    it = sum(t in FUNCTION_WORDS_IT for t in tokens)
    en = sum(t in FUNCTION_WORDS_EN for t in tokens)
    if it == en == 0:
        # Accented vowels and Italian endings tell short questions apart ("Perché?").
        if re.search(r"[àèéìòù]", text.casefold()):
            return "it"
        return "other" if len(tokens) > 3 else "en"
    if it == en:  # a tie ("in" is both): Italian words end in vowels, English ones rarely
        vowel_endings = sum(t[-1] in "aeiouàèéìòù" for t in tokens) / len(tokens)
        return "it" if vowel_endings > 0.6 else "en"
    return "it" if it > en else "en"


def bm25_stopwords() -> list[str]:
    """Italian and English stop words, for every BM25 (local, and Milvus full-text search)."""
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_ITALIAN

    return sorted(set(STOPWORDS_ITALIAN) | set(STOPWORDS_EN))
