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
4. With ``--llm``, the LLM's vote (``qa.chooser``) on the options an out-of-fold ranker gives:
   the mix of ranker logit and LLM log-probability that makes the most picks right, and a
   confidence model (with its two cuts) for the joint pick, fitted out of fold the same way.
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
from articleqa.qa.bridge import WordVectors
from articleqa.qa.candidates import (
    ASKED_KINDS,
    ASKS_TO_KIND,
    FEATURES,
    AnswerCandidate,
    SentenceView,
    features,
    list_candidates,
)
from articleqa.qa.chooser import CandidateChooser
from articleqa.qa.reader import (
    CONFIDENCE_FEATURES,
    VOTE_FEATURES,
    ReaderWeights,
    VoteWeights,
    asked_kinds,
    confidence_features,
    option_indices,
    softmax,
    voted_pick,
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
    rows[:, -1] = -30.0  # a kind no tune question asks for is never predicted
    if len(model.classes_) == 2:  # one row of weights: P(second) = sigmoid(w·x + b)
        rows[model.classes_[0]] = 0.0
        rows[model.classes_[1], :-1], rows[model.classes_[1], -1] = model.coef_[0], \
            model.intercept_[0]
    else:
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


def _ranking_rows(example: Example, x: np.ndarray, scores: np.ndarray,
                  asked: tuple[float, ...] | None) -> tuple[list[float], int]:
    """Confidence features of one question's ranking, and whether its choice is right."""
    logits = list(scores)
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


@dataclass(slots=True)
class OutOfFold:
    """Every model's out-of-fold view of the tune questions (folds grouped by article)."""

    folds: list[tuple[list[int], list[int]]]
    asked: dict[int, tuple[float, ...] | None]
    mats: dict[int, np.ndarray]  # candidate features, for questions the reader reads
    labels: dict[int, np.ndarray]
    logits: dict[int, np.ndarray]  # ranker logits from a ranker that never saw the article
    fold_of: dict[int, int]  # question -> the fold holding it


def out_of_fold(examples: list[Example]) -> OutOfFold:
    folds = _folds(examples)
    oof_asked: dict[int, tuple[float, ...] | None] = {}
    for train_rows, held in folds:
        rows = _fit_asked([examples[i] for i in train_rows])
        for i in held:
            oof_asked[i] = asked_kinds(rows, examples[i].vector.tolist())
    reached = [i for i, e in enumerate(examples) if e.passed and e.candidates]
    mats = {i: _matrices(examples[i], oof_asked[i]) for i in reached}
    labels = {i: np.asarray(examples[i].labels) for i in reached}
    logits: dict[int, np.ndarray] = {}
    for train_rows, held in folds:
        w = _fit_ranker([(mats[i], labels[i]) for i in train_rows if i in mats])
        for i in held:
            if i in mats:
                logits[i] = mats[i] @ w
    fold_of = {i: k for k, (_, held) in enumerate(folds) for i in held}
    return OutOfFold(folds, oof_asked, mats, labels, logits, fold_of)


def collect_votes(chooser: CandidateChooser, examples: list[Example], oof: OutOfFold,
                  vectors: WordVectors, show_progress: bool = True
                  ) -> dict[int, tuple[float, ...]]:
    """The LLM's vote on each read question, over the options an out-of-fold ranker gives
    (what the shipped reader will give it on articles it never saw)."""
    votes = {}
    for i in tqdm(sorted(oof.logits), desc="LLM votes", unit="q", disable=not show_progress):
        e = examples[i]
        options = [e.candidates[j] for j in option_indices(list(oof.logits[i]), e.candidates)]
        votes[i] = chooser.vote(e.question.question, e.question.lang, options, e.views,
                                vectors).probabilities
    return votes


def train(examples: list[Example], max_wrong: float, log: Callable[[str], None] | None = None,
          votes: dict[int, tuple[float, ...]] | None = None
          ) -> tuple[ReaderWeights, dict[str, Any]]:
    """The reader's models; with ``votes`` (``collect_votes``) also how to weigh the LLM's."""
    from sklearn.linear_model import LogisticRegression

    oof = out_of_fold(examples)
    folds, oof_asked, mats, labels = oof.folds, oof.asked, oof.mats, oof.labels
    asked_right = sum(int(np.argmax(oof_asked[i])) == ASKED_KINDS.index(
        ASKS_TO_KIND[e.question.asks]) for i, e in enumerate(examples)
        if ASKS_TO_KIND.get(e.question.asks))
    reached = sorted(mats)
    # Out-of-fold rankings, for the confidence model and the threshold.
    conf_x: list[list[float]] = []
    conf_y: list[int] = []
    conf_fold: list[int] = []
    for i in reached:
        row, right = _ranking_rows(examples[i], mats[i], oof.logits[i], oof_asked[i])
        conf_x.append(row)
        conf_y.append(right)
        conf_fold.append(oof.fold_of[i])
    cx, cy, cf = np.asarray(conf_x), np.asarray(conf_y), np.asarray(conf_fold)
    oof_conf = _oof_probabilities(cx, cy, cf, len(folds))
    cross = cx[:, CONFIDENCE_FEATURES.index("cross_language")] > 0.5
    threshold, threshold_cross, summary = _cuts(oof_conf, cy, cross, max_wrong)
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
    vote = None
    if votes:
        vote, summary["vote"] = _train_vote(examples, oof, votes, max_wrong)
        if log:
            v = summary["vote"]
            log(f"with the LLM's vote (mix {vote.mix}): {v['choice_right']} of {v['reached']} "
                f"choices right; at confidence >= {vote.threshold:.3f} (across languages "
                f"{vote.threshold_cross:.3f}): {v['shown']} shown, {v['wrong_share']:.1%} wrong")
    return ReaderWeights(tuple(float(v) for v in ranker),
                         tuple(float(v) for v in confidence.coef_[0]), float(threshold),
                         asked, float(threshold_cross), summary=summary, vote=vote), summary


def _oof_probabilities(x: np.ndarray, y: np.ndarray, fold: np.ndarray, folds: int
                       ) -> np.ndarray:
    """Out-of-fold P(right) of a logistic model (the bias is a feature of its own)."""
    from sklearn.linear_model import LogisticRegression

    out = np.zeros(len(y))
    for k in range(folds):
        if not (fold == k).any():
            continue
        fit = LogisticRegression(C=1.0, max_iter=2000, fit_intercept=False)
        fit.fit(x[fold != k], y[fold != k])
        out[fold == k] = fit.predict_proba(x[fold == k])[:, 1]
    return out


def _cuts(confidence: np.ndarray, right: np.ndarray, cross: np.ndarray, max_wrong: float
          ) -> tuple[float, float, dict[str, Any]]:
    """One cut per kind of pick: same language as the question, or across languages (the
    confidence of a cross-language pick is wrong more often: one shared cut would spend the
    budget on them)."""
    threshold, same = choose_threshold(list(zip(confidence[~cross].tolist(),
                                                right[~cross].tolist(), strict=True)), max_wrong)
    threshold_cross, across = choose_threshold(
        list(zip(confidence[cross].tolist(), right[cross].tolist(), strict=True)), max_wrong)
    summary = {key: same[key] + across[key] for key in
               ("shown", "right_shown", "reached", "choice_right")} | {
        "wrong_share": round(1 - (same["right_shown"] + across["right_shown"])
                             / max(1, same["shown"] + across["shown"]), 4),
        "same_language": same, "cross_language": across}
    return threshold, threshold_cross, summary


MIXES = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


def _train_vote(examples: list[Example], oof: OutOfFold, votes: dict[int, tuple[float, ...]],
                max_wrong: float) -> tuple[VoteWeights, dict[str, Any]]:
    """How much the LLM's vote weighs (the mix that makes the most out-of-fold picks right)
    and the confidence of the joint pick, with its cuts."""
    from sklearn.linear_model import LogisticRegression

    voted = sorted(i for i in votes if i in oof.logits)

    def picks(mix: float) -> list[tuple[int, int, list[float]]]:
        out = []
        for i in voted:
            logits = list(oof.logits[i])
            indices = option_indices(logits, examples[i].candidates)
            pick, row = voted_pick(logits, indices, votes[i], mix, int(np.argmax(logits)))
            out.append((i, pick, row))
        return out

    def right(mix: float) -> int:
        return sum(int(oof.labels[i][pick]) for i, pick, _ in picks(mix))

    right_by_mix = {m: right(m) for m in MIXES}
    mix = max(MIXES, key=lambda m: (right_by_mix[m], -m))
    x, y, fold = [], [], []
    for i, pick, row in picks(mix):
        e, logits = examples[i], list(oof.logits[i])
        x.append(confidence_features(softmax(logits), logits, pick, e.candidates[pick], e.views,
                                     oof.asked[i], oof.mats[i][pick]) + row)
        y.append(int(oof.labels[i][pick]))
        fold.append(oof.fold_of[i])
    vx, vy, vf = np.asarray(x), np.asarray(y), np.asarray(fold)
    confidence = _oof_probabilities(vx, vy, vf, len(oof.folds))
    cross = vx[:, CONFIDENCE_FEATURES.index("cross_language")] > 0.5
    threshold, threshold_cross, summary = _cuts(confidence, vy, cross, max_wrong)
    fit = LogisticRegression(C=1.0, max_iter=2000, fit_intercept=False).fit(vx, vy)
    summary.update(mix=mix, right_by_mix=right_by_mix,
                   confidence=dict(zip(CONFIDENCE_FEATURES + VOTE_FEATURES,
                                       np.round(fit.coef_[0], 3).tolist(), strict=True)))
    return VoteWeights(mix, tuple(float(v) for v in fit.coef_[0]), float(threshold),
                       float(threshold_cross)), summary
