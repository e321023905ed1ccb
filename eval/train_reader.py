"""`articleqa train-reader`: learn the reader's three models on a question set's tune split.

1. Question type: a multinomial logistic regression from the question's embedding to its coarse
   `asks` label (name / number / date / phrase), on every tune question.
2. Ranker: a conditional logit over the candidates of each question the answerability policy
   lets through (right = matches an accepted answer); its features use out-of-fold question-type
   probabilities, so it learns how far to trust them on questions the type model did not see.
3. Confidence: a logistic regression on features of each ranking, label "the chosen candidate is
   right" (never, for an unanswerable question: any short answer shown there is wrong), fitted
   on out-of-fold rankings. The threshold is the lowest out-of-fold confidence at which the
   share of wrong short answers shown stays within ``max_wrong``: one for picks in the
   question's language, one for picks across languages.
Folds are grouped by article: every out-of-fold number comes from articles the models did not
see. Only the tune split is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from articleqa.eval.dataset import EvalQuestion
from articleqa.eval.metrics import answer_matches
from articleqa.qa.answerer import Answerer
from articleqa.qa.candidates import (
    ASKED_KINDS,
    ASKS_TO_KIND,
    FEATURES,
    AnswerCandidate,
    SentenceView,
    features,
    list_candidates,
)
from articleqa.qa.reader import (
    CONFIDENCE_FEATURES,
    ReaderWeights,
    asked_kinds,
    confidence_features,
    softmax,
)

FOLDS = 5
RANKER_L2 = 1.0


@dataclass(slots=True)
class Example:
    """One tune question as the reader sees it."""

    question: EvalQuestion
    vector: np.ndarray
    passed: bool  # the answerability policy let it through
    views: list[SentenceView] = field(default_factory=list)
    candidates: list[AnswerCandidate] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    qtype: Any = None


def collect(answerer: Answerer, questions: list[EvalQuestion],
            show_progress: bool = True) -> list[Example]:
    out = []
    for q in tqdm(questions, desc="reading", unit="q", disable=not show_progress):
        qtype, decision, views, vector = answerer.reading_views(q.question)
        example = Example(q, np.asarray(vector, dtype=np.float64), decision.answerable,
                          views, qtype=qtype)
        if decision.answerable:
            example.candidates = list_candidates(q.question, qtype, [v.text for v in views])
            example.labels = [int(q.answerable and answer_matches(c.text, q.answers))
                              for c in example.candidates]
        out.append(example)
    return out


def _folds(examples: list[Example]) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import GroupKFold

    groups = [e.question.article or e.question.id for e in examples]
    n = min(FOLDS, len(set(groups)))
    return [(list(a), list(b)) for a, b in GroupKFold(n).split(groups, groups=groups)]


def _fit_asked(examples: list[Example]) -> tuple[tuple[float, ...], ...]:
    from sklearn.linear_model import LogisticRegression

    labelled = [e for e in examples if ASKS_TO_KIND.get(e.question.asks)]
    x = np.stack([e.vector for e in labelled])
    y = [ASKED_KINDS.index(ASKS_TO_KIND[e.question.asks]) for e in labelled]
    model = LogisticRegression(C=10.0, max_iter=3000).fit(x, y)
    rows = np.zeros((len(ASKED_KINDS), x.shape[1] + 1))
    for k, cls in enumerate(model.classes_):
        rows[cls, :-1], rows[cls, -1] = model.coef_[k], model.intercept_[k]
    return tuple(tuple(float(v) for v in row) for row in rows)


def _matrices(example: Example, asked: tuple[float, ...]) -> np.ndarray:
    return np.asarray([features(example.question.question, example.qtype, c, example.views,
                                asked) for c in example.candidates])


def _fit_ranker(groups: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Conditional logit: maximise, per question, the log of the probability mass on its
    right candidates; L2 on every weight but the (meaningless, per question) bias."""
    from scipy.optimize import minimize

    usable = [(x, y) for x, y in groups if y.any()]
    dim = len(FEATURES)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * RANKER_L2 * w[1:] @ w[1:], np.concatenate([[0], RANKER_L2 * w[1:]])
        for x, y in usable:
            z = x @ w
            z -= z.max()
            p = np.exp(z) / np.exp(z).sum()
            pos = p * y
            mass = pos.sum()
            total -= np.log(mass)
            grad -= (pos / mass - p) @ x
        return total, grad

    return minimize(loss, np.zeros(dim), jac=True, method="L-BFGS-B").x


def _ranking_rows(example: Example, x: np.ndarray, w: np.ndarray,
                  asked: tuple[float, ...]) -> tuple[list[float], int]:
    """Confidence features of one question's ranking, and whether its choice is right."""
    logits = list(x @ w)
    best = int(np.argmax(logits))
    row = confidence_features(softmax(logits), logits, best, example.candidates[best],
                              example.views, asked, x[best])
    return row, example.labels[best]


def choose_threshold(scored: list[tuple[float, int]], max_wrong: float
                     ) -> tuple[float, dict[str, float]]:
    """The lowest confidence whose shown short answers are at most ``max_wrong`` wrong (the
    most right answers within the budget); the strictest cut when none is."""
    pairs = sorted(scored, reverse=True)
    best_t, best_right, fallback = 1.0, -1, (1.0, 1.0)
    right = wrong = 0
    for confidence, label in pairs:
        right += label
        wrong += 1 - label
        share = wrong / (right + wrong)
        if share <= max_wrong and right > best_right:
            best_t, best_right = confidence, right
        fallback = min(fallback, (share, confidence))
    if best_right < 0:
        best_t = fallback[1]
    shown = [lab for c, lab in pairs if c >= best_t]
    return best_t, {"shown": len(shown), "right_shown": sum(shown),
                    "wrong_share": round((len(shown) - sum(shown)) / len(shown), 4)
                    if shown else 0.0,
                    "reached": len(pairs), "choice_right": sum(lab for _, lab in pairs)}


def train(examples: list[Example], max_wrong: float, log: Callable[[str], None] | None = None
          ) -> tuple[ReaderWeights, dict[str, Any]]:
    from sklearn.linear_model import LogisticRegression

    folds = _folds(examples)
    oof_asked: dict[int, tuple[float, ...]] = {}
    for train_rows, held in folds:
        rows = _fit_asked([examples[i] for i in train_rows])
        for i in held:
            oof_asked[i] = asked_kinds(rows, examples[i].vector.tolist())
    asked_right = sum(int(np.argmax(oof_asked[i])) == ASKED_KINDS.index(
        ASKS_TO_KIND[e.question.asks]) for i, e in enumerate(examples)
        if ASKS_TO_KIND.get(e.question.asks))
    reached = [i for i, e in enumerate(examples) if e.passed and e.candidates]
    mats = {i: _matrices(examples[i], oof_asked[i]) for i in reached}
    labels = {i: np.asarray(examples[i].labels) for i in reached}
    # Out-of-fold rankings, for the confidence model and the threshold.
    conf_x: list[list[float]] = []
    conf_y: list[int] = []
    conf_fold: list[int] = []
    for k, (train_rows, held) in enumerate(folds):
        w = _fit_ranker([(mats[i], labels[i]) for i in train_rows if i in mats])
        for i in held:
            if i in mats:
                row, right = _ranking_rows(examples[i], mats[i], w, oof_asked[i])
                conf_x.append(row)
                conf_y.append(right)
                conf_fold.append(k)
    cx, cy, cf = np.asarray(conf_x), np.asarray(conf_y), np.asarray(conf_fold)
    oof_conf = np.zeros(len(cy))
    for k in range(len(folds)):
        fit = LogisticRegression(C=1.0, max_iter=2000, fit_intercept=False)
        fit.fit(cx[cf != k], cy[cf != k])
        oof_conf[cf == k] = fit.predict_proba(cx[cf == k])[:, 1]
    # One cut per kind of pick: same language as the question, or across languages (the
    # confidence of a cross-language pick is wrong more often: one shared cut would spend the
    # budget on them).
    cross = cx[:, CONFIDENCE_FEATURES.index("cross_language")] > 0.5
    threshold, summary = choose_threshold(list(zip(oof_conf[~cross].tolist(),
                                                   cy[~cross].tolist(), strict=True)), max_wrong)
    threshold_cross, summary_cross = choose_threshold(
        list(zip(oof_conf[cross].tolist(), cy[cross].tolist(), strict=True)), max_wrong)
    summary = {key: summary[key] + summary_cross[key] for key in
               ("shown", "right_shown", "reached", "choice_right")} | {
        "wrong_share": round(1 - (summary["right_shown"] + summary_cross["right_shown"])
                             / max(1, summary["shown"] + summary_cross["shown"]), 4),
        "same_language": summary, "cross_language": summary_cross}
    # The shipped models: fitted on every tune question.
    asked = _fit_asked(examples)
    ranker = _fit_ranker([(mats[i], labels[i]) for i in reached])
    confidence = LogisticRegression(C=1.0, max_iter=2000, fit_intercept=False).fit(cx, cy)
    summary.update(questions=len(examples), asked_type_right=asked_right,
                   some_candidate_right=int(sum(labels[i].any() for i in reached)),
                   ranker=dict(zip(FEATURES, np.round(ranker, 3).tolist(), strict=True)),
                   confidence=dict(zip(CONFIDENCE_FEATURES,
                                       np.round(confidence.coef_[0], 3).tolist(),
                                       strict=True)))
    if log:
        log(f"out of fold: question type right for {asked_right} of {len(examples)}; "
            f"{summary['choice_right']} of {summary['reached']} choices right "
            f"({summary['some_candidate_right']} had a right candidate); at confidence >= "
            f"{threshold:.3f} (across languages {threshold_cross:.3f}): {summary['shown']} "
            f"shown, {summary['wrong_share']:.1%} wrong")
    return ReaderWeights(tuple(float(v) for v in ranker),
                         tuple(float(v) for v in confidence.coef_[0]), float(threshold),
                         asked, float(threshold_cross), summary=summary), summary
