"""Every registered language module keeps the Language contract (base.py): its data is
well-formed, the libraries know the language, and its phrases compile. A new language (README,
"Adding a language") passes these before anything else."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from text_to_num import find_numbers

from articleqa.lang import (
    AnswerType,
    Language,
    LanguageDataError,
    Measure,
    detect_language,
    fold,
    get_language,
    languages,
    question_type,
)
from articleqa.lang.phrases import phrase_regex

LANGUAGES = languages()
IDS = [language.code for language in LANGUAGES]
# Fields of phrases matched against folded text; the rest are matched as written.
AS_WRITTEN = {"negations", "caption_words", "read_more", "related_links", "page_words",
              "page_of", "untitled", "name_particles", "century_names", "exonyms",
              "possessive_endings", "demonym_endings"}
PHRASE_FIELDS = [name for name, value in vars(LANGUAGES[0]).items()
                 if isinstance(value, tuple) and name not in AS_WRITTEN]


@pytest.fixture(params=LANGUAGES, ids=IDS)
def language(request) -> Language:
    return request.param


def test_the_registry_holds_each_language_under_its_code(language):
    assert get_language(language.code) is language
    assert re.fullmatch(r"[a-z]{2}", language.code)
    with pytest.raises(LanguageDataError, match="lang/xx.py"):
        get_language("xx")


def test_libraries_know_the_language(language):
    assert language.stem("parole") and language.stem("words")  # Snowball has it
    assert len(language.stopwords) > 100  # NLTK ships its list
    assert sorted(language.months.values()) == list(range(1, 13))  # babel names them
    assert len(language.weekdays) == 7
    find_numbers([], language.code, 0.0)  # text2num reads its number words (else ValueError)


def test_word_data_is_folded(language):
    """Words are compared with folded text: a list that keeps an accent never matches."""
    for name in ("question_words", "extra_stopwords", "lone_ones", "non_names",
                 "back_references"):
        for word in getattr(language, name):
            assert word == fold(word), (name, word)
    for kind, nouns in language.type_nouns.items():
        assert all(n == fold(n) for n in nouns), kind
    for table in (language.approximations, language.scales):
        assert all(w == fold(w) for w in table)


def test_question_words_are_stop_words(language):
    assert language.question_words <= language.stopwords


@pytest.mark.parametrize("field", PHRASE_FIELDS)
def test_every_phrase_compiles(language, field):
    for phrase in getattr(language, field):
        re.compile(phrase_regex(phrase))


def test_mapping_phrases_compile(language):
    for name in ("asks", "measures", "units"):
        table: Mapping = getattr(language, name)
        for phrases in table.values():
            for phrase in phrases:
                re.compile(phrase_regex(phrase))


def test_each_answer_type_has_a_question_phrase(language):
    for kind in (AnswerType.DATE, AnswerType.NUMBER, AnswerType.REASON, AnswerType.PLACE,
                 AnswerType.PERSON):
        assert language.asks.get(kind), kind


def test_question_words_ask_their_type(language):
    """The language's first phrase for each type, made a question, is read as that type."""
    for kind, phrases in language.asks.items():
        plain = next((p for p in phrases if re.fullmatch(r"[\w' ]+", p.lstrip("^"))), None)
        if plain:
            assert question_type(plain.lstrip("^") + " X?").kind == kind, (kind, plain)


def test_numbers_tables(language):
    assert all(isinstance(v, int) and v > 1 for v in language.approximations.values())
    assert all(v >= 1e3 for v in language.scales.values())
    assert set(language.units) <= set(Measure)
    assert language.is_verb_not_number("", "", "") is False


def test_every_exonym_concept_is_shared_with_another_language(language):
    others = {c for o in LANGUAGES if o is not language for c in o.exonyms}
    assert set(language.exonyms) <= others, set(language.exonyms) - others
    assert all(names for names in language.exonyms.values())


def test_its_own_stop_words_detect_it(language):
    others = set().union(*(o.stopwords for o in LANGUAGES if o is not language))
    own = sorted(language.stopwords - others)[:6]
    assert detect_language(" ".join(own)) == language.code
