"""The answerer: question (+ history) -> retrieval -> extractive or generative Answer.

One entry point for the CLI, UI and eval. ``stream`` yields text pieces while an LLM writes,
then the final, guarded :class:`Answer`; ``answer`` returns just the Answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from articleqa.index.article_index import ArticleIndex
from articleqa.index.text import detect_language, sentence_spans
from articleqa.qa.abstention import AbstentionPolicy, corpus_vocabulary
from articleqa.qa.chat import ChatHistory
from articleqa.qa.extractive import ScoredSentence, SentenceScorer, pick_sentences
from articleqa.qa.prompts import CLOSEST_PASSAGES, NOT_IN_ARTICLE, QUOTE_INTRO
from articleqa.qa.question import clean_question
from articleqa.qa.retrieval import PassageRetriever
from articleqa.qa.types import Answer, Citation
from articleqa.settings import Settings

if TYPE_CHECKING:
    from articleqa.qa.generative import Generator

SHORT_SENTENCE = 90  # captions and post signatures: quote them with the sentence before


class Answerer:
    """Answers questions about one ArticleIndex. Thread-safe for concurrent readers."""

    def __init__(self, index: ArticleIndex, settings: Settings,
                 generator: Generator | None = None,
                 policy: AbstentionPolicy | None = None) -> None:
        self.index = index
        self.settings = settings
        self.retriever = PassageRetriever(index, settings.top_k, settings.hybrid_dense_weight)
        self.scorer = SentenceScorer(index, index.embed_model)
        self.policy = policy or AbstentionPolicy(min_similarity=settings.abstain_min_similarity)
        self.vocabulary = corpus_vocabulary([s.text for s in index.sources.values()])
        self.generator = generator  # None: extractive only (unless generator_factory makes one)
        # Called once, on the first question that wants an LLM: starting the local model costs
        # seconds and 2 GB, which extractive-only users should never pay.
        self.generator_factory: Callable[[], Generator | None] | None = None
        self._factory_lock = threading.Lock()

    # ------------------------------------------------------------------ public

    def clear_query_cache(self) -> None:
        """Forget cached question embeddings (models without a cache have nothing to drop)."""
        clear = getattr(self.index.embed_model, "clear_cache", None)
        if clear:
            clear()

    def clear_caches(self) -> None:
        """Drop cached question and sentence embeddings, so latency measurements start cold."""
        self.clear_query_cache()
        self.scorer.clear_cache()

    def answer(self, question: str, history: ChatHistory | None = None,
               mode: str | None = None, retrieval_mode: str | None = None,
               top_k: int | None = None) -> Answer:
        final = None
        for event in self.stream(question, history, mode, retrieval_mode, top_k):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(self, question: str, history: ChatHistory | None = None,
               mode: str | None = None, retrieval_mode: str | None = None,
               top_k: int | None = None) -> Iterator[str | Answer]:
        """Yield generated text pieces (generative mode only), then the final Answer."""
        started = time.perf_counter()
        cleaned = clean_question(question, self.settings.max_question_chars)
        language = "it" if detect_language(cleaned.text) == "it" else "en"
        standalone = history.standalone(cleaned.text) if history else cleaned.text
        mode = self._resolve_mode(mode or self.settings.answer_mode)

        passages = self.retriever.retrieve(standalone, retrieval_mode or
                                           self.settings.retrieval_mode, top_k)
        follow_up = cleaned.text if standalone != cleaned.text else None
        scored = self.scorer.score(standalone, passages,
                                   self._query_vector(cleaned.text, standalone), follow_up)
        retrieved_at = time.perf_counter()
        best = scored[0] if scored else None
        reason = self.policy.reason(standalone, language, best, self.vocabulary,
                                    self._language_of(best) if best else "it")
        answer = Answer(question=cleaned.text, text="", citations=[], passages=passages,
                        abstained=False, language=language, mode=mode,
                        notes=list(cleaned.notes), retrieval_query=standalone)
        if reason:
            answer.abstained = True
            answer.text = NOT_IN_ARTICLE[language]
            if passages:
                answer.text += " " + CLOSEST_PASSAGES[language]
            answer.notes.append(f"abstained: {reason}")
        elif mode == "generative" and self.generator is not None:
            yield from self.generator.generate(answer, scored, self._extractive)
        else:
            self._extractive(answer, scored)
        finished = time.perf_counter()
        answer.timings = {"retrieve": retrieved_at - started,
                          "generate": finished - retrieved_at, "total": finished - started}
        if history is not None:
            history.add(cleaned.text, standalone, answer.text)
        yield answer

    # ------------------------------------------------------------------ internals

    def _query_vector(self, question: str, standalone: str) -> np.ndarray:
        """A follow-up is scored against itself and its condensed form alike: the condensed
        query finds the right region, the follow-up's own words pick the sentence."""
        embed = self.index.embed_model.get_query_embedding
        vector = np.asarray(embed(standalone), dtype=np.float32)
        if standalone != question:
            vector = vector + np.asarray(embed(question), dtype=np.float32)
        return vector

    def _resolve_mode(self, mode: str) -> str:
        if mode in ("generative", "auto") and self.generator is None and self.generator_factory:
            with self._factory_lock:
                factory, self.generator_factory = self.generator_factory, None
                if factory is not None:
                    self.generator = factory()
        if mode == "auto":
            return "generative" if self.generator is not None else "extractive"
        if mode == "generative" and self.generator is None:
            return "extractive"
        return mode

    def _extractive(self, answer: Answer, scored: list[ScoredSentence]) -> None:
        """Fill ``answer`` with the best sentences, quoted and cited (also the guard's fallback)."""
        answer.backend = "extractive"
        chosen = pick_sentences(scored)
        parts = []
        citations: list[Citation] = []
        for n, sentence in enumerate(chosen, start=1):
            start, end = self._with_context(sentence)
            text = self.index.sources[sentence.passage.source].text[start:end]
            citations.append(Citation(n, sentence.passage.id, sentence.passage.source, start,
                                      end, text))
            quoted = text if answer.language == self._language_of(sentence) else f"“{text}”"
            parts.append(f"{quoted} [{n}]")
        source_language = self._language_of(chosen[0]) if chosen else ""
        answer.text = QUOTE_INTRO.get((answer.language, source_language), "") + " ".join(parts)
        answer.citations = citations

    def _language_of(self, sentence: ScoredSentence) -> str:
        """The language of the article a sentence comes from."""
        return self.index.sources[sentence.passage.source].language

    def _with_context(self, sentence: ScoredSentence) -> tuple[int, int]:
        """A caption or signature alone says little: extend it back over the previous sentence."""
        if sentence.end - sentence.start >= SHORT_SENTENCE:
            return sentence.start, sentence.end
        text = self.index.sources[sentence.passage.source].text
        before = [s for s in sentence_spans(text, 0, sentence.start) if s.end <= sentence.start]
        return (before[-1].start if before else sentence.start), sentence.end


def create_answerer(index: ArticleIndex, settings: Settings,
                    log: Callable[[str], None] | None = None) -> Answerer:
    """An Answerer that starts its LLM on the first question that wants one.

    A missing or broken LLM is reported through ``log`` and leaves extractive mode working.
    """
    answerer = Answerer(index, settings)

    def start_llm() -> Generator | None:
        from articleqa.qa.generative import Generator  # noqa: F811 (runtime import of the type)
        from articleqa.qa.llm import make_llm
        from articleqa.qa.local_llm import LocalModelError

        try:
            llm, name = make_llm(settings)
        except (LocalModelError, OSError, ValueError) as exc:
            if log:
                log(f"generative mode unavailable ({exc}); answering extractively")
            return None
        return Generator(llm, index, answerer.scorer, name)

    answerer.generator_factory = start_llm
    return answerer
