"""The language layer (articleqa.lang) on the defects of issue 20, each on fixture sentences
of its own: names matched whole (by spelling and exonyms, not by 5-letter prefixes), number
words read by text2num, elided question words, one stemmer; and qa/ + index/ holding no word
list of their own."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from articleqa.lang import (
    AnswerType,
    Measure,
    content_words,
    detect_language,
    name_in,
    question_type,
    same_name,
    stem,
    words,
)
from articleqa.qa.answer_types import candidates, holds_answer, measured_candidates
from articleqa.qa.facts import quantities, values
from articleqa.qa.spans import best_span
from articleqa.qa.types import ShortAnswerCheck
from articleqa.qa.verify import verify_short_answer

ROOT = Path(__file__).resolve().parents[1]


def _check(short: str, question: str, evidence: str, language: str = "en"):
    return verify_short_answer(short, question, evidence, question_type(question), language)


# ---------------------------------------------------------------- names

def test_another_languages_name_for_the_same_place_is_supported():
    evidence = "Nel pomeriggio il ministro è arrivato al Cremlino per un incontro riservato."
    assert _check("The Kremlin", "Where did the minister go?", evidence) is None
    assert _check("Kyiv", "Where was the summit?", "Il vertice si è tenuto a Kiev.") is None
    assert _check("St Petersburg", "Where was the forum?",
                  "Il forum si è svolto a San Pietroburgo a giugno.") is None


@pytest.mark.parametrize("short,question,evidence", [
    # A word of a two-word name is not the name: "Stati" of "Stati membri" is not the USA.
    ("The USA", "Who objected?", "Diversi Stati membri hanno chiesto più tempo per decidere."),
    # Five shared letters are not a shared name.
    ("In Rome", "Where was the book presented?",
     "Il romanzo è stato presentato ieri sera in una piccola libreria."),
    ("Franco", "Who signed the agreement?",
     "La Francia ha firmato l'accordo sulla pesca nel Mediterraneo."),
    ("John", "Who found the wallet?",
     "Un giovane ha trovato il portafoglio sulla panchina della stazione."),
])
def test_names_that_only_share_letters_are_refused(short, question, evidence):
    assert _check(short, question, evidence) == ShortAnswerCheck.UNSUPPORTED_NAME


@pytest.mark.parametrize("a,b,same", [
    ("Kremlin", "Cremlino", True), ("Munich", "Monaco di Baviera", True),
    ("Beijing", "Pechino", True), ("United Kingdom", "Regno Unito", True),
    ("Franco", "Francia", False), ("Marco", "Marconi", False), ("John", "giovane", False),
])
def test_same_name_by_exonym_not_by_shared_letters(a, b, same):
    assert same_name(a, b) is same


def test_a_name_run_is_found_in_a_texts_words_in_any_language():
    said = set(words("Gli Stati Uniti e il Regno Unito hanno firmato."))
    assert name_in("United States", said) and name_in("UK", said)
    assert not name_in("United States", set(words("Diversi Stati membri hanno firmato.")))


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize("text,value", [
    ("milleduecento persone", 1200), ("quindicimila abitanti", 15000),
    ("duemilaventicinque", 2025), ("one hundred and twenty", 120),
    ("One hundred and twenty soldiers", 120), ("Sei mesi", 6), ("per sei mesi", 6),
    ("a dozen eggs", 12), ("una ventina di barche", 20), ("1,200 people", 1200),
    ("1.200 persone", 1200), ("tre milioni di euro", 3e6), ("oltre 4 miliardi", 4e9),
])
def test_number_words_are_read_by_value(text, value):
    assert [q.value for q in quantities(text)] == [value]


@pytest.mark.parametrize("text", ["Tu sei stanco.", "Sei in ritardo?", "Chi sei?",
                                  "Il 15 per cento"])
def test_sei_as_a_verb_and_per_cento_count_nothing(text):
    assert values(text) <= {15.0}


def test_per_sei_mesi_is_a_number_with_its_unit():
    sentence = "Il ponte resterà chiuso per sei mesi, dal prossimo lunedì."
    found = candidates(sentence, AnswerType.NUMBER)
    assert [(c.text, c.measure) for c in found] == [("sei mesi", Measure.TIME)]
    assert measured_candidates("Per quanto tempo resterà chiuso il ponte?", found) == found
    question = "Quanto tempo resterà chiuso il ponte?"
    assert holds_answer(sentence, question, question_type(question))


def test_number_words_answer_a_how_many_question():
    sentence = "Nella notte sono state evacuate milleduecento persone dal quartiere."
    question = "Quante persone sono state evacuate?"
    assert holds_answer(sentence, question, question_type(question))


def test_a_translated_count_is_checked_by_value():
    evidence = "Al confine sono arrivati 120 soldati con due elicotteri."
    question = "How many soldiers arrived at the border?"
    assert _check("One hundred and twenty soldiers", question, evidence) is None
    assert _check("One hundred and thirty soldiers", question, evidence) == \
        ShortAnswerCheck.UNSUPPORTED_NUMBER


def test_a_copied_number_word_is_of_the_asked_type():
    evidence = "I lavori dureranno sei mesi e costeranno due milioni."
    question = "Quanto dureranno i lavori?"
    assert _check("Sei mesi", question, evidence, "it") is None


# ---------------------------------------------------------------- questions and words

@pytest.mark.parametrize("question,kind", [
    ("Dov'è nato Marco Brenta?", AnswerType.PLACE),
    ("Dov’è stata firmata la tregua?", AnswerType.PLACE),
    ("Quand'è iniziato il restauro?", AnswerType.DATE),
    ("Where was the treaty signed?", AnswerType.PLACE),
])
def test_elided_question_words_ask_their_type(question, kind):
    assert question_type(question).kind == kind and question_type(question).explicit


def test_one_stemmer_snowball_not_five_letters():
    # The 5-letter prefix made these one word; Snowball keeps them apart.
    assert stem("presieduto", "it") != stem("presidente", "it")
    assert stem("membri", "it") == stem("membro", "it")
    assert stem("meetings", "en") == stem("meeting", "en")
    # A name gets one key whichever language surrounds it.
    assert content_words("Chi ha incontrato Kallas?") & content_words("Who did Kallas meet?")


def test_exonyms_are_one_content_word_across_languages():
    assert content_words("Aiuti all'Ucraina") & content_words("Aid to Ukraine")


def test_an_exonym_anchors_the_span_in_the_other_language():
    question = "What did the Kremlin announce?"
    sentence = "Ieri il Cremlino ha annunciato una tregua di tre giorni."
    span = best_span(question, question_type(question), sentence)
    assert span.text == "annunciato una tregua di tre giorni"


def test_language_detection():
    assert detect_language("Dov'è nato il pittore?") == "it"
    assert detect_language("Where was the painter born?") == "en"


# ---------------------------------------------------------------- no word lists outside lang/

def _rule_lines():
    spec = importlib.util.spec_from_file_location("language_rules",
                                                  ROOT / "tools" / "language_rules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.rule_lines


@pytest.mark.parametrize("path", [
    "index/text.py", "index/cleaning.py", "index/html_extract.py", "qa/facts.py",
    "qa/answer_types.py", "qa/spans.py", "qa/verify.py", "qa/answerability.py",
    "qa/extractive.py", "qa/chat.py", "qa/planted.py",
])
def test_modules_that_read_language_hold_no_word_list(path):
    assert _rule_lines()(ROOT / path) == []
