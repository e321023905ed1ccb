"""The citation guard: every generated sentence must be cited, and the cited text must say it.

The bundled 1.5B model copies passages, mixes Italian into English answers, cites passages
that do not exist, and sometimes attributes a fact to the wrong person. Nothing it writes
reaches the user unchecked. For each sentence of a generated answer the guard:

- drops citation numbers outside the passage range;
- checks the claim against the cited passage: one of its sentences must be semantically close
  to the claim, share content words with it (half of them when both are in the same language),
  and contain every name and number of the claim;
- re-cites a claim that another passage supports, and removes a claim that none supports;
- rejects the whole answer when it declines to answer, is in the wrong language, or copies a
  passage wholesale; the caller then falls back to the extractive answer.

Each action is recorded as a line in ``GuardResult.actions``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from articleqa.index.text import detect_language, fold, name_runs, sentence_spans, stem, stems
from articleqa.qa.extractive import ScoredSentence, SentenceScorer
from articleqa.qa.types import Citation, Passage

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_DECLINES = ("does not say", "doesn't say", "non lo dice", "not mentioned", "non è menzionat",
             "no information", "nessuna informazione", "cannot answer", "non specifica")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass(slots=True)
class GuardResult:
    """The repaired answer, or ``ok=False`` with the reason to fall back."""

    ok: bool
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    min_similarity: float = 0.80  # claim vs best sentence of the cited passage (e5 cosine)
    # e5 rates any sentence ~0.8 similar to a short generic claim ("The article is about
    # football" vs a tweet signature: 0.838), so a claim must also share a content word.
    min_overlap: float = 0.15
    # In the article's own language a paraphrase keeps most content words; "Kaja Kallas ha
    # spiegato che i piani sono reali" (Healey said it) shares only the names with the Kallas
    # sentence (0.18), "La coalizione è guidata da Healey" 0.4 with the Healey sentence.
    min_overlap_same_language: float = 0.5
    copy_ratio: float = 0.90  # a claim this close to a passage sentence is a copy…
    copy_min_chars: int = 120  # …when it is at least this long


def key_terms(text: str) -> list[frozenset[str]]:
    """The facts a claim hangs on: numbers, and names (runs of capitalised words after the
    first word, as 5-letter stems). A run is one name: "John Healey" is matched by "Healey"."""
    numbers = [frozenset([n]) for n in _NUMBER.findall(text)]
    return numbers + [frozenset(stem(name) for name in run) for run in name_runs(text)]


def _missing_terms(claim: str, evidence: str) -> list[frozenset[str]]:
    """Key terms of ``claim`` that ``evidence`` does not contain."""
    haystack = fold(evidence)
    present = stems(haystack)
    missing = []
    for group in key_terms(claim):
        term = next(iter(group))
        if term[0].isdigit():
            if term not in haystack and term.replace(",", ".") not in haystack:
                missing.append(group)
        elif not group & present:
            missing.append(group)
    return missing


def guard_answer(generated: str, question_language: str, passages: list[Passage],
                 scorer: SentenceScorer, policy: GuardPolicy | None = None) -> GuardResult:
    """Check ``generated`` against the numbered ``passages`` (1-based) it was written from."""
    policy = policy or GuardPolicy()
    actions: list[str] = []
    plain = _MARKER.sub("", generated).strip()
    if not plain:
        return GuardResult(False, actions=["empty answer"])
    if any(phrase in plain.casefold() for phrase in _DECLINES):
        return GuardResult(False, actions=["model said the passages do not answer"])
    if len(plain.split()) >= 5 and detect_language(plain) not in (question_language, "other"):
        return GuardResult(False, actions=[f"answer not in the question's language "
                                           f"({question_language})"])
    kept: list[tuple[str, ScoredSentence]] = []
    for span in sentence_spans(generated):
        sentence = generated[span.start:span.end]
        numbers = [int(n) for group in _MARKER.findall(sentence)
                   for n in re.split(r"\s*[,;]\s*", group)]
        claim = _MARKER.sub("", sentence).strip()
        claim = re.sub(r"\s+([.,;:!?])", r"\1", claim)
        if not any(ch.isalnum() for ch in claim):
            continue
        valid = [n for n in numbers if 1 <= n <= len(passages)]
        for n in sorted(set(numbers) - set(valid)):
            actions.append(f"dropped citation [{n}]: there are only {len(passages)} passages")
        support = _best_support(claim, [passages[n - 1] for n in valid], scorer, policy)
        if support is None:
            others = [p for i, p in enumerate(passages, 1) if i not in valid]
            support = _best_support(claim, others, scorer, policy)
            if support is None:
                actions.append(f"removed unsupported sentence: {claim!r}")
                continue
            actions.append(f"{'re-cited' if valid else 'cited'} sentence: {claim!r}")
        if (len(claim) >= policy.copy_min_chars and SequenceMatcher(
                None, fold(claim), fold(support.text)).ratio() >= policy.copy_ratio):
            return GuardResult(False, actions=actions + ["answer copies a passage wholesale"])
        kept.append((claim, support))
    if not kept:
        return GuardResult(False, actions=actions + ["no supported sentence left"])
    citations: list[Citation] = []
    parts: list[str] = []
    for claim, support in kept:
        existing = next((c for c in citations if (c.source, c.start) ==
                         (support.passage.source, support.start)), None)
        if existing is None:
            existing = Citation(len(citations) + 1, support.passage.id, support.passage.source,
                                support.start, support.end, support.text)
            citations.append(existing)
        parts.append(f"{claim} [{existing.n}]")
    return GuardResult(True, " ".join(parts), citations, actions)


def _best_support(claim: str, passages: list[Passage], scorer: SentenceScorer,
                  policy: GuardPolicy) -> ScoredSentence | None:
    """The sentence of ``passages`` that best supports ``claim``, if any does."""
    if not passages:
        return None
    claim_language = detect_language(claim)
    same_language = {p.id: detect_language(p.text) == claim_language for p in passages}
    for sentence in scorer.score(claim, passages):
        if sentence.similarity < policy.min_similarity:
            break
        # Names and numbers are checked against the supporting sentence itself, not the whole
        # passage: "Kallas said X" must not pass because Kallas appears a sentence earlier.
        needed = (policy.min_overlap_same_language if same_language[sentence.passage.id]
                  else policy.min_overlap)
        if sentence.overlap >= needed and not _missing_terms(claim, sentence.text):
            return sentence
    return None
