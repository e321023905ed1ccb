"""The citation guard, driven by a scripted LLM that misbehaves the way small models do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.llms import (
    CompletionResponse,
    CompletionResponseGen,
    CustomLLM,
    LLMMetadata,
)
from llama_index.core.llms.callbacks import llm_completion_callback

from articleqa.qa.answerer import Answerer
from articleqa.qa.generative import Generator
from articleqa.qa.local_llm import local_model_missing

HEALEY_Q = "Chi ha presieduto la riunione del Gruppo di contatto per l'Ucraina?"


class ScriptedLLM(CustomLLM):
    """Replies with a fixed text, streamed word by word; or raises, like a dead server."""

    reply: str = ""
    fail: bool = False

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self.reply)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False,
                        **kwargs: Any) -> CompletionResponseGen:
        if self.fail:
            raise ConnectionError("connection refused")

        def words() -> Iterator[CompletionResponse]:
            text = ""
            for word in self.reply.split(" "):
                delta = word if not text else " " + word
                text += delta
                yield CompletionResponse(text=text, delta=delta)

        return words()


@pytest.fixture
def ask(article_index, index_settings):
    def run(question: str, reply: str, fail: bool = False):
        answerer = Answerer(article_index, index_settings)
        answerer.generator = Generator(ScriptedLLM(reply=reply, fail=fail), article_index,
                                       answerer.scorer, "scripted")
        events = list(answerer.stream(question, mode="generative"))
        return [e for e in events if isinstance(e, str)], events[-1]
    return run


def _exact(answer, article_index):
    for c in answer.citations:
        assert article_index.sources[c.source].text[c.start:c.end] == c.text


def test_a_good_answer_streams_and_keeps_its_checked_citation(ask, article_index):
    pieces, answer = ask(HEALEY_Q, "La riunione è stata presieduta da John Healey [1].")
    assert "".join(pieces) == "La riunione è stata presieduta da John Healey [1]."
    assert answer.backend == "scripted" and not answer.abstained
    assert answer.text == "La riunione è stata presieduta da John Healey. [1]"
    assert "Healey ha presieduto" in answer.citations[0].text
    _exact(answer, article_index)


def test_out_of_range_citations_are_dropped_and_the_claim_re_cited(ask, article_index):
    _, answer = ask(HEALEY_Q, "Healey ha presieduto la riunione [7].")
    assert answer.backend == "scripted"
    assert any("dropped citation [7]" in g for g in answer.guard)
    assert answer.text.endswith("[1]") and "[7]" not in answer.text
    _exact(answer, article_index)


def test_an_uncited_but_supported_sentence_gets_a_citation(ask):
    _, answer = ask(HEALEY_Q, "Healey ha presieduto la riunione del gruppo Ramstein.")
    assert answer.backend == "scripted"
    assert any(g.startswith("cited sentence") for g in answer.guard)
    assert answer.citations and "[1]" in answer.text


def test_an_invented_attribution_is_removed(ask):
    _, answer = ask(HEALEY_Q, "Healey ha presieduto la riunione [1]. "
                              "Kaja Kallas ha annunciato 40 miliardi di euro di aiuti [1].")
    assert any("removed unsupported sentence" in g and "Kallas" in g for g in answer.guard)
    assert "Kallas" not in answer.text and "Healey" in answer.text


@pytest.mark.parametrize("reply", [
    "Kaja Kallas ha spiegato che i piani della coalizione sono reali e sostanziali [1].",
    "La coalizione dei volenterosi è guidata da John Healey [1].",
])
def test_a_claim_pinned_on_the_wrong_person_is_removed(ask, reply):
    _, answer = ask("Come ha definito Healey i piani della coalizione?", reply)
    assert any("removed unsupported sentence" in g for g in answer.guard)
    assert answer.backend == "extractive"


def test_only_invented_sentences_fall_back_to_the_extractive_answer(ask):
    _, answer = ask(HEALEY_Q, "Kaja Kallas ha presieduto la riunione di Ramstein [1].")
    assert answer.backend == "extractive"
    assert "fallback: extractive" in answer.guard
    assert "Healey" in answer.text and answer.citations


def test_an_answer_in_the_wrong_language_falls_back(ask):
    _, answer = ask("Who chaired the Ukraine Defence Contact Group meeting?",
                    "La riunione del gruppo di contatto è stata presieduta da Healey [1].")
    assert "answer not in the question's language (en)" in answer.guard
    assert answer.backend == "extractive" and "Healey" in answer.text


def test_an_answer_copied_wholesale_falls_back(ask, article_text):
    sentence = article_text[article_text.index("Sia come sia"):article_text.index(
        "era collegato da remoto).") + len("era collegato da remoto)")]
    _, answer = ask(HEALEY_Q, sentence + " [1].")
    assert "answer copies a passage wholesale" in answer.guard
    assert answer.backend == "extractive"


def test_a_declining_model_falls_back_to_the_extractive_answer(ask):
    _, answer = ask(HEALEY_Q, "L'articolo non lo dice.")
    assert "model said the passages do not answer" in answer.guard
    assert answer.backend == "extractive" and "Healey" in answer.text


def test_a_dead_llm_server_is_reported_and_the_answer_is_extractive(ask):
    _, answer = ask(HEALEY_Q, "", fail=True)
    assert answer.backend == "extractive" and "Healey" in answer.text
    assert any(n.startswith("LLM unavailable (ConnectionError") for n in answer.notes)


def test_unanswerable_questions_never_reach_the_llm(ask):
    pieces, answer = ask("Qual è la ricetta della carbonara?", "Guanciale e pecorino [1].")
    assert answer.abstained and pieces == []


@pytest.mark.skipif(local_model_missing() is not None,
                    reason=f"bundled local LLM not installed: {local_model_missing()}")
def test_local_model_smoke(article_index, index_settings):
    """The real bundled model answers one question through the guard (or falls back, saying so)."""
    from articleqa.qa.answerer import create_answerer

    settings = index_settings.model_copy(update={"answer_mode": "generative"})
    answerer = create_answerer(article_index, settings)
    assert answerer.generator is None, "the model starts on the first generative question"
    events = list(answerer.stream("Chi ha incontrato Witkoff a San Pietroburgo?"))
    assert answerer.generator is not None, "local model did not start"
    answer = events[-1]
    assert any(isinstance(e, str) for e in events), "tokens were streamed"
    assert any(n.startswith("LLM wrote:") for n in answer.notes)
    assert answer.backend.startswith("local:") or "fallback: extractive" in answer.guard
    assert "Dmitriev" in answer.text
    assert any("Dmitriev" in c.text for c in answer.citations)
