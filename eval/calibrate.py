"""`articleqa calibrate`: measure every answerability signal on a question set's tune
split and choose the thresholds, reproducibly.

For each question the signals are measured once (no abstention applied); every candidate
policy is then scored on them: false abstention per language on answerable questions, and
abstention recall per unanswerable kind. The chosen policy is the one with the best mean
recall over the kinds among those whose false abstention stays within the budget in every
language. Only the tune split is used; the test split is for reporting.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from tqdm import tqdm

from articleqa.errors import UserError
from articleqa.eval.dataset import EvalQuestion
from articleqa.lang import declines
from articleqa.qa.answer_types import QuestionType
from articleqa.qa.answerability import AnswerabilityPolicy, CheckScope, Decision, Signals
from articleqa.qa.answerer import Answerer
from articleqa.qa.short_answer import clean_short_answer

FALSE_ABSTENTION_BUDGET = 0.05


@dataclass(frozen=True, slots=True)
class Measured:
    question: EvalQuestion
    qtype: QuestionType
    signals: Signals | None
    model_declined: bool | None = None  # None: no LLM asked


def measure_all(answerer: Answerer, questions: Iterable[EvalQuestion],
                show_progress: bool = True, with_llm: bool = False) -> list[Measured]:
    """Signals for every question; with ``with_llm``, also whether the LLM, given the
    sentences that would be quoted, declines (its verdict is one more signal)."""
    questions = list(questions)
    writer = answerer.ensure_writer() if with_llm else None
    if with_llm and writer is None:
        raise CalibrationError("--with-llm: no language model could start")
    out = []
    for q in tqdm(questions, desc="measuring signals", disable=not show_progress, unit="q"):
        qtype, signals, sentences, language = answerer.signals(q.question)
        declined = None
        if writer is not None and sentences:
            raw = "".join(writer.stream(q.question, sentences, language))
            declined = declines(clean_short_answer(raw))
        out.append(Measured(q, qtype, signals, declined))
    return out


class CalibrationError(UserError):
    """Calibration cannot run as asked."""


def score_policy(policy: AnswerabilityPolicy, measured: list[Measured]) -> dict[str, float]:
    """False abstention per language, abstention recall per kind, and which reason fired."""
    def abstains(m: Measured) -> bool:
        return not decide(policy, m).answerable

    scores: dict[str, float] = {}
    answerable = [m for m in measured if m.question.answerable]
    for lang in sorted({m.question.lang for m in answerable}):
        group = [m for m in answerable if m.question.lang == lang]
        scores[f"false_abstention:{lang}"] = sum(map(abstains, group)) / len(group)
    for kind in sorted({m.question.kind for m in measured if not m.question.answerable}):
        group = [m for m in measured if m.question.kind == kind]
        scores[f"recall:{kind}"] = sum(map(abstains, group)) / len(group)
    return scores


def decide(policy: AnswerabilityPolicy, m: Measured) -> Decision:
    """The answerer's decision, including the LLM's verdict when it was measured."""
    decision = policy.decide(m.question.question, m.qtype, m.signals)
    if decision.answerable and m.model_declined:
        decision = policy.after_model_declined(decision)
    return decision


def reasons_table(policy: AnswerabilityPolicy, measured: list[Measured]) -> dict[str, dict]:
    """How often each reason is the one that fires, per kind (answerable: false abstentions)."""
    table: dict[str, dict[str, int]] = {}
    for m in measured:
        reason = decide(policy, m).reason
        row = table.setdefault(f"{m.question.kind}/{m.question.lang}", {})
        row[str(reason or "answered")] = row.get(str(reason or "answered"), 0) + 1
    return table


def calibrate(measured: list[Measured], base: AnswerabilityPolicy | None = None,
              budget: float = FALSE_ABSTENTION_BUDGET,
              log: Callable[[str], None] = lambda _: None) -> tuple[AnswerabilityPolicy,
                                                                      dict[str, float]]:
    """The policy with the best mean recall over unanswerable kinds whose false abstention
    is within ``budget`` in every language."""
    base = base or AnswerabilityPolicy()
    # Similarity thresholds around the base's: each embedder has its own scale (the base comes
    # from Settings.similarity_thresholds); for e5 this is the grid the defaults were chosen on.
    grid = {
        "min_similarity_same": [round(base.min_similarity_same + 0.01 * i, 3)
                                for i in range(9)],
        "min_similarity_cross": [round(base.min_similarity_cross + 0.01 * i, 3)
                                 for i in range(-5, 5)],
        "names_check_below": [round(base.names_check_below + d, 3)
                              for d in (-0.02, 0.0, 0.02, 0.04)] + [1.01],
        "type_check": list(CheckScope),
        "numbers_check": [False, True],
        "count_check": [False, True],
        "min_overlap_same_language": [0.0, 0.15, 0.25, 0.35],
    }
    if any(m.model_declined is not None for m in measured):
        grid["model_decline_same_language"] = [False, True]
        grid["model_decline_cross_below"] = [0.0] + [
            round(base.model_decline_cross_below + d, 3) for d in (-0.02, 0.0, 0.02, 0.04)
        ] + [1.01]
    best: tuple[float, AnswerabilityPolicy, dict[str, float]] | None = None
    names = list(grid)
    for combo in itertools.product(*(grid[n] for n in names)):
        policy = replace(base, **dict(zip(names, combo, strict=True)))
        scores = score_policy(policy, measured)
        if any(v > budget for k, v in scores.items() if k.startswith("false_abstention:")):
            continue
        recalls = [v for k, v in scores.items() if k.startswith("recall:")]
        objective = sum(recalls) / len(recalls) if recalls else 0.0
        if best is None or objective > best[0] + 1e-9:
            best = (objective, policy, scores)
    if best is None:
        log("no policy met the false-abstention budget; keeping the defaults")
        return base, score_policy(base, measured)
    return best[1], best[2]


def policy_settings(policy: AnswerabilityPolicy) -> dict[str, Any]:
    return asdict(policy)
