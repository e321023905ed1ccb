"""The LLM's vote among the reader's best candidates, and how the reader weighs it. Fixture
sentences of their own; the LLM is scripted."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from llama_index.core.base.llms.types import LogProb

from articleqa.eval.dataset import EvalQuestion
from articleqa.eval.train_reader import Example, train
from articleqa.qa.answer_types import question_type
from articleqa.qa.answerer import Answerer
from articleqa.qa.candidates import SentenceView, list_candidates
from articleqa.qa.chooser import CandidateChooser, letter_probabilities
from articleqa.qa.prompts import NONE_OF_THESE, choice_request
from articleqa.qa.reader import (
    CONFIDENCE_FEATURES,
    OPTIONS,
    VOTE_FEATURES,
    Reader,
    ReaderWeights,
    VoteWeights,
    load_weights,
)
from articleqa.qa.short_answer import ShortAnswerWriter
from tests.test_short_answers import ScriptedLLM

BRIDGE = ("La passerella sul torrente è stata disegnata dall'ingegnera Carla Neri con "
          "l'architetto Luca Bassi nel 1998.")
WORKS = "I lavori sono durati due anni e sono costati 800 mila euro al Comune di Borgo Alto."
WEATHER = "Ieri a Borgo Alto ha piovuto per tutto il pomeriggio."


def _views(*sentences: str, cross: bool = False) -> list[SentenceView]:
    return [SentenceView(s, rank, 0.85 - 0.02 * rank, 0.5, cross)
            for rank, s in enumerate(sentences)]


def _no_vectors(words: list[str]) -> None:
    return None


def test_the_letters_probabilities_come_from_the_first_tokens_alternatives():
    alternatives = [LogProb(token="B", logprob=-0.5), LogProb(token="x", logprob=-0.1),
                    LogProb(token=" A", logprob=-1.5), LogProb(token="E", logprob=-0.2)]
    p = letter_probabilities("B", [alternatives], 4)
    assert len(p) == 4 and sum(p) == pytest.approx(1.0)
    assert p[1] > p[0] > 0 and p[2] == p[3] == 0.0, "E is not an option of four; x no letter"


def test_without_logprobs_the_letter_written_takes_all_the_mass():
    assert letter_probabilities("C) Luca Bassi", None, 4) == (0.0, 0.0, 1.0, 0.0)
    assert letter_probabilities("(a)", None, 3) == (1.0, 0.0, 0.0)
    assert letter_probabilities("I cannot tell", None, 3) == pytest.approx((1 / 3,) * 3)


def test_the_choice_prompt_letters_the_options_then_none_of_these():
    text = choice_request("Who designed the footbridge?", [BRIDGE], ["Carla Neri", "Luca Bassi"],
                          "en", [("designed", "disegnata")])
    assert "[1] " + BRIDGE in text
    assert "(designed = disegnata)" in text
    assert text.endswith(f"A) Carla Neri\nB) Luca Bassi\nC) {NONE_OF_THESE['en']}")
    assert choice_request("Chi?", [BRIDGE], ["Carla Neri"], "it").endswith(
        f"B) {NONE_OF_THESE['it']}")
    with pytest.raises(ValueError):
        choice_request("Who?", [BRIDGE], [f"n{i}" for i in range(8)], "en")


def test_the_vote_shows_only_the_sentences_holding_the_options_in_reading_order():
    question = "Chi ha disegnato la passerella con Carla Neri?"
    views = _views(WORKS, WEATHER, BRIDGE)
    found = list_candidates(question, question_type(question), [v.text for v in views])
    options = [next(c for c in found if c.sentence == 0), next(c for c in found
                                                               if c.sentence == 2)]
    llm = ScriptedLLM(reply="B")
    choice = CandidateChooser(llm, "scripted").vote(question, "it", options, views,
                                                    _no_vectors)
    assert choice.probabilities == (0.0, 1.0, 0.0) and choice.raw == "B"
    prompt = llm.prompts[-1]
    assert WEATHER not in prompt and f"[1] {WORKS}" in prompt and f"[2] {BRIDGE}" in prompt
    assert f"A) {options[0].text}\nB) {options[1].text}\nC) {NONE_OF_THESE['it']}" in prompt


def _voting_weights(mix: float, threshold: float = 0.0) -> ReaderWeights:
    """A reader that prefers the sentence's first name, and weighs a vote by ``mix``; its
    voted confidence is the LLM's probability for the pick (cut at ``threshold``)."""
    from articleqa.qa.candidates import FEATURES

    ranker = tuple(1.0 if name == "type_match" else -0.01 if name == "log_words" else 0.0
                   for name in FEATURES)
    vote = tuple(8.0 if name == "llm_p" else -4.0 if name == "bias" else 0.0
                 for name in CONFIDENCE_FEATURES + VOTE_FEATURES)
    return ReaderWeights(ranker, (0.0,) * len(CONFIDENCE_FEATURES), 0.5,
                         vote=VoteWeights(mix, vote, threshold, threshold))


def test_a_weighed_vote_can_move_the_pick_and_sets_the_confidence():
    question = "Who designed the footbridge?"
    qtype = question_type(question)
    views = _views(BRIDGE)
    reader = Reader(_voting_weights(mix=4.0, threshold=0.5))
    reading = reader.read(question, qtype, views)
    assert reading.candidate is not None and 1 < len(reading.options) <= OPTIONS
    assert reading.candidate in reading.options
    others = [k for k, c in enumerate(reading.options) if c != reading.candidate]
    wanted = others[0]
    sure = [0.0] * (len(reading.options) + 1)
    sure[wanted] = 1.0
    moved = reader.reconsider(reading, sure)
    assert moved.voted and moved.candidate == reading.options[wanted] and moved.confident
    torn = [1.0 / (len(reading.options) + 1)] * (len(reading.options) + 1)
    assert not reader.reconsider(reading, torn).confident, "an undecided LLM lowers confidence"
    # Weights trained without an LLM ignore its vote; so does a vote of the wrong size.
    plain = Reader(replace(_voting_weights(4.0), vote=None))
    assert plain.reconsider(plain.read(question, qtype, views), sure).voted is False
    assert reader.reconsider(reading, [1.0]) is reading


def test_the_vote_weights_survive_the_file(tmp_path):
    path = tmp_path / "w.json"
    weights = _voting_weights(2.5, 0.7)
    path.write_text(weights.to_json(), encoding="utf-8")
    assert load_weights(path).vote == weights.vote
    plain = tmp_path / "plain.json"
    plain.write_text(replace(weights, vote=None).to_json(), encoding="utf-8")
    assert load_weights(plain).vote is None


def _example(n: int, article: str, sentence: str, question: str, answer: str) -> Example:
    rng = np.random.default_rng(n)
    qtype = question_type(question)
    views = _views(sentence)
    item = EvalQuestion(f"q{n}", "it", question, True, [answer], article=article,
                        split="tune", asks="person" if n % 3 else "date")  # two classes
    example = Example(item, rng.normal(size=8), True, views, qtype=qtype)
    example.candidates = list_candidates(question, qtype, [sentence])
    example.labels = [int(c.text == answer) for c in example.candidates]
    return example


def test_training_learns_to_follow_a_vote_that_is_right():
    """On fixture questions whose right name is not the one a ranker can learn to prefer, an
    LLM that votes for the right option three times in four earns a weight: more joint
    picks are right."""
    people = [("Carla Neri", "Luca Bassi"), ("Anna Riva", "Paolo Fermi"),
              ("Giulia Sala", "Marco Testa"), ("Elena Vitali", "Bruno Conte"),
              ("Sara Longo", "Davide Ferri")]
    examples = []
    for n in range(40):
        first, second = people[n % 5]
        sentence = (f"Il ponte è stato disegnato da {first} con {second}."
                    if n % 2 else f"Il ponte è stato disegnato da {second} con {first}.")
        examples.append(_example(n, f"a{n % 5}", sentence, "Chi ha disegnato il ponte?",
                                 first))
    from articleqa.eval.train_reader import out_of_fold
    from articleqa.qa.reader import option_indices

    oof = out_of_fold(examples)
    votes = {}
    for i, e in enumerate(examples):
        if i in oof.logits:
            indices = option_indices(list(oof.logits[i]), e.candidates)
            p = [0.02] * (len(indices) + 1)
            for k, j in enumerate(indices):
                if bool(e.labels[j]) != (i % 4 == 0):  # right three times in four
                    p[k] = 1.0
            votes[i] = tuple(x / sum(p) for x in p)
    weights, summary = train(examples, 0.25, votes=votes)
    assert weights.vote is not None and weights.vote.mix > 0
    assert summary["vote"]["choice_right"] > summary["choice_right"]


# ---------------------------------------------------------------- through the answerer

def _voting_answerer(index, settings, reply: str, fail: bool = False) -> tuple[Answerer,
                                                                               ScriptedLLM]:
    weights = load_weights()
    assert weights.vote is not None, "the shipped weights weigh the LLM's vote"
    always = replace(weights, vote=replace(weights.vote, threshold=0.0, threshold_cross=0.0))
    llm = ScriptedLLM(reply=reply, fail=fail)
    choosing = settings.model_copy(update={"llm_task": "choose",
                                           "min_short_answer_confidence": None})
    return Answerer(index, choosing, writer=ShortAnswerWriter(llm, "scripted"),
                    reader=Reader(always)), llm


def test_the_voted_short_answer_is_an_option_cut_from_the_quote(article_index, index_settings):
    question = "Chi ha presieduto la riunione del gruppo Ramstein?"
    answerer, llm = _voting_answerer(article_index, index_settings, "A")
    events = list(answerer.stream(question, mode="generative"))
    first, final = events[0], events[-1]
    assert not first.final and final.final and llm.calls == 1
    assert "A) " in llm.prompts[-1] and NONE_OF_THESE["it"] in llm.prompts[-1]
    assert final.short_answer_source == "vote" and final.llm_output == "A"
    assert final.short_answer is not None and final.citations
    span = final.short_answer.rsplit(" [", 1)[0]
    assert any(span in c.text for c in final.citations)
    for c in final.citations:
        assert article_index.sources[c.source].text[c.start:c.end] == c.text
    from articleqa.ui.render import answer_markdown

    assert "chosen with scripted" in answer_markdown(final)


def test_a_dead_llm_leaves_the_readers_own_answer(article_index, index_settings):
    answerer, _ = _voting_answerer(article_index, index_settings, "A", fail=True)
    final = answerer.answer("Chi ha presieduto la riunione del gruppo Ramstein?",
                            mode="generative")
    assert final.short_answer_check == "llm_unavailable" and final.citations
