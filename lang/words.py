"""Words across languages: which language a text is in, its stop words, its stems.

One stemmer: Snowball, in the language of the text. A capitalised word is most likely a name,
and a name is spelled the same in every language, so it gets the same key whichever language
surrounds it: the shortest of its Snowball stems ("Volta" is "volt" in an Italian sentence and
in an English question alike; "Gruppo" and the question's "gruppo" both "grupp").
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from articleqa.lang.base import Language, fold
from articleqa.lang.registry import FALLBACK, known, languages

_WORD = re.compile(r"\w+", re.UNICODE)
CONCEPT_MARK = "="  # before an exonym concept's key, so no word can be it
# Two languages share words as names and as cognates ("contatto"/"contact"): stems that are
# this close (rapidfuzz ratio, 0-100) count as shared when question and sentence differ.
COGNATE_SIMILARITY = 80
# A text this short with no stop word of any language is not worth calling "other".
_SHORT = 3


def words(text: str) -> list[str]:
    """Lower-cased, accent-folded word tokens."""
    return _WORD.findall(fold(text))


@cache
def all_stopwords() -> frozenset[str]:
    """Every registered language's stop words (for BM25 and texts of unknown language)."""
    return frozenset().union(*(language.stopwords for language in languages()))


@cache
def question_words() -> frozenset[str]:
    return frozenset().union(*(language.question_words for language in languages()))


@cache
def _distinctive() -> dict[str, frozenset[str]]:
    """Per language, its stop words that no other language has ("il", "the"; not "a", "in")."""
    out = {}
    for language in languages():
        others = frozenset().union(*(o.stopwords for o in languages() if o is not language))
        out[language.code] = language.stopwords - others
    return out


@lru_cache(maxsize=20_000)
def language_evidence(text: str) -> str | None:
    """The language ``text`` shows signs of (its own stop words, then its letters), or None
    when it shows none or is a tie."""
    tokens = words(text)
    scores = {code: sum(t in own for t in tokens) for code, own in _distinctive().items()}
    best = max(scores.values(), default=0)
    leaders = [code for code, score in scores.items() if score == best]
    if best and len(leaders) == 1:
        return leaders[0]
    lowered = text.casefold()
    marked = [code for code in (leaders if best else scores)
              if any(ch in lowered for ch in known(code).letters)]  # type: ignore[union-attr]
    return marked[0] if len(marked) == 1 else (leaders[0] if best else None)


def detect_language(text: str) -> str:
    """A registered code ('it', 'en') or 'other', by counting stop words that belong to one
    language only (enough for questions and articles); a short text with no sign of any
    language is taken for FALLBACK."""
    tokens = words(text)
    if not tokens:
        return "other"
    found = language_evidence(text)
    if found:
        return found
    return "other" if len(tokens) > _SHORT else FALLBACK


def _text_language(text: str, language: str | None) -> Language | None:
    return known(language if language is not None else language_evidence(text))


def stopwords(language: str | None) -> frozenset[str]:
    """The stop words of ``language``; of every language when it is None or unknown."""
    found = known(language)
    return found.stopwords if found else all_stopwords()


@lru_cache(maxsize=100_000)
def _name_key(folded: str) -> str:
    return min((language.stem(folded) for language in languages()), key=lambda s: (len(s), s))


def stem(word: str, language: str | None = None) -> str:
    """The key word comparisons use: the Snowball stem of ``word`` in ``language``; for a
    capitalised word (a name) or an unknown language, the shortest stem in any language."""
    folded = fold(word)
    found = known(language)
    if found is None or word[:1].isupper():
        return _name_key(folded)
    return found.stem(folded)


@lru_cache(maxsize=20_000)
def _tokens(text: str, language: str | None, drop_stopwords: bool
            ) -> tuple[tuple[str, str], ...]:
    """``text``'s words (exonym names left out) with their keys, in reading order."""
    from articleqa.lang.names import exonym_spans

    found = _text_language(text, language)
    code = found.code if found else None
    stop = stopwords(code) | question_words()
    named = exonym_spans(text)
    out = []
    for match in _WORD.finditer(text):
        if any(s <= match.start() < e for s, e, _ in named):
            continue
        token = match.group()
        folded = fold(token)
        if drop_stopwords and (folded in stop or len(folded) < 2):
            continue
        out.append((token, stem(token, code)))
    return tuple(out)


@lru_cache(maxsize=20_000)
def _keys(text: str, language: str | None, drop_stopwords: bool) -> frozenset[str]:
    from articleqa.lang.names import exonym_spans

    # A name the exonym tables know is one key in every language ("Ucraina", "Ukraine").
    keys = {CONCEPT_MARK + concept for _, _, concepts in exonym_spans(text) for concept in concepts}
    keys.update(key for _, key in _tokens(text, language, drop_stopwords))
    return frozenset(keys)


def content_tokens(text: str, language: str | None = None) -> tuple[tuple[str, str], ...]:
    """``text``'s content words as (word, key) pairs in reading order, each key as
    :func:`content_words` has it (names the exonym tables know are left out: they meet by
    concept)."""
    return _tokens(text, language, drop_stopwords=True)


def stems(text: str, language: str | None = None) -> set[str]:
    """Stems of every word of ``text`` (its language detected when not given)."""
    return set(_keys(text, language, drop_stopwords=False))


def content_words(text: str, language: str | None = None) -> set[str]:
    """Stems of ``text``'s words minus stop words and every language's question words (what a
    question is about)."""
    return set(_keys(text, language, drop_stopwords=True))


def shared(asked: set[str], found: set[str], cognates: bool = False) -> set[str]:
    """The keys of ``asked`` that ``found`` holds; with ``cognates`` (question and sentence in
    different languages), also those whose stem is close to one of ``found``'s."""
    from rapidfuzz import fuzz, process

    common = asked & found
    if cognates and found:
        common |= {key for key in asked - common if not key.startswith(CONCEPT_MARK)
                   and process.extractOne(key, found, scorer=fuzz.ratio,
                                          score_cutoff=COGNATE_SIMILARITY)}
    return common
