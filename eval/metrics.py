"""Metric functions: pure, small, and tested on hand-made cases."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from articleqa.index.text import fold

_MARKER = re.compile(r"\[\d+\]")


def normalise(text: str) -> str:
    """Case- and accent-insensitive, punctuation to spaces, apostrophes unified."""
    return " ".join(re.findall(r"\w+", fold(_MARKER.sub(" ", text))))


def answer_matches(answer: str, acceptable: Sequence[str]) -> bool:
    """Any acceptable answer occurs in ``answer`` on word boundaries."""
    haystack = f" {normalise(answer)} "
    return any(f" {normalise(a)} " in haystack for a in acceptable if normalise(a))


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD-style token F1."""
    pred, ref = normalise(prediction).split(), normalise(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, golds: Sequence[str]) -> float:
    return max((token_f1(prediction, g) for g in golds), default=0.0)


def hit_rank(passage_texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first passage containing any evidence string."""
    for rank, text in enumerate(passage_texts, start=1):
        if any(e in text for e in evidence):
            return rank
    return None


def hit_at(ranks: Sequence[int | None], k: int) -> float:
    return sum(r is not None and r <= k for r in ranks) / len(ranks) if ranks else math.nan


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    return sum(1 / r for r in ranks if r) / len(ranks) if ranks else math.nan


def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evidence_spans(source_text: str, evidence: Sequence[str]) -> list[tuple[int, int]]:
    """Every occurrence of every evidence string in ``source_text``."""
    spans = []
    for e in evidence:
        start = source_text.find(e)
        while start >= 0:
            spans.append((start, start + len(e)))
            start = source_text.find(e, start + 1)
    return spans


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def short_answer_words(short: str | None) -> int:
    """Words of a short answer, its [n] markers left out."""
    return len(re.findall(r"\w+", _MARKER.sub("", short or "")))


def latency_ms(seconds: Sequence[float], digits: int = 2) -> dict[str, float]:
    """p50/p95 of timings in seconds, reported in milliseconds, and how many there were."""
    return {"p50_ms": round(percentile(seconds, 50) * 1000, digits),
            "p95_ms": round(percentile(seconds, 95) * 1000, digits), "n": len(seconds)}


def ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else math.nan
