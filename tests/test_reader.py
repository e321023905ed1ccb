"""The reader: candidates with exact offsets, a learned choice, and no short answer it is not
sure of. Fixture sentences of their own; the LLM parts with a scripted LLM."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from articleqa.qa.answer_types import question_type
from articleqa.qa.answerer import Answerer, agree
from articleqa.qa.candidates import (
    FEATURES,
    CandidateKind,
    SentenceView,
    features,
    list_candidates,
)
from articleqa.qa.prompts import UNSURE_SHORT_ANSWER
from articleqa.qa.reader import (
    CONFIDENCE_FEATURES,
    Reader,
    ReaderWeights,
    ReaderWeightsError,
    load_weights,
)
from articleqa.qa.short_answer import ShortAnswerWriter
from tests.test_short_answers import ScriptedLLM

THEATRE = ("Ieri l'assessora Marta Rinaldi ha promesso 240 mila euro per il tetto del teatro "
           "comunale, chiuso dal 2019, mentre il sindaco Piero Galli ha parlato di sei mesi "
           "di lavori.")


def _views(*sentences: str, cross: bool = False) -> list[SentenceView]:
    return [SentenceView(s, rank, 0.85 - 0.02 * rank, 0.5, cross)
            for rank, s in enumerate(sentences)]


def test_candidates_are_exact_typed_slices_of_their_sentence():
    question = "Quanti soldi ha promesso Marta Rinaldi per il teatro?"
    found = list_candidates(question, question_type(question), [THEATRE])
    assert found
    for c in found:
        assert THEATRE[c.start:c.end].strip() == c.text
    by_kind = {k: [c.text for c in found if c.kind == k] for k in CandidateKind}
    assert any("240 mila euro" in t for t in by_kind[CandidateKind.NUMBER])
    assert any("2019" in t for t in by_kind[CandidateKind.DATE])
    assert "Piero Galli" in by_kind[CandidateKind.NAME]
    # The question's own name is not a candidate answer to it.
    assert "Marta Rinaldi" not in by_kind[CandidateKind.NAME]
    assert by_kind[CandidateKind.PHRASE], "clauses are candidates for what/how questions"


def test_every_candidate_has_one_value_per_feature():
    question = "Who promised money for the theatre roof?"
    views = _views(THEATRE, cross=True)
    for c in list_candidates(question, question_type(question), [THEATRE]):
        assert len(features(question, question_type(question), c, views)) == len(FEATURES)


def _weights_favouring(feature: str, threshold: float = 0.5) -> ReaderWeights:
    ranker = tuple(1.0 if name == feature else 0.0 for name in FEATURES)
    confidence = tuple(4.0 if name == "top_p" else 0.0 for name in CONFIDENCE_FEATURES)
    return ReaderWeights(ranker, confidence, threshold)


def test_the_ranker_follows_its_weights_and_the_confidence_its_threshold():
    question = "Quante persone ha assunto l'azienda?"
    qtype = question_type(question)
    views = _views("L'azienda ha assunto 35 persone nel 2024 e ne assumerà altre venti.")
    typed = Reader(_weights_favouring("type_match")).read(question, qtype, views)
    assert typed.candidate is not None and typed.candidate.kind == CandidateKind.NUMBER
    never = Reader(replace(_weights_favouring("type_match"), threshold=1.01))
    assert not never.read(question, qtype, views).confident
    assert Reader(_weights_favouring("type_match")).read(
        question, qtype, []).candidate is None


def test_a_pick_across_languages_is_held_to_its_own_threshold(tmp_path):
    question = "How many people did the company hire?"
    qtype = question_type(question)
    sentence = "L'azienda ha assunto 35 persone nel 2024 e ne assumerà altre venti."
    weights = replace(_weights_favouring("type_match"), threshold=0.0, threshold_cross=1.01)
    reader = Reader(weights)
    assert reader.read(question, qtype, _views(sentence)).confident
    assert not reader.read(question, qtype, _views(sentence, cross=True)).confident
    path = tmp_path / "w.json"
    path.write_text(weights.to_json(), encoding="utf-8")
    assert load_weights(path).threshold_cross == 1.01


def test_weights_for_other_features_are_refused(tmp_path):
    path = tmp_path / "w.json"
    data = json.loads(ReaderWeights.untrained().to_json())
    data["features"] = data["features"][:-1]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ReaderWeightsError, match="train-reader"):
        load_weights(path)
    with pytest.raises(ReaderWeightsError, match="train-reader"):
        load_weights(tmp_path / "missing.json")


def test_the_shipped_weights_load_and_were_trained_on_a_tune_split():
    weights = load_weights()
    assert "tune" in weights.trained_on
    assert 0.0 < weights.threshold < 1.0 and any(weights.ranker)


def test_choose_threshold_keeps_the_wrong_share_within_budget():
    from articleqa.eval.train_reader import choose_threshold

    pairs = [(0.9, 1), (0.8, 1), (0.7, 0), (0.6, 1), (0.5, 0), (0.4, 0)]
    threshold, summary = choose_threshold(pairs, 0.25)
    assert threshold == 0.6 and summary["shown"] == 4 and summary["wrong_share"] == 0.25
    strict, _ = choose_threshold([(0.9, 0), (0.8, 0)], 0.1)
    assert strict >= 0.8


def test_two_answers_agree_by_words_or_by_value():
    assert agree("Marta Rinaldi, the councillor", "Marta Rinaldi")
    assert agree("240,000 euros", "240.000 euro") or agree("240 thousand", "240 mila")
    assert not agree("Piero Galli", "Marta Rinaldi")


# ---------------------------------------------------------------- through the answerer

def _unsure(index, settings, writer=None) -> Answerer:
    """An answerer whose reader is never confident of its own (threshold above 1)."""
    reader = Reader(replace(load_weights(), threshold=1.01))
    unsure = settings.model_copy(update={"min_short_answer_confidence": None,
                                         "llm_task": "write"})
    return Answerer(index, unsure, reader=reader, writer=writer)


def test_the_settings_threshold_overrides_the_learned_one(article_index, index_settings):
    shown = Answerer(article_index, index_settings.model_copy(
        update={"min_short_answer_confidence": 0.0})).answer(
        "Chi ha presieduto la riunione del gruppo Ramstein?", mode="extractive")
    assert shown.short_answer is not None and shown.confidence is not None


def test_an_unsure_reader_shows_the_quote_and_marks_its_best_candidate(article_index,
                                                                     index_settings):
    answer = _unsure(article_index, index_settings).answer(
        "Chi ha presieduto la riunione del gruppo Ramstein?", mode="extractive")
    assert not answer.abstained and answer.short_answer is None
    assert answer.text.startswith(UNSURE_SHORT_ANSWER["it"]) and answer.citations
    assert answer.highlight and answer.highlight in answer.quote
    data = answer.to_dict()
    assert data["short_answer"] is None and 0.0 <= data["confidence"] < 1.01
    from articleqa.ui.render import answer_markdown, escape_markdown_html

    bubble = answer_markdown(answer)
    assert f"**{escape_markdown_html(answer.highlight)}**" in bubble
    assert escape_markdown_html(UNSURE_SHORT_ANSWER["it"]) in bubble


def test_the_llm_agreeing_with_the_readers_candidate_is_shown(article_index, index_settings):
    question = "Chi ha presieduto la riunione del gruppo Ramstein?"
    guess = _unsure(article_index, index_settings).answer(question, mode="extractive")
    agreeing = ShortAnswerWriter(ScriptedLLM(reply=f"{guess.highlight} [1]"), "scripted")
    shown = _unsure(article_index, index_settings, agreeing).answer(question,
                                                                    mode="generative")
    assert shown.short_answer_check == "accepted", shown.llm_output
    assert shown.short_answer is not None and guess.highlight in shown.short_answer
    other = ShortAnswerWriter(ScriptedLLM(reply="Washington [1]"), "scripted")
    hidden = _unsure(article_index, index_settings, other).answer(question, mode="generative")
    assert not agree("Washington", guess.highlight) and hidden.short_answer is None
