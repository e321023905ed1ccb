"""The reader: picks the short answer among the candidates, with a confidence.

Three small learned models, all trained on a question set's tune split by ``articleqa
train-reader`` (``eval.train_reader``) and shipped in ``reader_weights.json`` beside this module;
nothing here is set by hand:

- a **question-type model**: from the question's embedding, the probability that it asks for a
  name, a number, a date or a phrase (``candidates.ASKED_KINDS``); it reads any language the
  embedder reads, where word rules only know the phrasings someone wrote down;
- a **ranker** (a conditional logit over ``candidates.FEATURES``): the candidates of one
  question compete, the best is the short answer;
- a **confidence model** (logistic, over ``CONFIDENCE_FEATURES`` of the ranking): the chance the
  chosen candidate is right. Below ``threshold`` no short answer is shown: the user gets the
  quote with the best candidate marked, because a wrong short answer looks exactly like a right
  one.

With an LLM, ``reconsider`` weighs its vote (``qa.chooser``) over the reader's best ``OPTIONS``
candidates: the pick maximises the ranker's logit plus ``mix`` times the log of the LLM's
probability, and a fourth model (``VoteWeights``, over the confidence features and
``VOTE_FEATURES``) gives its confidence and cut. Trained by ``articleqa train-reader --llm``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from articleqa.choices import EmbedModel
from articleqa.errors import UserError
from articleqa.qa.answer_types import QuestionType
from articleqa.qa.candidates import (
    ASKED_KINDS,
    FEATURES,
    AnswerCandidate,
    SentenceView,
    features,
    list_candidates,
)

WEIGHTS_FILE = Path(__file__).with_name("reader_weights.json")  # e5's, and the fallback


def weights_file(embed_model: str) -> Path:
    """Where the weights for ``embed_model`` live: its similarities have their own scale, so
    each named embedder gets its own file (``reader_weights.embeddinggemma.json``); e5 and
    any other model use the e5 file."""
    named = EmbedModel.named(embed_model)
    if named is None or named == EmbedModel.E5:
        return WEIGHTS_FILE
    return WEIGHTS_FILE.with_name(f"reader_weights.{named.value.replace('+', '_')}.json")
CONFIDENCE_FEATURES = ("bias", "top_p", "margin", "top_logit", "asked_p", "similarity",
                       "best_similarity", "overlap", "cross_language", "from_best_sentence",
                       "log_candidates", "window_overlap", "near_first")
VOTE_FEATURES = ("llm_p", "llm_log_p", "llm_none", "llm_first", "reader_first")
OPTIONS = 4  # candidates the LLM chooses among (its prompt grows with each)
_OF_CHOICE = [FEATURES.index(name) for name in ("asked_kind_p", "window_overlap", "near_first")]


class ReaderWeightsError(UserError, ValueError):
    """The reader's weights file is missing or does not fit the features."""


@dataclass(frozen=True, slots=True)
class VoteWeights:
    """How the reader weighs the LLM's vote: ``mix`` scales the log of the LLM's probability
    added to the ranker's logit; ``confidence`` (over CONFIDENCE_FEATURES + VOTE_FEATURES) and
    the two cuts replace the reader's own when the LLM voted."""

    mix: float
    confidence: tuple[float, ...]
    threshold: float
    threshold_cross: float

    def to_dict(self) -> dict:
        return {"mix": self.mix, "confidence": list(self.confidence),
                "threshold": self.threshold, "threshold_cross": self.threshold_cross}


@dataclass(frozen=True, slots=True)
class ReaderWeights:
    """The three models, and how to weigh an LLM's vote (``vote``). ``asked`` has one row
    per ASKED_KINDS (embedding weights, then the bias); empty means no question-type model
    (uniform probabilities)."""

    ranker: tuple[float, ...]
    confidence: tuple[float, ...]
    threshold: float
    asked: tuple[tuple[float, ...], ...] = ()
    # For a pick from a sentence in another language than the question: across languages the
    # same confidence is wrong more often, so the wrong-share budget gets its own cut.
    threshold_cross: float | None = None
    trained_on: str = ""
    summary: dict = field(default_factory=dict)
    vote: VoteWeights | None = None  # None: trained without an LLM; its vote is not weighed

    def to_json(self) -> str:
        return json.dumps({"features": list(FEATURES), "ranker": list(self.ranker),
                           "confidence_features": list(CONFIDENCE_FEATURES),
                           "confidence": list(self.confidence), "threshold": self.threshold,
                           "threshold_cross": self.threshold_cross,
                           "asked_kinds": list(ASKED_KINDS),
                           "asked": [list(row) for row in self.asked],
                           "vote_features": list(VOTE_FEATURES),
                           "vote": self.vote.to_dict() if self.vote else None,
                           "trained_on": self.trained_on, "summary": self.summary})

    def cut(self, view: SentenceView, voted: bool = False) -> float:
        """The confidence a pick from ``view`` needs to be shown (``voted``: the LLM's vote
        was weighed, so the vote model's cut applies)."""
        if voted and self.vote is not None:
            return self.vote.threshold_cross if view.cross_language else self.vote.threshold
        if view.cross_language and self.threshold_cross is not None:
            return self.threshold_cross
        return self.threshold

    @classmethod
    def untrained(cls) -> ReaderWeights:
        """Zero weights: every candidate equal (what training starts from)."""
        return cls((0.0,) * len(FEATURES), (0.0,) * len(CONFIDENCE_FEATURES), 0.0)


def load_weights(path: Path = WEIGHTS_FILE) -> ReaderWeights:
    """The shipped (or given) weights; a file for other features is refused, not misread."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReaderWeightsError(f"cannot read the reader's weights {path}: {exc}; retrain "
                                 "them with `articleqa train-reader`") from exc
    vote = data.get("vote")
    if data.get("features") != list(FEATURES) or \
            data.get("confidence_features") != list(CONFIDENCE_FEATURES) or \
            (vote and data.get("vote_features") != list(VOTE_FEATURES)):
        raise ReaderWeightsError(f"{path} was trained for other features; retrain with "
                                 "`articleqa train-reader`")
    return ReaderWeights(tuple(map(float, data["ranker"])), tuple(map(float, data["confidence"])),
                         float(data["threshold"]),
                         tuple(tuple(map(float, row)) for row in data.get("asked", [])),
                         float(cross) if (cross := data.get("threshold_cross")) is not None
                         else None,
                         str(data.get("trained_on", "")), dict(data.get("summary", {})),
                         VoteWeights(float(vote["mix"]), tuple(map(float, vote["confidence"])),
                                     float(vote["threshold"]), float(vote["threshold_cross"]))
                         if vote else None)


@dataclass(frozen=True, slots=True)
class _Ranking:
    """What a reading was chosen from, kept so the LLM's vote can be weighed in after."""

    found: list[AnswerCandidate]
    rows: list[list[float]]
    logits: list[float]
    views: list[SentenceView]
    asked: tuple[float, ...] | None
    best: int
    options: tuple[int, ...]  # indices into ``found`` of the Reading's options


@dataclass(frozen=True, slots=True)
class Reading:
    """The reader's choice: the best candidate (None when there is none), its confidence,
    and whether that is enough to show it as the short answer. ``options``: its best few
    candidates in reading order, what an LLM may choose among; ``voted``: the LLM's vote was
    weighed in."""

    candidate: AnswerCandidate | None
    confidence: float
    confident: bool
    options: tuple[AnswerCandidate, ...] = ()
    voted: bool = False
    ranking: _Ranking | None = field(default=None, repr=False, compare=False)


def dot(weights: Sequence[float], vector: Sequence[float]) -> float:
    return sum(w * x for w, x in zip(weights, vector, strict=True))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def softmax(values: Sequence[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def asked_kinds(rows: tuple[tuple[float, ...], ...], vector: Sequence[float] | None
                ) -> tuple[float, ...] | None:
    """P(each ASKED_KINDS) for a question vector; None without a model or a vector of the
    model's size (another embedder)."""
    if not rows or vector is None or len(vector) + 1 != len(rows[0]):
        return None
    return tuple(softmax([dot(row[:-1], vector) + row[-1] for row in rows]))


def confidence_features(probabilities: list[float], logits: list[float], best: int,
                        candidate: AnswerCandidate, views: list[SentenceView],
                        asked: tuple[float, ...] | None, chosen: Sequence[float]
                        ) -> list[float]:
    """What the confidence model sees of one ranking; ``chosen``: the chosen candidate's
    features (FEATURES order)."""
    ranked = sorted(probabilities, reverse=True)
    view = views[candidate.sentence]
    asked_p, context, near_first = (chosen[i] for i in _OF_CHOICE)
    return [1.0, ranked[0], ranked[0] - (ranked[1] if len(ranked) > 1 else 0.0), logits[best],
            asked_p if asked else 0.25, view.similarity, max(v.similarity for v in views),
            view.overlap, float(view.cross_language), float(view.rank == 0),
            math.log(len(probabilities)), context, near_first]


class Reader:
    """Chooses among the candidates of the sentences it is given."""

    def __init__(self, weights: ReaderWeights | None = None, embed_model: str = "e5") -> None:
        self._weights = weights
        self._embed_model = embed_model

    @property
    def weights(self) -> ReaderWeights:
        if self._weights is None:  # read on first use: a missing file fails the first answer
            own = weights_file(self._embed_model)
            self._weights = load_weights(own if own.exists() else WEIGHTS_FILE)
        return self._weights

    def read(self, question: str, qtype: QuestionType, views: list[SentenceView],
             question_vector: Sequence[float] | None = None) -> Reading:
        found = list_candidates(question, qtype, [v.text for v in views])
        if not found:
            return Reading(None, 0.0, False)
        w = self.weights
        asked = asked_kinds(w.asked, question_vector)
        rows = [features(question, qtype, c, views, asked) for c in found]
        logits = [dot(w.ranker, row) for row in rows]
        probabilities = softmax(logits)
        best = max(range(len(found)), key=lambda i: (logits[i], -found[i].sentence,
                                                    -found[i].start))
        confidence = sigmoid(dot(w.confidence, confidence_features(
            probabilities, logits, best, found[best], views, asked, rows[best])))
        ranking = _Ranking(found, rows, logits, views, asked, best,
                           tuple(option_indices(logits, found)))
        return Reading(found[best], confidence, confidence >= w.cut(views[found[best].sentence]),
                       tuple(found[i] for i in ranking.options), ranking=ranking)

    def reconsider(self, reading: Reading, probabilities: Sequence[float]) -> Reading:
        """``reading`` with the LLM's vote weighed in: ``probabilities`` for each of its
        options then "none of these" (``qa.chooser.Choice``). Unchanged when the weights were
        trained without an LLM, or there was nothing to choose from."""
        vote, ranking = self.weights.vote, reading.ranking
        if vote is None or ranking is None or len(probabilities) != len(reading.options) + 1:
            return reading
        pick, row = voted_pick(ranking.logits, ranking.options, probabilities, vote.mix,
                               ranking.best)
        features_row = confidence_features(softmax(ranking.logits), ranking.logits, pick,
                                           ranking.found[pick], ranking.views, ranking.asked,
                                           ranking.rows[pick]) + row
        confidence = sigmoid(dot(vote.confidence, features_row))
        view = ranking.views[ranking.found[pick].sentence]
        return replace(reading, candidate=ranking.found[pick], confidence=confidence,
                       confident=confidence >= self.weights.cut(view, voted=True), voted=True)


def option_indices(logits: Sequence[float], found: Sequence[AnswerCandidate]) -> list[int]:
    """The ``OPTIONS`` best-scored candidates (indices into ``found``), in reading order: the
    order the LLM sees them in, which says nothing of the reader's preference."""
    best = sorted(range(len(found)), key=lambda i: -logits[i])[:OPTIONS]
    return sorted(best, key=lambda i: (found[i].sentence, found[i].start))


def voted_pick(logits: Sequence[float], indices: Sequence[int], probabilities: Sequence[float],
               mix: float, reader_best: int) -> tuple[int, list[float]]:
    """The candidate (index into the ranking) the reader and the LLM's vote choose together,
    and the VOTE_FEATURES of that pick."""
    scores = [logits[i] + mix * math.log(probabilities[k] + 1e-6)
              for k, i in enumerate(indices)]
    k = max(range(len(indices)), key=lambda n: scores[n])
    p = probabilities[k]
    llm_first = max(range(len(probabilities)), key=lambda n: probabilities[n]) == k
    return indices[k], [p, math.log(p + 1e-6), probabilities[-1], float(llm_first),
                        float(indices[k] == reader_best)]
