"""Extractive answers on the bundled article: right facts, right citations, honest abstention."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from articleqa.qa.chat import ChatHistory, is_follow_up
from articleqa.qa.question import QuestionError, clean_question

HEALEY_CHAIR = "Healey ha presieduto oggi la riunione di un’altra formazione"
DMITRIEV = "Witkoff ha incontrato a San Pietroburgo Kirill Dmitriev"


def _assert_citations_are_exact(answer, article_index):
    assert answer.citations, answer.text
    for citation in answer.citations:
        source = article_index.sources[citation.source].text
        assert source[citation.start:citation.end] == citation.text
        assert f"[{citation.n}]" in answer.text


@pytest.mark.xfail(strict=True, reason="the learned reader picks Pete Hegseth (named in an aside "
                   "of the same sentence) below its confidence threshold, so no short answer is "
                   "shown; the old rule span said Healey. Issue 22")
def test_italian_question_names_healey_and_cites_the_contact_group_passage(answerer,
                                                                          article_index):
    answer = answerer.answer("Chi ha presieduto la riunione del Gruppo di contatto per l'Ucraina?")
    assert not answer.abstained and answer.language == "it"
    assert answer.short_answer == "Healey [1]" and answer.short_answer_source == "span"
    assert answer.text.startswith("Healey [1]\n\n")
    assert any(HEALEY_CHAIR in c.text for c in answer.citations)
    _assert_citations_are_exact(answer, article_index)


def test_english_question_about_st_petersburg_answers_dmitriev(answerer, article_index):
    answer = answerer.answer("Who did Witkoff meet in St Petersburg?")
    assert not answer.abstained and answer.language == "en"
    assert "Dmitriev" in answer.quote
    assert any(DMITRIEV in c.text for c in answer.citations)
    assert answer.quote.startswith("The article says (in Italian):")
    _assert_citations_are_exact(answer, article_index)


def test_english_question_about_the_aid_cites_21_billion(answerer, article_index):
    answer = answerer.answer("How much new military aid did Healey announce for Ukraine?")
    assert not answer.abstained
    assert "21 miliardi di euro" in answer.text
    assert any("21 miliardi" in c.text for c in answer.citations)
    _assert_citations_are_exact(answer, article_index)


@pytest.mark.parametrize("question,phrase", [
    ("Qual è la ricetta della carbonara?", "L'articolo non lo dice."),
    ("What did Emmanuel Macron say at the press conference?", "The article does not say."),
    ("Quanti soldati francesi saranno inviati in Ucraina?", "L'articolo non lo dice."),
])
def test_unanswerable_questions_abstain_and_show_the_closest_passages(answerer, question, phrase):
    answer = answerer.answer(question)
    assert answer.abstained
    assert answer.text.startswith(phrase)
    assert not answer.citations and answer.short_answer is None
    assert answer.passages, "the closest passages are still shown"
    assert answer.abstain_reason and answer.abstain_detail


def test_follow_up_is_resolved_with_its_own_history_only(answerer):
    history = ChatHistory()
    first = answerer.answer("Chi è Steve Witkoff?", history)
    assert "Witkoff" in first.text
    follow = answerer.answer("E chi ha incontrato prima?", history)
    assert follow.retrieval_query == "Chi è Steve Witkoff? E chi ha incontrato prima?"
    assert "Dmitriev" in follow.text
    other_user = ChatHistory()
    alone = answerer.answer("E chi ha incontrato prima?", other_user)
    assert alone.retrieval_query == "E chi ha incontrato prima?"
    assert len(history.turns) == 2 and len(other_user.turns) == 1


def test_follow_up_detection():
    assert is_follow_up("E chi ha incontrato prima?")
    assert is_follow_up("And what did he say?")
    assert not is_follow_up("Chi ha presieduto il gruppo Ramstein?")
    assert not is_follow_up("Who did Witkoff meet in St Petersburg?")


def test_question_cleaning():
    with pytest.raises(QuestionError, match="empty"):
        clean_question(" \n\t ", 100)
    with pytest.raises(QuestionError, match="no words"):
        clean_question("?!…", 100)
    assert clean_question("Chi\x00 è\x07 Healey?", 100).text == "Chi è Healey?"
    long = clean_question("parola " * 5000, 2000)
    assert len(long.text) <= 2000 and "clipped" in long.notes[0]
    pasted = clean_question("Chi ha firmato il contratto? " + "log " * 1000, 200)
    assert pasted.text == "Chi ha firmato il contratto?" and "clipped" in pasted.notes[0]


def test_a_very_long_question_is_answered_from_the_clipped_text(answerer):
    answer = answerer.answer("Chi ha incontrato Witkoff a San Pietroburgo? " + "x " * 10000)
    assert any("clipped" in n for n in answer.notes)
    assert "Dmitriev" in answer.text


def test_cli_ask_json_prints_one_object_with_the_documented_fields(index_settings,
                                                                   article_index):
    out = subprocess.run(
        [sys.executable, "-m", "articleqa", "ask", "Chi ha incontrato Witkoff a San Pietroburgo?",
         "--json", "--mode", "extractive", "--data-dir", str(index_settings.data_dir)],
        capture_output=True, text=True, timeout=120, check=True)
    payload = json.loads(out.stdout)
    assert {"question", "answer", "abstained", "language", "mode", "citations", "retrieved",
            "timings"} <= set(payload)
    assert payload["abstained"] is False and payload["mode"] == "extractive"
    assert "Dmitriev" in payload["short_answer"] and payload["short_answer_source"] == "span"
    assert payload["answer"].startswith(payload["short_answer"])
    assert payload["abstain_reason"] is None
    citation = payload["citations"][0]
    assert {"n", "text", "source", "start", "end"} <= set(citation)
    source = article_index.sources[citation["source"]].text
    assert source[citation["start"]:citation["end"]] == citation["text"]
    assert [r["rank"] for r in payload["retrieved"]] == list(range(1, 6))
    assert payload["timings"]["total"] > 0


def test_cli_ask_rejects_an_empty_question_without_traceback(tmp_path):
    out = subprocess.run([sys.executable, "-m", "articleqa", "ask", "   ", "--data-dir",
                          str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip() == "error: the question is empty"


def test_the_abstention_threshold_comes_from_settings(article_index, index_settings):
    from articleqa.qa.answerer import Answerer

    strict = index_settings.model_copy(update={"abstain_min_similarity": 0.99})
    answer = Answerer(article_index, strict).answer(
        "Chi ha presieduto la riunione del Gruppo di contatto per l'Ucraina?")
    assert answer.abstained and answer.abstain_reason == "weak_match"
    assert "< 0.99" in answer.abstain_detail


@pytest.mark.parametrize("question,reason,detail", [
    ("What did Emmanuel Macron say at the press conference?", "unknown_names", "macron"),
    ("Cosa ha detto Hegseth sul cessate il fuoco?", "names_not_in_evidence", "hegseth"),
    ("Quanti soldati francesi saranno inviati in Ucraina?", "no_answer_of_type", "soldati"),
    ("Quando Trump ha pubblicato il post su Truth Social?", "no_answer_of_type", "date"),
    ("Qual è la ricetta della carbonara?", "few_shared_words", "few question words"),
])
def test_each_abstain_reason_fires_on_the_article_for_its_own_question(
        article_index, index_settings, question, reason, detail):
    """Every reason the policy can give, triggered by a real question about the article (a
    name it never mentions, a name not in the passage that matched, a count or date it does
    not give, a topic it does not share), with the detail naming what was missing. The
    policy is pinned (the thresholds these questions were chosen for, type check within a
    language): the calibrated defaults would refuse some of them for an earlier reason."""
    from dataclasses import replace

    from articleqa.qa.answerability import AnswerabilityPolicy, CheckScope
    from articleqa.qa.answerer import Answerer

    policy = replace(AnswerabilityPolicy(), min_similarity_same=0.76, min_similarity_cross=0.79,
                     names_check_below=0.86, type_check=CheckScope.SAME_LANGUAGE,
                     numbers_check=False)
    answer = Answerer(article_index, index_settings, policy=policy).answer(
        question, mode="extractive")
    assert answer.abstained and answer.abstain_reason == reason, answer.abstain_detail
    assert detail in answer.abstain_detail


def test_the_same_question_is_answered_when_the_article_gives_what_it_asks(answerer):
    """The twins of the questions above that the article does answer are not refused."""
    count = answerer.answer("Quanti membri conta il gruppo Ramstein?", mode="extractive")
    assert not count.abstained and "cinquantina" in count.short_answer


def test_the_answer_type_check_applies_to_the_questions_its_scope_names():
    """SAME_LANGUAGE checks a question in the article's language only, ALWAYS every one,
    NEVER none (the calibrated default for e5: on the news tune split the check cost more
    answerable questions than it caught unanswerable ones)."""
    from dataclasses import replace

    from articleqa.qa.answer_types import question_type
    from articleqa.qa.answerability import AnswerabilityPolicy, CheckScope, Signals

    signals = Signals(similarity=0.86, same_language=True, overlap=0.6, unknown_names=(),
                      names_not_in_evidence=(), type_missing=True, numbers_not_in_evidence=())
    cross = replace(signals, same_language=False)
    policy = replace(AnswerabilityPolicy(), type_check=CheckScope.SAME_LANGUAGE)
    question = "Quando è stato firmato l'accordo?"
    qtype = question_type(question)
    assert policy.decide(question, qtype, signals).reason == "no_answer_of_type"
    assert policy.decide(question, qtype, cross).answerable
    always = replace(policy, type_check=CheckScope.ALWAYS)
    assert always.decide(question, qtype, cross).reason == "no_answer_of_type"
    never = replace(policy, type_check=CheckScope.NEVER)
    assert never.decide(question, qtype, signals).answerable
