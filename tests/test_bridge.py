"""The bridge between languages: sentence words that translate a question's words count as the
question's words for the reader. Fixture sentences of their own."""

from __future__ import annotations

import re

import numpy as np

from articleqa.index.build import build_index
from articleqa.index.embeddings import word_vectors
from articleqa.qa.answer_types import question_type
from articleqa.qa.answerer import Answerer
from articleqa.qa.bridge import MIN_SIMILARITY, gloss
from articleqa.qa.candidates import FEATURES, SentenceView, features, list_candidates
from articleqa.qa.prompts import short_answer_request
from articleqa.qa.short_answer import ShortAnswerWriter
from tests.conftest import fresh_settings
from tests.test_short_answers import ScriptedLLM

SENTENCE = ("Ieri il sindaco Piero Galli ha inaugurato il nuovo ospedale, mentre l'assessora "
            "Marta Rinaldi era collegata da casa.")
QUESTION = "Who opened the new hospital?"


def _fake_vectors(pairs: dict[str, str]):
    """Word vectors in which each pair's two words coincide and every other word stands alone."""
    axes: dict[str, int] = {}

    def vectors(words: list[str]) -> np.ndarray:
        rows = []
        for word in words:
            key = pairs.get(word, word)
            axes.setdefault(key, len(axes))
            row = np.zeros(64)
            row[axes[key]] = 1.0
            rows.append(row)
        return np.stack(rows)

    return vectors


def test_a_question_word_is_glossed_by_its_nearest_sentence_word_only_when_near():
    vectors = _fake_vectors({"opened": "inaugurato", "hospital": "ospedale"})
    found = gloss(QUESTION, [SENTENCE], vectors)
    assert found == {"inaugurato": "open", "ospedale": "hospit"}
    # Nothing is near enough: no gloss at all (never the nearest of unrelated words).
    assert gloss(QUESTION, [SENTENCE], _fake_vectors({})) == {}
    assert MIN_SIMILARITY > 0.5


def test_a_sentence_word_the_question_holds_glosses_no_other_question_word():
    sentence = "Ieri il sindaco Piero Galli ha inaugurato il nuovo ospedale nel briefing odierno."
    question = "Who opened the new hospital at the briefing?"
    vectors = _fake_vectors({"opened": "briefing", "hospital": "ospedale"})
    assert gloss(question, [sentence], vectors) == {"ospedale": "hospit"}


def test_names_and_short_words_are_not_glossed():
    vectors = _fake_vectors({"opened": "galli"})
    assert gloss(QUESTION, [SENTENCE], vectors) == {}


def test_a_model_without_word_vectors_gives_no_gloss():
    class NoWords:
        pass

    assert word_vectors(NoWords(), ["casa"]) is None  # type: ignore[arg-type]
    assert gloss(QUESTION, [SENTENCE], lambda words: None) == {}


def test_glossed_words_move_the_candidate_features_across_languages():
    qtype = question_type(QUESTION)
    plain = [SentenceView(SENTENCE, 0, 0.8, 0.2, True)]
    bridged = [SentenceView(SENTENCE, 0, 0.8, 0.2, True,
                            gloss(QUESTION, [SENTENCE], _fake_vectors(
                                {"opened": "inaugurato", "hospital": "ospedale"})))]
    galli = next(c for c in list_candidates(QUESTION, qtype, [SENTENCE])
                 if c.text == "Piero Galli")
    rinaldi = next(c for c in list_candidates(QUESTION, qtype, [SENTENCE])
                   if c.text == "Marta Rinaldi")
    near = FEATURES.index("near_first")
    before = features(QUESTION, qtype, galli, plain)
    after = features(QUESTION, qtype, galli, bridged)
    assert after[near] > before[near]
    # The name next to the translated verb is nearer to it than the one at the other end.
    assert after[near] > features(QUESTION, qtype, rinaldi, bridged)[near]


def test_the_real_embedder_translates_common_words(e5):
    found = gloss("Who opened the new hospital?", [SENTENCE], lambda w: word_vectors(e5, w))
    assert found.get("ospedale") == "hospit"
    assert "casa" not in found


def test_the_prompt_glosses_the_question_words_in_the_sentences_language():
    request = short_answer_request("Who opened the new hospital?", [SENTENCE], "en",
                                   [("opened", "inaugurato"), ("hospital", "ospedale")])
    assert "Who opened the new hospital? (opened = inaugurato; hospital = ospedale)" in request
    assert "(" not in short_answer_request("Chi ha inaugurato l'ospedale?", [SENTENCE], "it")


HOSPITAL_ARTICLE = (
    "Il nuovo ospedale di Valverde\n\n"
    "Valverde, 3 marzo. Ieri il sindaco Piero Galli ha inaugurato il nuovo ospedale della "
    "città, costato quaranta milioni di euro. I lavori sono durati tre anni. Alla cerimonia "
    "l'assessora Marta Rinaldi era collegata da casa. Il reparto di pediatria aprirà a maggio.\n")


def test_the_llm_is_sent_the_glosses_of_an_english_question(tmp_path, e5):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ospedale.txt").write_text(HOSPITAL_ARTICLE, encoding="utf-8")
    settings = fresh_settings(tmp_path, corpus_dir=corpus).model_copy(
        update={"llm_task": "write"})
    llm = ScriptedLLM(reply="NONE")
    answerer = Answerer(build_index(settings, embed_model=e5), settings,
                        writer=ShortAnswerWriter(llm, "scripted"))
    answerer.answer("Who opened the new hospital?", mode="generative")
    assert llm.prompts, "the LLM was not asked"
    asked = llm.prompts[-1].rsplit("Question:", 1)[-1]
    assert re.search(r"hospital = ospedale", asked), asked
    glossed = re.findall(r"(\w+) = (\w+)", asked)
    quoted = llm.prompts[-1].rsplit("Question:", 1)[0]
    assert all(said in quoted for _, said in glossed)
    # An Italian question over the same sentences is sent as it is.
    answerer.answer("Chi ha inaugurato il nuovo ospedale?", mode="generative")
    assert " = " not in llm.prompts[-1].rsplit("Domanda:", 1)[-1]
