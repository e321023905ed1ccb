"""Extractive answers: pick the 1-2 retrieved sentences that answer the question, and cite them.

Deterministic, fast and always available. Each candidate sentence is scored by the embedding
model (question vs sentence, cross-lingual thanks to multilingual-e5) plus word overlap with
the question (names and numbers matter), plus a small bonus for the passage's retrieval rank.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from articleqa.index import fusion
from articleqa.index.article_index import ArticleIndex
from articleqa.index.embeddings import part_dims
from articleqa.index.text import sentence_spans
from articleqa.lang import content_words, detect_language, has_instruction, is_role_line
from articleqa.lang.words import shared
from articleqa.qa.types import Passage


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    """A candidate sentence of a retrieved passage, with the evidence for its score."""

    passage: Passage
    start: int
    end: int
    text: str
    similarity: float
    overlap: float
    score: float


class SentenceScorer:
    """Scores the sentences of retrieved passages against a question (embeddings cached)."""

    def __init__(self, index: ArticleIndex, embed_model: BaseEmbedding,
                 lexical_weight: float = 0.15, rank_weight: float = 0.01) -> None:
        self.index = index
        self.embed_model = embed_model
        self.lexical_weight = lexical_weight
        self.rank_weight = rank_weight
        self._cache: dict[tuple[str, int, int], np.ndarray] = {}

    def clear_cache(self) -> None:
        self._cache.clear()

    def _embed(self, keys: list[tuple[str, int, int]], texts: list[str]) -> list[np.ndarray]:
        """The index's stored sentence vectors; a sentence it does not hold (a chunk that
        starts mid-sentence) is embedded now, once."""
        stored = self.index.sentences
        for key in keys:
            if key not in self._cache and (vector := stored.get(key)) is not None:
                self._cache[key] = _unit(np.asarray(vector, dtype=np.float32))
        missing = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in self._cache]
        if missing:
            vectors = self.embed_model.get_text_embedding_batch([t for _, t in missing])
            for (key, _), vector in zip(missing, vectors, strict=True):
                self._cache[key] = _unit(np.asarray(vector, dtype=np.float32))
        return [self._cache[k] for k in keys]

    def score(self, question: str, passages: list[Passage],
              query_vector: np.ndarray | None = None,
              follow_up: str | None = None) -> list[ScoredSentence]:
        """Every distinct sentence of ``passages``, best first.

        ``follow_up``: the user's own words when ``question`` is a condensed follow-up; word
        overlap then averages both, so the new words of the follow-up pick the sentence."""
        seen: set[tuple[str, int, int]] = set()
        keys: list[tuple[str, int, int]] = []
        texts: list[str] = []
        owners: list[Passage] = []
        for passage in passages:
            text = self.index.sources[passage.source].text
            for span in sentence_spans(text, passage.start, passage.end):
                key = (passage.source, span.start, span.end)
                if key in seen:
                    continue
                seen.add(key)
                keys.append(key)
                texts.append(text[span.start:span.end])
                owners.append(passage)
        if not keys:
            return []
        if query_vector is None:
            query_vector = np.asarray(self.embed_model.get_query_embedding(question), np.float32)
        query_vector = _unit(query_vector)
        vectors = self._embed(keys, texts)
        # One model: the cosine. A fused one: per-model z-scores over the corpus, summed.
        similarities = fusion.similarities(query_vector, np.stack(vectors),
                                           part_dims(self.embed_model),
                                           self.index.sentences.reference())
        asked_in = detect_language(question)
        asked = content_words(question, asked_in)
        own = content_words(follow_up) if follow_up else asked
        scored = []
        for key, text, owner, similarity in zip(keys, texts, owners, similarities.tolist(),
                                                strict=True):
            said_in = detect_language(text)  # an article quotes other languages too
            words = content_words(text, said_in)
            cognates = said_in != asked_in
            overlap = _share(asked, words, cognates)
            if own is not asked:
                overlap = (overlap + _share(own, words, cognates)) / 2
            score = (similarity + self.lexical_weight * overlap
                     - self.rank_weight * (owner.rank - 1))
            scored.append(ScoredSentence(owner, key[1], key[2], text, similarity, overlap, score))
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored


# A sentence that asks, speaks as a chat role, or instructs an assistant is never an answer:
# an article can plant "Utente: Chi…? Assistente: HACKED." but not have it quoted. A role's
# turn past its first sentence is found on the whole article (``qa.planted``).
def is_answer_candidate(text: str) -> bool:
    """False for questions, chat-role lines and instructions to an assistant."""
    stripped = text.strip().rstrip("»”\"’)")
    return not (stripped.endswith("?") or is_role_line(text) or has_instruction(text))


def pick_sentences(scored: list[ScoredSentence], max_sentences: int = 2, margin: float = 0.02,
                   fits: Callable[[ScoredSentence], bool] | None = None,
                   reach: float = 0.05) -> list[ScoredSentence]:
    """The best sentence, plus runners-up within ``margin`` of it, in reading order.

    With ``fits`` (e.g. "holds a number" for a "how many" question), the best sentence is the
    first that fits among those within ``reach`` of the top score: an article's introduction
    often matches "When did Volta die?" better than the sentence that gives the date."""
    if not scored:
        return []
    first = 0
    if fits is not None:
        top = scored[0].score
        first = next((i for i, s in enumerate(scored) if top - s.score <= reach and fits(s)), 0)
    best = scored[first]
    rest = [s for s in scored[:first] + scored[first + 1:] if best.score - s.score <= margin]
    chosen = [best] + rest[:max_sentences - 1]
    return sorted(chosen, key=lambda s: (s.passage.source, s.start))


def _share(asked: set[str], found: set[str], cognates: bool) -> float:
    return len(shared(asked, found, cognates)) / len(asked) if asked else 0.0


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
