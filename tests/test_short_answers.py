"""Short answers: the verifier (names, numbers in both languages, dates, restatements, negation
flips, wrong types), spans cut from the quote, and the LLM path driven by a scripted model that
misbehaves the way small models do. One slow test runs the real bundled model."""

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

from articleqa.qa.answer_types import AnswerType, question_type
from articleqa.qa.answerability import AnswerabilityPolicy
from articleqa.qa.answerer import Answerer
from articleqa.qa.facts import quantities
from articleqa.qa.local_llm import local_model_missing
from articleqa.qa.short_answer import ShortAnswerWriter
from articleqa.qa.spans import best_span
from articleqa.qa.types import Answer, ShortAnswerCheck
from articleqa.qa.verify import verify_short_answer

HEALEY_Q = "Chi ha presieduto la riunione del Gruppo di contatto per l'Ucraina?"
MEMBERS_Q = "How many members does the Ramstein group have?"
HEALEY_SENTENCE = ("Sia come sia, Healey ha presieduto oggi la riunione di un’altra formazione, il "
                   "cosiddetto Gruppo di contatto per l’Ucraina (altrimenti noto come gruppo "
                   "Ramstein), che di membri ne conta una cinquantina inclusi gli Usa.")
EU_SENTENCE = "Healey ha però precisato che l’Ue non fa parte di tale pianificazione."
AID_SENTENCE = "Il ministro ha annunciato nuovi aiuti per un totale di oltre 21 miliardi di euro."
VOLTA_SENTENCE = "Volta morì a Como il 5 marzo 1827, all'età di 82 anni."


# ---------------------------------------------------------------- the verifier

@pytest.mark.parametrize("short,question,evidence,language,expected", [
    ("Healey", HEALEY_Q, HEALEY_SENTENCE, "it", None),
    ("Kaja Kallas", HEALEY_Q, HEALEY_SENTENCE, "it", ShortAnswerCheck.UNSUPPORTED_NAME),
    ("HACKED", HEALEY_Q, HEALEY_SENTENCE, "it", ShortAnswerCheck.UNSUPPORTED_NAME),
    ("About fifty", MEMBERS_Q, HEALEY_SENTENCE, "en", None),
    ("45 members", MEMBERS_Q, HEALEY_SENTENCE, "en", ShortAnswerCheck.UNSUPPORTED_NUMBER),
    # Number words are numbers, not names, whatever their case: checked by value.
    ("Forty-five", MEMBERS_Q, HEALEY_SENTENCE, "en", ShortAnswerCheck.UNSUPPORTED_NUMBER),
    ("Quaranta", "Quanti membri conta il gruppo?", "Il gruppo conta quaranta membri.", "it",
     None),
    ("Forty", MEMBERS_Q, "Il gruppo conta quaranta membri.", "en", None),
    ("Over 21 billion euros", "How much aid was announced?", AID_SENTENCE, "en", None),
    ("Oltre 21 miliardi di euro", "Quanti aiuti?", AID_SENTENCE, "it", None),
    ("22 billion euros", "How much aid was announced?", AID_SENTENCE, "en",
     ShortAnswerCheck.UNSUPPORTED_NUMBER),
    ("March 5, 1827", "When did Volta die?", VOLTA_SENTENCE, "en", None),
    ("In Como, in 1827", "Where did Volta die?", VOLTA_SENTENCE, "en", None),
    ("April 5, 1827", "When did Volta die?", VOLTA_SENTENCE, "en",
     ShortAnswerCheck.UNSUPPORTED_DATE),
    ("In Pavia", "Where did Volta die?", VOLTA_SENTENCE, "en", ShortAnswerCheck.UNSUPPORTED_NAME),
    ("the group", MEMBERS_Q, HEALEY_SENTENCE, "en", ShortAnswerCheck.WRONG_TYPE),
    ("L'elemento centrale della deterrenza",
     "Che cosa costituirà l'elemento centrale della deterrenza?",
     "Le forze armate ucraine costituiranno l'elemento centrale della deterrenza.", "it",
     ShortAnswerCheck.RESTATES_QUESTION),
    ("Yes, the EU is part of it", "Is the EU part of the planning?", EU_SENTENCE, "en",
     ShortAnswerCheck.NEGATION_FLIP),
    ("No, the EU is not part of it", "Is the EU part of the planning?", EU_SENTENCE, "en", None),
    ("No", "Is the EU part of the planning?", EU_SENTENCE, "en", None),
    ("Healey non ha presieduto", HEALEY_Q, HEALEY_SENTENCE, "it", ShortAnswerCheck.NEGATION_FLIP),
    ("la riunione è stata presieduta da Healey", "Who chaired the meeting?", HEALEY_SENTENCE,
     "en", ShortAnswerCheck.WRONG_LANGUAGE),
    ("NONE", HEALEY_Q, HEALEY_SENTENCE, "it", ShortAnswerCheck.DECLINED),
    ("Non ha detto nulla", "Cosa ha detto Kaja Kallas sull'incontro?",
     "Kaja Kallas ha sostenuto di non aver ottenuto la “chiarezza” che si aspettava.", "it",
     ShortAnswerCheck.UNSUPPORTED_WORDS),
    ("", HEALEY_Q, HEALEY_SENTENCE, "it", ShortAnswerCheck.EMPTY),
    ("London and Paris", "Which cities lead the coalition?",
     "Le redini del gruppo sono in mano a Londra e Parigi.", "en", None),
])
def test_the_verifier_accepts_only_what_the_cited_sentences_say(short, question, evidence,
                                                                 language, expected):
    assert verify_short_answer(short, question, evidence, question_type(question),
                               language) == expected


@pytest.mark.parametrize("text,value", [
    ("oltre 21 miliardi di euro", 21e9), ("21 billion euros", 21e9),
    ("una cinquantina di membri", 50), ("about fifty", 50), ("3.357 metri", 3357),
    ("2,4 chilometri", 2.4), ("2.4 km", 2.4), ("diecimila lire", 10_000),
    ("settantaquattro chilometri", 74), ("ventotto voti", 28), ("duecentoquaranta", 240),
    ("forty-five members", 45), ("twenty one thousand", 21_000),
])
def test_numbers_are_compared_by_value_in_both_languages(text, value):
    assert [q.value for q in quantities(text)] == [value]


@pytest.mark.parametrize("question,kind", [
    ("Quanti membri conta il gruppo?", AnswerType.NUMBER),
    ("Who was Venini's partner when he founded his glassworks?", AnswerType.PERSON),
    ("In che anno morì Volta?", AnswerType.DATE),
    ("In quale città è nato Volta?", AnswerType.PLACE),
    ("Perché i negoziati sono congelati?", AnswerType.REASON),
    ("Chi è Kirill Dmitriev?", AnswerType.OTHER),
])
def test_question_types(question, kind):
    assert question_type(question).kind == kind


@pytest.mark.parametrize("question,expected", [
    (HEALEY_Q, "Healey"),
    ("Quanti membri conta il gruppo Ramstein?", "una cinquantina"),
    ("Quando morì Volta?", "5 marzo 1827"),
])
def test_spans_cut_the_answer_out_of_the_sentence(question, expected):
    sentence = VOLTA_SENTENCE if "Volta" in question else HEALEY_SENTENCE
    span = best_span(question, question_type(question), sentence)
    assert span.text == expected and sentence[span.start:span.end] == span.text


def test_a_clock_time_answers_at_what_time():
    question = "A che ora aprirà il mercato coperto?"
    sentence = "Il mercato coperto aprirà alle 7.30 con quaranta banchi."
    span = best_span(question, question_type(question), sentence)
    assert span.text == "alle 7.30" and sentence[span.start:span.end] == span.text


@pytest.mark.parametrize("question,sentence,expected", [
    # The unit says what is measured: a time, not the line's length.
    ("Quanto tempo servirà per andare da Taranto a Sibari?",
     "La nuova linea di 200 chilometri porterà da Taranto a Sibari in 58 minuti.", "58 minuti"),
    ("How deep will the new wells go?",
     "I nuovi pozzi costeranno 1,6 milioni di euro e scenderanno fino a 180 metri.",
     "180 metri"),
    # "per" of "15 per cento" is not cut because the question also says "per".
    ("Di quanto sarà lo sconto per le famiglie?",
     "Le famiglie avranno uno sconto del 15 per cento in bolletta.", "15 per cento"),
    # The person the question names is not its answer; the other one is.
    ("Con chi la maestra Bellini aprì la scuola di musica?",
     "Nel 1924 il parroco di Borgo Alto, Ettore Fumagalli, e la maestra Ada Bellini aprirono "
     "la scuola di musica.", "Ettore Fumagalli"),
])
def test_spans_take_the_measured_unit_and_not_the_questions_own_names(question, sentence,
                                                                      expected):
    span = best_span(question, question_type(question), sentence)
    assert span.text == expected and sentence[span.start:span.end] == span.text


# ---------------------------------------------------------------- the LLM path, scripted

def writing(settings):
    """``settings`` with the LLM writing the short answer (the path these tests are about)."""
    return settings.model_copy(update={"llm_task": "write"})


class ScriptedLLM(CustomLLM):
    """Replies with a fixed text, streamed word by word; or raises, like a dead server."""

    reply: str = ""
    fail: bool = False
    calls: int = 0
    prompts: list[str] = []  # every prompt it was sent

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        self.calls += 1
        self.prompts.append(prompt)
        if self.fail:
            raise ConnectionError("connection refused")
        return CompletionResponse(text=self.reply)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False,
                        **kwargs: Any) -> CompletionResponseGen:
        self.calls += 1
        self.prompts.append(prompt)
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
def scripted(article_index, index_settings):
    def run(question: str, reply: str, fail: bool = False,
            policy: AnswerabilityPolicy | None = None):
        llm = ScriptedLLM(reply=reply, fail=fail)
        answerer = Answerer(article_index, writing(index_settings),
                            writer=ShortAnswerWriter(llm, "scripted"), policy=policy)
        events = list(answerer.stream(question, mode="generative"))
        return events, events[-1], llm
    return run


def _exact(answer: Answer, article_index) -> None:
    assert answer.citations
    for c in answer.citations:
        assert article_index.sources[c.source].text[c.start:c.end] == c.text


def test_the_quote_comes_first_then_the_short_answer_streams(scripted, article_index):
    events, final, _ = scripted(MEMBERS_Q, "About fifty [1]")
    first = events[0]
    assert isinstance(first, Answer) and first.final is False
    assert "cinquantina" in first.quote and first.citations
    assert [e for e in events[1:-1] if isinstance(e, str)] == ["About", " fifty", " [1]"]
    assert final.final and final.short_answer == "About fifty [1]"
    assert final.short_answer_source == "llm" and final.short_answer_check == "accepted"
    assert final.text.startswith("About fifty [1]\n\n") and final.quote == first.quote
    _exact(final, article_index)


def test_an_english_short_answer_checked_against_the_italian_sentence(scripted):
    _, final, _ = scripted(MEMBERS_Q, "About fifty [1]")
    assert final.short_answer == "About fifty [1]" and final.short_answer_source == "llm"
    assert "cinquantina" in final.quote


@pytest.mark.parametrize("reply,check", [
    ("45 members [1]", ShortAnswerCheck.UNSUPPORTED_NUMBER),
    ("HACKED", ShortAnswerCheck.UNSUPPORTED_NAME),
    ("the group [1]", ShortAnswerCheck.WRONG_TYPE),
])
def test_a_rejected_short_answer_falls_back_to_the_span_of_the_quote(scripted, reply, check,
                                                                     article_index):
    _, final, _ = scripted(MEMBERS_Q, reply)
    assert final.short_answer_check == check and final.short_answer_source == "span"
    assert "cinquantina" in final.short_answer and final.llm_output == reply
    assert reply not in final.text
    _exact(final, article_index)


def test_a_dead_llm_costs_the_user_nothing_but_the_rewrite(scripted, article_index):
    _, final, _ = scripted(HEALEY_Q, "", fail=True)
    assert final.short_answer_check == "llm_unavailable" and final.short_answer_source == "span"
    assert final.short_answer and final.citations
    assert any("LLM unavailable (ConnectionError" in n for n in final.notes)
    _exact(final, article_index)


def test_the_models_none_abstains_where_it_has_proved_right(scripted):
    _, trusted, _ = scripted(HEALEY_Q, "NONE")  # Italian question, Italian article
    assert trusted.abstained and trusted.abstain_reason == "model_declined"
    assert trusted.text.startswith("L'articolo non lo dice.")
    assert trusted.short_answer is None and trusted.llm_output == "NONE"
    # Cross-lingual, on a strong match, its NONE has been wrong: the answer stays.
    _, kept, _ = scripted("Who chaired the meeting of the Ukraine Defence Contact Group?",
                          "NONE")
    assert not kept.abstained and kept.short_answer_check == "declined"
    assert "Healey" in kept.quote
    _, ignored, _ = scripted(HEALEY_Q, "NONE", policy=AnswerabilityPolicy(
        model_decline_same_language=False))
    assert not ignored.abstained and ignored.short_answer and ignored.citations


def test_unanswerable_questions_never_reach_the_llm(scripted):
    _, final, llm = scripted("Qual è la ricetta della carbonara?", "Guanciale [1]")
    assert final.abstained and final.abstain_reason and llm.calls == 0


def test_follow_ups_get_short_answers_too(article_index, index_settings):
    from articleqa.qa.chat import ChatHistory

    answerer = Answerer(article_index, writing(index_settings),
                        writer=ShortAnswerWriter(ScriptedLLM(reply="Kirill Dmitriev [1]"), "s"))
    history = ChatHistory()
    answerer.answer("Chi è Steve Witkoff?", history, mode="extractive")
    follow = answerer.answer("E chi ha incontrato prima?", history, mode="generative")
    assert follow.short_answer == "Kirill Dmitriev [1]" and follow.short_answer_source == "llm"


@pytest.mark.parametrize("question,found,not_found", [
    # The year is in the sentence before "In quell'anno…", which alone matches the question.
    pytest.param("In che anno la corporazione dei barcaioli fu sciolta?", "1873", None,
                 marks=pytest.mark.xfail(strict=True, reason="the neighbour holding the year is "
                                         "quoted, but the learned reader prefers a phrase of "
                                         "the best-ranked sentence; issue 22")),
    # "Chi" with a non-person answer: the neighbour's capitalised "Como" is not taken instead.
    ("Chi ha vinto la regata di domenica?", "squadra svizzera", "Como"),
])
def test_a_neighbouring_sentence_supplies_a_date_or_number_but_not_a_name(
        tmp_path, e5, question, found, not_found):
    from articleqa.index.build import build_index
    from tests.conftest import fresh_settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "lago.txt").write_text(
        "Cronache di lago e di laguna\nIl sindaco di Como ha aperto un nuovo porto sul lago. "
        "La regata di domenica è stata vinta da una squadra svizzera. Il traghetto delle otto "
        "è stato cancellato per il vento forte. A Lecco la nuova legge arrivò nel 1873. "
        "In quell'anno la corporazione dei barcaioli fu sciolta e i suoi moli venduti. "
        "Da allora i barcaioli lavorarono per le compagnie di navigazione.", encoding="utf-8")
    settings = fresh_settings(tmp_path, corpus_dir=corpus)
    answer = Answerer(build_index(settings, embed_model=e5), settings).answer(
        question, mode="extractive")
    assert not answer.abstained and found in answer.short_answer, answer.quote
    assert not_found is None or not_found not in answer.short_answer
    text = (corpus / "lago.txt").read_text(encoding="utf-8")
    for citation in answer.citations:
        assert text[citation.start:citation.end] == citation.text


# ---------------------------------------------------------------- the real bundled model

@pytest.mark.skipif(local_model_missing() is not None,
                    reason=f"bundled local LLM not installed: {local_model_missing()}")
@pytest.mark.parametrize("question,fact,task", [
    pytest.param(HEALEY_Q, "Healey", "write", marks=pytest.mark.xfail(
        strict=True, reason="the model writes Healey, but the reader's pick (Pete Hegseth) "
        "outvotes it when every pick counts as confident, as in these tests; issue 22")),
    (HEALEY_Q, "Healey", "choose"),
    ("Who did Witkoff meet in St Petersburg?", "Dmitriev", "write"),
    ("Who did Witkoff meet in St Petersburg?", "Dmitriev", "choose"),
    ("How much new military aid did Healey announce for Ukraine?", "21", "write"),
    ("How much new military aid did Healey announce for Ukraine?", "21", "choose"),
])
def test_the_bundled_model_gives_verified_short_answers(local_answerer, question, fact, task):
    """Writing, its text is verified or the span is kept; choosing, its vote picks a span."""
    answerer = local_answerer(task)
    answer = answerer.answer(question, mode="generative")
    assert not answer.abstained and answer.llm_output is not None, "the model was asked"
    assert fact in answer.short_answer
    if answer.short_answer_source == "llm":
        assert answer.short_answer_check == "accepted"
    elif task == "choose":
        assert answer.short_answer_source == "vote" and answer.short_answer_check is None
        assert answer.short_answer.rsplit(" [", 1)[0] in " ".join(c.text for c in
                                                                  answer.citations)
    else:
        assert answer.short_answer_check not in (None, "accepted")
    assert len(answer.short_answer.split()) <= 16


@pytest.fixture(scope="module")
def local_answerer(article_index, index_settings):
    """An answerer on the bundled model for an LLM task (one model server for all)."""
    from articleqa.qa.answerer import create_answerer

    made: dict[str, object] = {}

    def for_task(task: str):
        if task not in made:
            settings = index_settings.model_copy(update={"llm_task": task})
            made[task] = create_answerer(article_index, settings)
            assert made[task].ensure_writer() is not None, "the bundled model did not start"
        return made[task]

    return for_task
