"""Metrics on hand-made cases, question-set validation, and an end-to-end eval run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from articleqa.eval.dataset import DatasetError, load_questions
from articleqa.eval.metrics import (
    answer_matches,
    evidence_spans,
    hit_at,
    hit_rank,
    mean_reciprocal_rank,
    percentile,
    short_answer_words,
    token_f1,
)
from articleqa.eval.runner import score_question, summarise
from tests.conftest import ARTICLE, DEV


def test_answer_matching_ignores_case_accents_and_citations_but_respects_words():
    assert answer_matches("La riunione è stata presieduta da John Healey [1].", ["healey"])
    assert answer_matches("PERCHE il cessate il fuoco…", ["perché"])
    assert answer_matches("oltre 21 miliardi di euro [2]", ["21 miliardi"])
    assert not answer_matches("il materiale usato", ["Usa"])
    assert not answer_matches("Healey", [])


def test_token_f1_exact_values():
    assert token_f1("the cat sat", "cat sat down") == pytest.approx(2 / 3)
    assert token_f1("Healey", "John Healey") == pytest.approx(2 * 1 * 0.5 / 1.5)
    assert token_f1("nothing here", "Healey") == 0.0
    assert token_f1("", "") == 1.0


def test_ranking_metrics_exact_values():
    assert hit_rank(["a b", "c evidence d", "evidence"], ["evidence"]) == 2
    assert hit_rank(["a", "b"], ["x"]) is None
    ranks = [1, 2, None, 4]
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert hit_at(ranks, 1) == 0.25 and hit_at(ranks, 3) == 0.5 and hit_at(ranks, 5) == 0.75
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(1, 21)), 95) == pytest.approx(19.05)
    assert evidence_spans("ab ab", ["ab"]) == [(0, 2), (3, 5)]


def test_scoring_and_summary_on_a_hand_made_answer():
    from articleqa.eval.dataset import EvalQuestion

    source = "Prima frase. Healey ha presieduto la riunione. Altro testo su Kallas."
    question = EvalQuestion("q", "it", "Chi?", True, ["Healey"], ["Healey ha presieduto"])
    start = source.index("Healey")
    answer = {"answer": "Healey ha presieduto la riunione. [1] Kallas [2]", "abstained": False,
              "citations": [
                  {"n": 1, "text": source[start:start + 33], "source": "a", "start": start,
                   "end": start + 33},
                  {"n": 2, "text": "Altro testo su Kallas.", "source": "a",
                   "start": source.index("Altro"), "end": len(source)}],
              "retrieved": [{"rank": 1, "text": "Prima frase.", "score": 0.9},
                            {"rank": 2, "text": source, "score": 0.8}]}
    row = score_question(question, answer, {"a": source}, 0.25)
    assert row["correct"] and row["hit_rank"] == 2
    assert row["citation_hits"] == 1 and row["unsupported_citations"] == 1
    unanswerable = EvalQuestion("u", "en", "Recipe?", False)
    abstained = score_question(unanswerable, {"answer": "The article does not say.",
                                              "abstained": True, "citations": [],
                                              "retrieved": []}, {}, 0.75)
    metrics = summarise([row, abstained])
    assert metrics["mrr"] == 0.5 and metrics["accuracy"] == 1.0
    assert metrics["citation_precision"] == 0.5 and metrics["unsupported_citation_rate"] == 0.5
    assert metrics["abstention_precision"] == 1.0 and metrics["abstention_recall"] == 1.0
    assert metrics["latency_p50_s"] == 0.5


def test_retrieval_metrics_agree_with_llama_index_retriever_evaluator(article_index, retriever):
    """Our hit@5 and MRR equal llama-index's hit_rate and MRR on the dev set."""
    from llama_index.core.evaluation import RetrieverEvaluator

    questions = [q for q in load_questions(DEV) if q.answerable]
    evaluator = RetrieverEvaluator.from_metric_names(
        ["hit_rate", "mrr"], retriever=article_index.vector_index.as_retriever(
            similarity_top_k=5))
    ours, theirs = [], {"hit_rate": [], "mrr": []}
    for q in questions:
        expected = [n.node_id for n in article_index.nodes
                    if any(e in n.text for e in q.evidence)]
        result = evaluator.evaluate(q.question, expected_ids=expected)
        for name in theirs:
            theirs[name].append(result.metric_vals_dict[name])
        ours.append(hit_rank([p.text for p in retriever.retrieve(q.question, "dense", 5)],
                             q.evidence))
    assert mean_reciprocal_rank(ours) == pytest.approx(sum(theirs["mrr"]) / len(questions))
    assert hit_at(ours, 5) == pytest.approx(sum(theirs["hit_rate"]) / len(questions))


def test_dev_set_covers_both_languages_unanswerables_and_the_corpus():
    text = ARTICLE.read_text(encoding="utf-8")
    from articleqa.index.cleaning import clean_article_text

    questions = load_questions(DEV, [clean_article_text(text)])
    assert len(questions) >= 40
    assert {q.lang for q in questions} == {"it", "en"}
    assert sum(not q.answerable for q in questions) >= 8
    assert all(e in text for q in questions for e in q.evidence)


@pytest.mark.parametrize("content,suffix,message", [
    ('{"id": "a", "lang": "it", "question": "x", "answerable": true, "answers": ["y"], '
     '"evidence": ["z"]}\n{"id": "b", "lang": "it"', ".jsonl", "line 2: invalid JSON"),
    ('{"id": "a", "lang": "it", "answerable": false}', ".jsonl", "line 1: missing field(s) "
     "question"),
    ('{"id": "a", "lang": "it", "question": "x", "answerable": true, "answers": [], '
     '"evidence": []}', ".jsonl", "needs answers and evidence"),
    ('{"id": "a", "lang": "it", "question": "x", "answerable": true, "answers": ["y"], '
     '"evidence": ["not in the article"]}', ".jsonl", "is not in the indexed sources"),
    ('{"id": "a", "lang": "it", "question": "x", "answerable": "maybe"}', ".jsonl",
     "answerable must be true or false"),
    ('[{"id": "a", "lang": "it", "question": "x", "answerable": false},'
     ' {"id": "a", "lang": "en", "question": "y", "answerable": false}]', ".json",
     "item 2: duplicate id 'a'"),
    ("id,lang,question\na,it,x\n", ".csv", "row 2: missing field(s) answerable"),
])
def test_malformed_question_sets_name_the_line(tmp_path, content, suffix, message):
    path = tmp_path / f"q{suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_questions(path, ["the article text"])


def test_csv_and_json_question_sets_load(tmp_path):
    (tmp_path / "q.csv").write_text(
        "id,lang,question,answers,evidence,answerable\n"
        "a,it,Chi?,Healey|John Healey,Healey ha presieduto,true\nb,en,Recipe?,,,false\n",
        encoding="utf-8")
    rows = load_questions(tmp_path / "q.csv", ["Sia come sia, Healey ha presieduto oggi"])
    assert rows[0].answers == ["Healey", "John Healey"] and rows[1].answerable is False


def test_cli_eval_end_to_end_writes_three_reports(tmp_path, index_settings, article_index):
    questions = tmp_path / "five.jsonl"
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    picked = [r for r in rows if r["id"] in ("it01", "it02", "en03", "en02", "un03")]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in picked),
                         encoding="utf-8")
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "articleqa", "eval", str(questions), "--out", str(out),
         "--compare", "dense,bm25", "--data-dir", str(index_settings.data_dir)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| dense | overall | 5 |" in done.stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in report["configs"]] == ["dense", "bm25"]
    assert set(report["metrics"]["dense"]) == {"overall", "it", "en"}
    row = report["questions"]["dense"][0]
    assert {"id", "question", "answer", "abstained", "citations", "retrieved", "correct",
            "hit_rank", "latency_s"} <= set(row)
    assert report["metrics"]["dense"]["overall"]["accuracy"] == 1.0
    assert "| bm25 | it |" in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_metrics_per_kind_short_answers_and_the_tradeoff_exact_values():
    from articleqa.eval.report import tradeoff
    from articleqa.eval.runner import group_metrics

    def row(lang, kind, abstained, correct=False, short_correct=False, similarity=0.85,
            reason=None, source="span", words=2):
        return {"lang": lang, "kind": kind, "answerable": kind == "answerable",
                "abstained": abstained, "correct": correct, "short_correct": short_correct,
                "similarity": similarity, "abstain_reason": reason, "hit_rank": 1,
                "citations": [], "citation_hits": 0, "unsupported_citations": 0, "f1": 0.0,
                "latency_s": 0.1, "short_answer_source": None if abstained else source,
                "short_words": words}

    rows = [row("it", "answerable", False, True, True, 0.90, source="llm"),
            row("en", "answerable", False, True, False, 0.82, words=4),
            row("en", "answerable", True, similarity=0.77, reason="weak_match"),
            row("it", "near_miss", False, similarity=0.88),
            row("en", "off_topic", True, similarity=0.70, reason="weak_match"),
            row("it", "missing_detail", True, similarity=0.86, reason="no_answer_of_type")]
    metrics = group_metrics(rows)
    assert set(metrics) == {"overall", "it", "en", "kind:near_miss", "kind:off_topic",
                            "kind:missing_detail"}
    assert metrics["overall"]["short_answer_accuracy"] == pytest.approx(1 / 3)
    assert metrics["overall"]["short_answer_median_words"] == 3
    assert metrics["overall"]["short_answer_by_llm"] == 0.5
    assert metrics["en"]["false_abstention_rate"] == 0.5
    assert metrics["kind:near_miss"]["abstention_recall"] == 0.0
    assert metrics["kind:off_topic"]["abstention_recall"] == 1.0
    # Raising the threshold to 0.83 abstains on the 0.82 answer and on nothing unanswerable
    # that was answered at 0.88; the no_answer_of_type abstention stays.
    points = dict((t, (acc, rec)) for t, acc, rec in tradeoff(rows, [0.75, 0.83, 0.89]))
    assert points[0.75] == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert points[0.83] == (pytest.approx(1 / 3), pytest.approx(2 / 3))
    assert points[0.89] == (pytest.approx(1 / 3), pytest.approx(1.0))


@pytest.mark.parametrize("short,words", [
    ("21 miliardi di euro [1]", 4), ("un'enorme depressione [2]", 3),
    ("Londra [1] · Parigi [2]", 2), ("", 0), (None, 0)])
def test_short_answer_words_leave_out_the_citation_markers(short, words):
    assert short_answer_words(short) == words


def test_calibration_picks_the_thresholds_that_refuse_no_answerable_question():
    """`articleqa calibrate` on hand-made signals: the chosen policy keeps false abstention
    within budget in each language and catches what it can of each unanswerable kind."""
    from articleqa.eval.calibrate import Measured, calibrate
    from articleqa.eval.dataset import EvalQuestion
    from articleqa.qa.answer_types import question_type
    from articleqa.qa.answerability import AnswerabilityPolicy, CheckScope, Signals

    def measured(n: int, lang: str, kind: str, similarity: float, same: bool = True,
                 type_missing: bool = False,
                 question: str = "Quando è stato firmato?") -> Measured:
        q = EvalQuestion(f"{kind}{n}", lang, question, kind == "answerable", kind=kind)
        signals = Signals(similarity=similarity, same_language=same, overlap=0.6,
                          unknown_names=(), names_not_in_evidence=(),
                          type_missing=type_missing, numbers_not_in_evidence=())
        return Measured(q, question_type(question), signals)

    rows = [measured(i, "it", "answerable", 0.80 + 0.01 * i) for i in range(5)]
    rows += [measured(i, "en", "answerable", 0.78 + 0.01 * i, same=False) for i in range(5)]
    # An English answerable question whose sentences hold no date: a cross-lingual type
    # check would refuse it.
    rows.append(measured(9, "en", "answerable", 0.85, same=False, type_missing=True))
    rows += [measured(i, "it", "off_topic", 0.77) for i in range(3)]
    rows += [measured(i, "it", "missing_detail", 0.88, type_missing=True) for i in range(2)]
    # The grid is centred on the base's thresholds: the scale these hand-made signals sit on.
    base = AnswerabilityPolicy(min_similarity_same=0.76, min_similarity_cross=0.79)
    policy, scores = calibrate(rows, base)
    assert scores["false_abstention:it"] == 0 and scores["false_abstention:en"] == 0
    assert scores["recall:off_topic"] == 1.0 and scores["recall:missing_detail"] == 1.0
    assert 0.77 < policy.min_similarity_same <= 0.80
    assert policy.min_similarity_cross <= 0.78
    assert policy.type_check == CheckScope.SAME_LANGUAGE
