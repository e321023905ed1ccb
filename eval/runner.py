"""Runs a question set through the same Answer path the UI uses, and scores it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from articleqa.choices import AnswerMode, RetrievalMode, values
from articleqa.errors import UserError
from articleqa.eval.dataset import EvalQuestion
from articleqa.eval.metrics import (
    answer_matches,
    best_f1,
    evidence_spans,
    hit_at,
    hit_rank,
    mean_reciprocal_rank,
    percentile,
    ratio,
    short_answer_words,
    spans_overlap,
)
from articleqa.qa.answerer import Answerer

ANSWER_MODES = tuple(values(AnswerMode))
RETRIEVAL_MODES = tuple(values(RetrievalMode))


class EvalConfigError(UserError, ValueError):
    """An unknown name in ``--compare``."""


@dataclass(frozen=True, slots=True)
class EvalConfig:
    """One configuration to measure; ``name`` labels it in reports."""

    name: str
    answer_mode: str
    retrieval_mode: str
    top_k: int


@dataclass(slots=True)
class RunResult:
    config: EvalConfig
    records: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)


def configs_for(compare: str | None, answer_mode: str, retrieval_mode: str,
                top_k: int) -> list[EvalConfig]:
    """``--compare dense,bm25,hybrid`` or ``extractive,generative``: one config per name."""
    if not compare:
        return [EvalConfig(f"{answer_mode}/{retrieval_mode}", answer_mode, retrieval_mode, top_k)]
    configs = []
    for name in (n.strip() for n in compare.split(",") if n.strip()):
        if name in RETRIEVAL_MODES:
            configs.append(EvalConfig(name, answer_mode, name, top_k))
        elif name in ANSWER_MODES:
            configs.append(EvalConfig(name, name, retrieval_mode, top_k))
        else:
            raise EvalConfigError(f"--compare: unknown configuration {name!r}; use any of "
                             f"{', '.join(RETRIEVAL_MODES + ANSWER_MODES)}")
    return configs


def score_question(question: EvalQuestion, answer_dict: dict[str, Any],
                   sources: dict[str, str], latency_s: float) -> dict[str, Any]:
    """One report row: what was answered and how it scores."""
    retrieved = answer_dict["retrieved"]
    citations = answer_dict["citations"]
    abstained = bool(answer_dict["abstained"])
    short = answer_dict.get("short_answer")
    row: dict[str, Any] = {
        "id": question.id, "lang": question.lang, "kind": question.kind,
        "asks": question.asks, "article": question.article, "split": question.split,
        "question": question.question, "answerable": question.answerable,
        "answer": answer_dict["answer"], "short_answer": short,
        "short_answer_source": answer_dict.get("short_answer_source"),
        "short_answer_check": answer_dict.get("short_answer_check"),
        "llm_output": answer_dict.get("llm_output"),
        "short_words": short_answer_words(short),
        "abstained": abstained, "abstain_reason": answer_dict.get("abstain_reason"),
        "similarity": answer_dict.get("similarity"), "backend": answer_dict.get("backend", ""),
        "citations": [{"n": c["n"], "text": c["text"], "source": c["source"]}
                      for c in citations],
        "retrieved": [{"rank": r["rank"], "text": r["text"], "score": r["score"]}
                      for r in retrieved],
        "latency_s": round(latency_s, 4),
        "confidence": answer_dict.get("confidence"), "highlight": answer_dict.get("highlight", ""),
    }
    if not question.answerable:
        row.update(correct=abstained, short_correct=abstained, hit_rank=None, f1=None,
                   citation_hits=0, unsupported_citations=0)
        return row
    hits = unsupported = 0
    for c in citations:
        spans = evidence_spans(sources.get(c["source"], ""), question.evidence)
        if any(spans_overlap((c["start"], c["end"]), s) for s in spans):
            hits += 1
        elif not answer_matches(c["text"], question.answers):
            unsupported += 1
    row.update(
        correct=(not abstained) and answer_matches(answer_dict["answer"], question.answers),
        short_correct=(not abstained) and answer_matches(short or "", question.answers),
        # The reader's pick, shown or not: what a lower threshold would have shown.
        pick_correct=(not abstained) and answer_matches(
            short or answer_dict.get("highlight") or "", question.answers),
        hit_rank=hit_rank([r["text"] for r in retrieved], question.evidence),
        f1=0.0 if abstained else round(best_f1(answer_dict["answer"], question.answers), 4),
        citation_hits=hits, unsupported_citations=unsupported)
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, float]:
    """The metrics of a set of report rows."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    ranks = [r["hit_rank"] for r in answerable]
    cited = sum(len(r["citations"]) for r in answerable)
    abstained = [r for r in rows if r["abstained"]]
    latencies = [r["latency_s"] for r in rows]
    f1s = [r["f1"] for r in answerable]
    shorts = [r for r in answerable if not r["abstained"]]
    # A short answer shown to a reader, answerable question or not: wrong unless it is right.
    shown = [r for r in rows if not r["abstained"] and r.get("short_answer")]
    return {
        "questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable),
        "short_answer_accuracy": ratio(sum(r["short_correct"] for r in answerable),
                                       len(answerable)),
        "short_answers_shown": len(shown),
        "shown_short_answers_wrong": ratio(sum(not (r["answerable"] and r["short_correct"])
                                               for r in shown), len(shown)),
        "short_answer_median_words": percentile([r["short_words"] for r in shorts], 50),
        "short_answer_by_llm": ratio(sum(r["short_answer_source"] == "llm" for r in shorts),
                                     len(shorts)),
        "short_answer_by_vote": ratio(sum(r["short_answer_source"] == "vote" for r in shorts),
                                      len(shorts)),
        "false_abstention_rate": ratio(sum(r["abstained"] for r in answerable),
                                       len(answerable)),
        "hit@1": hit_at(ranks, 1), "hit@3": hit_at(ranks, 3), "hit@5": hit_at(ranks, 5),
        "mrr": mean_reciprocal_rank(ranks),
        "accuracy": ratio(sum(r["correct"] for r in answerable), len(answerable)),
        "f1": sum(f1s) / len(f1s) if f1s else math.nan,
        "citation_precision": ratio(sum(r["citation_hits"] for r in answerable), cited),
        "unsupported_citation_rate": ratio(sum(r["unsupported_citations"] for r in answerable),
                                           cited),
        "answer_rate": ratio(sum(not r["abstained"] for r in answerable), len(answerable)),
        "abstention_precision": ratio(sum(not r["answerable"] for r in abstained),
                                      len(abstained)),
        "abstention_recall": ratio(sum(r["abstained"] for r in unanswerable),
                                   len(unanswerable)),
        "latency_p50_s": percentile(latencies, 50), "latency_p95_s": percentile(latencies, 95),
    }


def group_metrics(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Metrics overall, per language ("it", "en") and per unanswerable kind
    ("kind:near_miss", …: there abstention recall is the number that matters)."""
    groups = {"overall": rows}
    for lang in sorted({r["lang"] for r in rows}):
        groups[lang] = [r for r in rows if r["lang"] == lang]
    for asks in sorted({r.get("asks") or "" for r in rows} - {""}):
        groups[f"asks:{asks}"] = [r for r in rows if r.get("asks") == asks]
    kinds = sorted({r["kind"] for r in rows if not r["answerable"]})
    if len(kinds) > 1:
        for kind in kinds:
            groups[f"kind:{kind}"] = [r for r in rows if r["kind"] == kind]
    return {name: summarise(group) for name, group in groups.items()}


def run_eval(answerer: Answerer, questions: list[EvalQuestion], config: EvalConfig,
             show_progress: bool = True,
             on_row: Callable[[dict[str, Any]], None] | None = None) -> RunResult:
    """Ask every question (no chat history: each stands alone) and score the answers."""
    import time

    sources = {name: s.text for name, s in answerer.index.sources.items()}
    result = RunResult(config)
    answerer.clear_caches()  # each configuration starts cold, so latencies compare fairly
    for question in tqdm(questions, desc=f"eval {config.name}", disable=not show_progress,
                         unit="q"):
        started = time.perf_counter()
        answer = answerer.answer(question.question, mode=config.answer_mode,
                                 retrieval_mode=config.retrieval_mode, top_k=config.top_k)
        row = score_question(question, answer.to_dict(), sources,
                             time.perf_counter() - started)
        result.records.append(row)
        if on_row:
            on_row(row)
    result.metrics = group_metrics(result.records)
    return result
