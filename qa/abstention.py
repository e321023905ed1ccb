"""Deciding that the article does not hold the answer, from evidence we can explain.

Calibrated on the dev questions (eval/questions/dev.jsonl) with multilingual-e5-small; see the
README's "Abstention" table. Three independent reasons, any one of which abstains:

1. weak match: the best sentence's cosine similarity to the question is below ``min_similarity``
   (e5 similarities are compressed: unrelated text still scores ~0.75);
2. unknown names: the question names people/places, and none of them occurs in the corpus;
3. same-language mismatch: question and article share a language, yet few of the question's
   content words appear in the best sentence and the match is not strong.
"""

from __future__ import annotations

from dataclasses import dataclass

from articleqa.index.text import content_words, name_runs, stem
from articleqa.qa.extractive import ScoredSentence


@dataclass(frozen=True, slots=True)
class AbstentionPolicy:
    """Thresholds; defaults are the calibrated ones for multilingual-e5-small."""

    min_similarity: float = 0.80
    min_overlap_same_language: float = 0.25
    strong_similarity: float = 0.85

    def reason(self, question: str, question_language: str, best: ScoredSentence | None,
               corpus_vocabulary: set[str], source_language: str) -> str | None:
        """Why to abstain, or None to answer."""
        if best is None:
            return "nothing was retrieved"
        if best.similarity < self.min_similarity:
            return f"best match {best.similarity:.3f} < {self.min_similarity}"
        names = question_names(question)
        if names and not any(stem(n) in corpus_vocabulary for n in names):
            return f"the article never mentions {', '.join(sorted(names))}"
        if (question_language == source_language
                and best.overlap < self.min_overlap_same_language
                and best.similarity < self.strong_similarity):
            return (f"few question words in the best sentence ({best.overlap:.2f}) and "
                    f"a weak match ({best.similarity:.3f})")
        return None


def question_names(question: str) -> set[str]:
    """Folded capitalised words that are not the question's first word (likely names)."""
    return {name for run in name_runs(question) for name in run}


def corpus_vocabulary(texts: list[str]) -> set[str]:
    """5-letter stems of every content word of the corpus (what question_names is checked on)."""
    vocabulary: set[str] = set()
    for text in texts:
        vocabulary |= content_words(text)
    return vocabulary
