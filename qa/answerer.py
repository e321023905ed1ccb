"""The answerer: question (+ history) -> retrieval -> answerability -> cited quote -> short
answer (a span of the quote, or the LLM's rewrite of it, verified).

One entry point for the CLI, UI and eval. ``stream`` yields, in order: an :class:`Answer` with
the quote, its citations and a span short answer (``final=False`` when an LLM will write the
short answer), then the LLM's text pieces, then the final Answer. ``answer`` returns the last.
Every Answer is built here, in ``_answer``/``_abstain``, and nowhere else.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from articleqa.choices import AnswerMode, LLMTask, RetrievalMode, ShortAnswerSource
from articleqa.index.article_index import ArticleIndex
from articleqa.index.embeddings import word_vectors
from articleqa.index.text import detect_language, fold, sentence_spans, words
from articleqa.lang import language_evidence
from articleqa.qa.answer_types import (
    RELIABLE_TYPES,
    AnswerType,
    QuestionType,
    holds_answer,
    question_type,
    typed_answer_in,
)
from articleqa.qa.answerability import (
    AnswerabilityPolicy,
    Decision,
    Signals,
    corpus_vocabulary,
    measure,
)
from articleqa.qa.bridge import gloss, translations
from articleqa.qa.candidates import AnswerCandidate, SentenceView, rule_span
from articleqa.qa.chat import ChatHistory
from articleqa.qa.chooser import CandidateChooser
from articleqa.qa.extractive import (
    ScoredSentence,
    SentenceScorer,
    is_answer_candidate,
    pick_sentences,
)
from articleqa.qa.facts import values
from articleqa.qa.planted import echoes_planted, is_planted
from articleqa.qa.prompts import (
    CLOSEST_PASSAGES,
    FROM_ARTICLE,
    NOT_IN_ARTICLE,
    QUOTE_INTRO,
    UNSURE_SHORT_ANSWER,
)
from articleqa.qa.question import clean_question
from articleqa.qa.reader import Reader, Reading
from articleqa.qa.retrieval import PassageRetriever
from articleqa.qa.short_answer import ShortAnswerWriter, clean_short_answer
from articleqa.qa.types import Answer, Citation, Passage, ShortAnswerCheck
from articleqa.qa.verify import verify_short_answer
from articleqa.settings import Settings

READ_SENTENCES = 3  # the reader looks for the answer in this many best-scored sentences
SHORT_SENTENCE = 90  # captions and post signatures: quote them with the sentence before
HEADING_CHARS = 80  # a line this short without final punctuation is a heading, not an answer
Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class _Question:
    """A cleaned question and what is derived from it once."""

    text: str
    standalone: str
    language: str
    qtype: QuestionType
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Evidence:
    """The quoted sentences with their citations, and the span short answer."""

    citations: list[Citation]
    quote: str
    span_answer: str
    sentences: list[str]
    language: str  # of the article the best sentence comes from
    conflict: bool = False  # two articles give different answers: both are shown
    confidence: float | None = None  # the reader's, for the span short answer
    confident: bool = True  # whether the span short answer may be shown
    highlight: str = ""  # the best candidate, marked in the quote when not shown
    reading: Reading | None = None  # what the reader chose, and among which options
    read: tuple[ScoredSentence, ...] = ()  # the sentences it read (reading's indices)
    chosen: tuple[ScoredSentence, ...] = ()  # the sentences picked to quote


class Answerer:
    """Answers questions about one ArticleIndex. Thread-safe for concurrent readers."""

    def __init__(self, index: ArticleIndex, settings: Settings,
                 writer: ShortAnswerWriter | None = None,
                 policy: AnswerabilityPolicy | None = None,
                 reader: Reader | None = None) -> None:
        self.index = index
        self.settings = settings
        self.retriever = PassageRetriever(index, settings.top_k, settings.hybrid_dense_weight)
        self.scorer = SentenceScorer(index, index.embed_model)
        self.policy = policy or AnswerabilityPolicy(**settings.similarity_thresholds())
        self.vocabulary = corpus_vocabulary([s.text for s in index.sources.values()])
        self.reader = reader or Reader(embed_model=settings.embed_model)
        self.writer = writer  # None: span short answers only (unless writer_factory makes one)
        # Called once, on the first question that wants an LLM: starting the local model costs
        # seconds and 2 GB, which extractive-only users should never pay.
        self.writer_factory: Callable[[], ShortAnswerWriter | None] | None = None
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

    def wants_llm(self, mode: AnswerMode | str | None = None) -> bool:
        """Whether ``mode`` asks for the LLM and one is (or may be) there to ask; ``auto``
        without any LLM configured is simply extractive."""
        mode = AnswerMode(mode or self.settings.answer_mode)
        if mode == AnswerMode.EXTRACTIVE:
            return False
        has_llm = self.writer is not None or self.writer_factory is not None
        return has_llm or mode == AnswerMode.GENERATIVE

    def ensure_writer(self) -> ShortAnswerWriter | None:
        """Start the LLM now if it is configured but not started (the UI warms it up)."""
        if self.writer is None and self.writer_factory is not None:
            with self._factory_lock:
                factory, self.writer_factory = self.writer_factory, None
                if factory is not None:
                    self.writer = factory()
        return self.writer

    def answer(self, question: str, history: ChatHistory | None = None,
               mode: AnswerMode | str | None = None,
               retrieval_mode: RetrievalMode | str | None = None,
               top_k: int | None = None) -> Answer:
        final = None
        for event in self.stream(question, history, mode, retrieval_mode, top_k):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(self, question: str, history: ChatHistory | None = None,
               mode: AnswerMode | str | None = None,
               retrieval_mode: RetrievalMode | str | None = None,
               top_k: int | None = None) -> Iterator[str | Answer]:
        """Yield the quoted answer at once, then (with an LLM) the short answer's pieces and
        the final Answer."""
        started = time.perf_counter()
        asked = self._prepare(question, history)
        wanted = AnswerMode(mode or self.settings.answer_mode)
        passages, chosen, signals, scored = self._gather(asked, retrieval_mode, top_k)
        decision = self.policy.decide(asked.standalone, asked.qtype, signals)
        timings = {"retrieve": time.perf_counter() - started}
        if not decision.answerable:
            yield self._finish(self._abstain(asked, passages, decision, wanted), history,
                               started, timings)
            return
        evidence = self._evidence(asked, chosen, scored)
        quoted = self._answer(asked, evidence, passages, wanted, evidence.span_answer,
                              ShortAnswerSource.SPAN, decision)
        if not self.wants_llm(wanted) or evidence.conflict:
            yield self._finish(quoted, history, started, timings)
            return
        timings["quote"] = time.perf_counter() - started
        yield replace(quoted, final=False, timings=dict(timings))
        writer = self.ensure_writer()
        if writer is None:
            note = "no language model could start; the short answer is cut from the quote"
            yield self._finish(replace(quoted, short_answer_check=ShortAnswerCheck
                                       .LLM_UNAVAILABLE, notes=[*quoted.notes, note]),
                               history, started, timings)
            return
        if self.settings.llm_task == LLMTask.CHOOSE and self.reader.weights.vote is not None:
            final = self._vote(writer, asked, evidence, passages, decision, quoted)
        else:
            final = yield from self._rewrite(writer, asked, evidence, passages, decision, quoted)
        timings["short_answer"] = time.perf_counter() - started - timings["quote"]
        yield self._finish(final, history, started, timings)

    def signals(self, question: str, retrieval_mode: RetrievalMode | str | None = None,
                top_k: int | None = None
                ) -> tuple[QuestionType, Signals | None, list[str], str]:
        """What answerability is decided from, without deciding (for calibration): the
        question's type, the signals, the sentences that would be quoted, and the language
        a short answer would be asked in."""
        asked = self._prepare(question, None)
        _, chosen, signals, _ = self._gather(asked, retrieval_mode, top_k)
        return asked.qtype, signals, [s.text for s in chosen], asked.language

    def reading_views(self, question: str) -> tuple[QuestionType, Decision,
                                                    list[SentenceView], list[float]]:
        """What the reader chooses from, for training it: the question's type, the
        answerability decision, the sentences it would read and the question's vector."""
        asked = self._prepare(question, None)
        _, chosen, signals, scored = self._gather(asked, None, None)
        decision = self.policy.decide(asked.standalone, asked.qtype, signals)
        vector = list(self.index.embed_model.get_query_embedding(asked.standalone))
        if not decision.answerable:
            return asked.qtype, decision, [], vector
        return (asked.qtype, decision, self._views(asked, self._read_from(chosen, scored)),
                vector)

    # ------------------------------------------------------------------ steps

    def _gather(self, asked: _Question, retrieval_mode: RetrievalMode | str | None,
                top_k: int | None) -> tuple[list[Passage], list[ScoredSentence],
                                            Signals | None, list[ScoredSentence]]:
        """Retrieve, score the sentences, pick the ones to quote, measure the signals."""
        passages = self.retriever.retrieve(asked.standalone,
                                           retrieval_mode or self.settings.retrieval_mode, top_k)
        follow_up = asked.text if asked.standalone != asked.text else None
        scored = [s for s in self.scorer.score(
            asked.standalone, passages, self._query_vector(asked.text, asked.standalone),
            follow_up) if self._quotable(s)]
        fits = typed_answer_in(asked.standalone, asked.qtype) if asked.qtype.explicit else None
        chosen = pick_sentences(scored, fits=fits, reach=self.settings.typed_sentence_reach)
        if not scored:
            return passages, chosen, None, scored
        best = max(chosen, key=lambda s: s.score)
        if (fits is not None and asked.qtype.kind in RELIABLE_TYPES
                and not any(fits(s) for s in chosen)):
            chosen = self._with_answering_neighbour(best, chosen, passages, fits)
        window = " ".join([best.passage.text] + [s.passage.text for s in chosen])
        signals = measure(asked.standalone, asked.qtype, best, " ".join(s.text for s in chosen),
                          window, self.index.sources[best.passage.source].text,
                          asked.language == self._language_of(best), self.vocabulary)
        return passages, chosen, signals, scored

    def _with_answering_neighbour(self, best: ScoredSentence, chosen: list[ScoredSentence],
                                  passages: list[Passage],
                                  fits: Callable[[ScoredSentence], bool]
                                  ) -> list[ScoredSentence]:
        """A sentence that says "in that year…" answers "In che anno…?" only with the sentence
        before it: when no chosen sentence holds a date or number of the asked kind, the best
        one's neighbour that does is quoted too, cited with a retrieved passage that holds it."""
        text = self.index.sources[best.passage.source].text
        spans = sentence_spans(text)
        at = next((i for i, s in enumerate(spans) if s.start == best.start), None)
        if at is None:
            return chosen
        for i in (at - 1, at + 1):
            if not 0 <= i < len(spans):
                continue
            span = spans[i]
            owner = next((p for p in passages if p.source == best.passage.source
                          and p.start <= span.start and span.end <= p.end), None)
            if owner is None:
                continue
            neighbour = replace(best, passage=owner, start=span.start, end=span.end,
                                text=text[span.start:span.end], overlap=0.0,
                                score=best.score - 1e-6)
            if self._quotable(neighbour) and fits(neighbour):
                return sorted([best, neighbour], key=lambda s: s.start)
        return chosen

    def _prepare(self, question: str, history: ChatHistory | None) -> _Question:
        cleaned = clean_question(question, self.settings.max_question_chars)
        detected = detect_language(cleaned.text)
        language = detected if detected in NOT_IN_ARTICLE else "en"  # a language we answer in
        standalone = history.standalone(cleaned.text) if history else cleaned.text
        qtype = question_type(cleaned.text)
        if qtype.kind == AnswerType.OTHER and standalone != cleaned.text:
            qtype = question_type(standalone)
        return _Question(cleaned.text, standalone, language, qtype, tuple(cleaned.notes))

    def _query_vector(self, question: str, standalone: str) -> np.ndarray:
        """A follow-up is scored against itself and its condensed form alike: the condensed
        query finds the right region, the follow-up's own words pick the sentence."""
        embed = self.index.embed_model.get_query_embedding
        vector = np.asarray(embed(standalone), dtype=np.float32)
        if standalone != question:
            vector = vector + np.asarray(embed(question), dtype=np.float32)
        return vector

    def _quotable(self, sentence: ScoredSentence) -> bool:
        """Titles and headings, questions, chat-role lines and instructions (``qa.planted``)
        are never quoted as an answer (they stay searchable: they are in the chunks)."""
        if not is_answer_candidate(sentence.text):
            return False
        text = self.index.sources[sentence.passage.source].text
        if is_planted(text, sentence.start, sentence.end):
            return False
        own_line = (sentence.start == 0 or text[sentence.start - 1] == "\n") and \
            text[sentence.end:sentence.end + 1] in ("", "\n")
        unfinished = not re.search(r"[.!?…:;»”\")]$", sentence.text.rstrip())
        return not (own_line and unfinished and len(sentence.text) < HEADING_CHARS)

    def _read_from(self, chosen: list[ScoredSentence], scored: list[ScoredSentence]
                   ) -> list[ScoredSentence]:
        """The sentences the reader looks in: the chosen ones, then the best-scored others."""
        keys = {(s.passage.source, s.start) for s in chosen}
        others = [s for s in scored if (s.passage.source, s.start) not in keys]
        return chosen + others[:max(0, READ_SENTENCES - len(chosen))]

    def _views(self, asked: _Question, sentences: list[ScoredSentence]) -> list[SentenceView]:
        ranked = sorted(sentences, key=lambda s: s.score, reverse=True)
        across = [asked.language != self._language_of(s) for s in sentences]
        glossed = gloss(asked.standalone, self._across(
            asked, [(s.text, self._language_of(s)) for s in sentences]), self.word_vectors)
        return [SentenceView(s.text, ranked.index(s), s.similarity, s.overlap, a,
                             glossed if a else {})
                for s, a in zip(sentences, across, strict=True)]

    @staticmethod
    def _across(asked: _Question, sentences: list[tuple[str, str]]) -> list[str]:
        """Of (sentence, its article's language) pairs, the sentences in another language than
        the question (the ones a gloss bridges); a sentence shows its own language when it can
        (an English quote in an Italian article)."""
        return [text for text, language in sentences
                if asked.language != (language_evidence(text) or language)]

    def _glosses(self, asked: _Question, sentences: list[tuple[str, str]]
                 ) -> list[tuple[str, str]]:
        """(question word, the sentences' word for it) for the LLM's prompt, from (sentence,
        its article's language) pairs; only asked where an LLM is (extractive answers never
        need them)."""
        return [(word, said) for word, _, said in translations(
            asked.text, self._across(asked, sentences), self.word_vectors)]

    def word_vectors(self, words: list[str]) -> np.ndarray | None:
        """The embedder's vectors of single words (what the bridge glosses with), cached."""
        return word_vectors(self.index.embed_model, words)

    def _evidence(self, asked: _Question, chosen: list[ScoredSentence],
                  scored: list[ScoredSentence]) -> _Evidence:
        read = self._read_from(chosen, scored)
        reading = self.reader.read(asked.standalone, asked.qtype, self._views(asked, read),
                                   self.index.embed_model.get_query_embedding(asked.standalone))
        return self._quoted(asked, chosen, read, reading)

    def _quoted(self, asked: _Question, chosen: list[ScoredSentence],
                read: list[ScoredSentence], reading: Reading) -> _Evidence:
        """The quote, its citations and the short answer of one reading."""
        picked = chosen
        if reading.candidate is not None and reading.candidate.sentence >= len(chosen):
            # The answer is in a sentence that was not chosen: quote it too, in reading order.
            chosen = sorted([*chosen, read[reading.candidate.sentence]],
                            key=lambda s: (s.passage.source, s.start))
        citations: list[Citation] = []
        parts: list[str] = []
        several = len({s.passage.source for s in chosen}) > 1
        for n, sentence in enumerate(chosen, start=1):
            source = self.index.sources[sentence.passage.source]
            start, end = self._with_context(sentence)
            text = source.text[start:end]
            citations.append(Citation(n, sentence.passage.id, source.source, start, end, text,
                                      source.title, source.url))
            quoted = text if asked.language == source.language else f"“{text}”"
            origin = f" ({FROM_ARTICLE[asked.language].format(title=source.title)})" \
                if several else ""
            parts.append(f"{quoted} [{n}]{origin}")
        intro = QUOTE_INTRO.get((asked.language, self._language_of(chosen[0])), "")
        n_best, span = self._chosen_span(asked, chosen, read, reading)
        short = f"{span} [{n_best + 1}]"
        spans = [rule_span(asked.standalone, asked.qtype, s.text) for s in chosen]
        holds = [holds_answer(s.text, asked.standalone, asked.qtype) for s in chosen]
        conflict = several and all(holds) and asked.qtype.explicit and \
            len({fold(s.text) for s in spans}) > 1
        # Two articles answer differently: show both, each with its source (when the reader is
        # sure enough to show one; on the news tune split the unsure ones were 7 wrong of 12).
        if conflict:
            short = " · ".join(f"{s.text} [{n}]" for n, s in enumerate(spans, start=1))
        return _Evidence(citations, intro + " ".join(parts), short,
                         [c.text for c in citations], self._language_of(chosen[n_best]),
                         conflict, reading.confidence, self._confident(reading), span,
                         reading, tuple(read), tuple(picked))

    def _confident(self, reading: Reading) -> bool:
        """The reader's own threshold, unless the settings set one."""
        floor = self.settings.min_short_answer_confidence
        return reading.confident if floor is None else reading.confidence >= floor \
            and reading.candidate is not None

    @staticmethod
    def _chosen_span(asked: _Question, chosen: list[ScoredSentence],
                     read: list[ScoredSentence], reading: Reading) -> tuple[int, str]:
        """The quoted sentence (its index in ``chosen``) and span the short answer is."""
        candidate: AnswerCandidate | None = reading.candidate
        if candidate is not None:
            sentence = read[candidate.sentence]
            n = next(i for i, s in enumerate(chosen)
                     if (s.passage.source, s.start) == (sentence.passage.source, sentence.start))
            return n, candidate.text
        return 0, chosen[0].text

    def _vote(self, writer: ShortAnswerWriter, asked: _Question, evidence: _Evidence,
              passages: list[Passage], decision: Decision, quoted: Answer) -> Answer:
        """The LLM picks one of the reader's best candidates (``qa.chooser``); the reader
        weighs that vote in, and the short answer is the span they choose, cut from the quote."""
        reading = evidence.reading
        if reading is None or reading.ranking is None or not reading.options:
            return quoted
        try:
            choice = CandidateChooser(writer.llm, writer.name).vote(
                asked.text, asked.language, reading.options, reading.ranking.views,
                self.word_vectors)
        except Exception as exc:  # connection refused, timeout, HTTP errors: all mean "no LLM"
            return _llm_unavailable(quoted, exc)
        voted = self._quoted(asked, list(evidence.chosen), list(evidence.read),
                             self.reader.reconsider(reading, choice.probabilities))
        return self._answer(asked, voted, passages, quoted.mode, voted.span_answer,
                            ShortAnswerSource.VOTE, decision, backend=writer.name,
                            llm_output=choice.raw)

    def _rewrite(self, writer: ShortAnswerWriter, asked: _Question, evidence: _Evidence,
                 passages: list[Passage], decision: Decision,
                 quoted: Answer) -> Iterator[str | Answer]:
        """Stream the LLM's short answer; return the Answer it leads to (verified, or the
        span answer with the reason it was not used, or an abstention the model confirmed)."""
        pieces: list[str] = []
        glosses = self._glosses(asked, [(c.text, self.index.sources[c.source].language)
                                        for c in evidence.citations])
        try:
            for piece in writer.stream(asked.text, evidence.sentences, asked.language, glosses):
                pieces.append(piece)
                yield piece
        except Exception as exc:  # connection refused, timeout, HTTP errors: all mean "no LLM"
            return _llm_unavailable(quoted, exc)
        raw = "".join(pieces).strip()
        short = clean_short_answer(raw)
        check = verify_short_answer(short, asked.text, " ".join(evidence.sentences),
                                    asked.qtype, asked.language, evidence.language)
        retrieved = [(self.index.sources[p.source].text, p.start, p.end) for p in passages]
        if check != ShortAnswerCheck.DECLINED and \
                echoes_planted(short, retrieved, " ".join(evidence.sentences)):
            check = ShortAnswerCheck.PLANTED  # the truer reason, and a guard if all else passed
        if check == ShortAnswerCheck.DECLINED:
            confirmed = self.policy.after_model_declined(decision)
            if not confirmed.answerable:
                return replace(self._abstain(asked, passages, confirmed, quoted.mode),
                               llm_output=raw, backend=writer.name,
                               short_answer_check=check)
        if check is not None:
            return replace(quoted, short_answer_check=check, llm_output=raw)
        marker = _marker(raw, len(evidence.citations))
        # The model confirms and renders: its answer is shown when it picked the reader's own
        # best candidate (two readers agreeing), never against a confident reader.
        agrees = bool(evidence.highlight) and agree(short, evidence.highlight)
        if evidence.confident and not agrees and not evidence.conflict:
            # A confident reader outvotes the model: its span is shown, the model's is not.
            return replace(quoted, short_answer_check=ShortAnswerCheck.DISAGREES_WITH_READER,
                           llm_output=raw)
        return self._answer(asked, evidence, passages, quoted.mode, f"{short} [{marker}]",
                            ShortAnswerSource.LLM, decision, backend=writer.name,
                            llm_output=raw, check=ShortAnswerCheck.ACCEPTED,
                            confident=evidence.confident or agrees)

    # ------------------------------------------------------------------ building answers

    def _answer(self, asked: _Question, evidence: _Evidence, passages: list[Passage],
                mode: AnswerMode, short: str, source: ShortAnswerSource, decision: Decision,
                backend: str = "extractive", llm_output: str | None = None,
                check: ShortAnswerCheck | None = None, confident: bool | None = None
                ) -> Answer:
        """A quoted answer; its short answer only when the reader (or the LLM agreeing with
        it) is confident, else the quote alone with the best candidate marked."""
        shown = evidence.confident if confident is None else confident
        head = short if shown else UNSURE_SHORT_ANSWER[asked.language]
        return Answer(
            question=asked.text, language=asked.language, mode=mode, abstained=False,
            text=f"{head}\n\n{evidence.quote}", short_answer=short if shown else None,
            short_answer_source=source if shown else None,
            quote=evidence.quote, citations=evidence.citations, passages=passages,
            short_answer_check=check, llm_output=llm_output, backend=backend,
            similarity=_similarity(decision), notes=list(asked.notes),
            retrieval_query=asked.standalone, confidence=evidence.confidence,
            highlight="" if shown else evidence.highlight)

    def _abstain(self, asked: _Question, passages: list[Passage], decision: Decision,
                 mode: AnswerMode) -> Answer:
        text = NOT_IN_ARTICLE[asked.language]
        if passages:
            text += " " + CLOSEST_PASSAGES[asked.language]
        return Answer(
            question=asked.text, language=asked.language, mode=mode, abstained=True,
            text=text, short_answer=None, short_answer_source=None, quote="", citations=[],
            passages=passages, abstain_reason=decision.reason, abstain_detail=decision.detail,
            similarity=_similarity(decision), notes=list(asked.notes),
            retrieval_query=asked.standalone)

    @staticmethod
    def _finish(answer: Answer, history: ChatHistory | None, started: float,
                timings: dict[str, float]) -> Answer:
        timings = {**timings, "total": time.perf_counter() - started}
        if history is not None:
            history.add(answer.question, answer.retrieval_query, answer.text)
        return replace(answer, timings=timings, final=True)

    # ------------------------------------------------------------------ helpers

    def _language_of(self, sentence: ScoredSentence) -> str:
        """The language of the article a sentence comes from."""
        return self.index.sources[sentence.passage.source].language

    def _with_context(self, sentence: ScoredSentence) -> tuple[int, int]:
        """A caption or signature alone says little: extend it back over the previous sentence,
        unless that one is planted (it must never reach a citation, nor the LLM)."""
        if sentence.end - sentence.start >= SHORT_SENTENCE:
            return sentence.start, sentence.end
        text = self.index.sources[sentence.passage.source].text
        before = [s for s in sentence_spans(text, 0, sentence.start) if s.end <= sentence.start]
        if not before or is_planted(text, before[-1].start, before[-1].end):
            return sentence.start, sentence.end
        return before[-1].start, sentence.end


def agree(answer: str, candidate: str) -> bool:
    """Whether two short answers say the same: one's words hold the other's (folded), or
    they state the same numbers."""
    a, b = f" {' '.join(words(answer))} ", f" {' '.join(words(candidate))} "
    if a.strip() and b.strip() and (b in a or a in b):
        return True
    numbers = values(answer)
    return bool(numbers) and numbers == values(candidate)


def _llm_unavailable(quoted: Answer, exc: Exception) -> Answer:
    note = f"LLM unavailable ({type(exc).__name__}: {exc}); short answer cut from the quote"
    return replace(quoted, short_answer_check=ShortAnswerCheck.LLM_UNAVAILABLE,
                   notes=[*quoted.notes, note])


def _similarity(decision: Decision) -> float | None:
    return decision.signals.similarity if decision.signals else None


def _marker(raw: str, count: int) -> int:
    """The sentence number the model cited, if it is one of ours; else the first."""
    found = [int(n) for n in re.findall(r"\[(\d+)\]", raw)]
    return next((n for n in found if 1 <= n <= count), 1)


def create_answerer(index: ArticleIndex, settings: Settings, log: Log | None = None) -> Answerer:
    """An Answerer that starts its LLM on the first question that wants one.

    A missing or broken LLM is reported through ``log`` and leaves span short answers working.
    """
    answerer = Answerer(index, settings)

    def start_llm() -> ShortAnswerWriter | None:
        from articleqa.qa.llm import make_llm
        from articleqa.qa.local_llm import LocalModelError

        try:
            llm, name = make_llm(settings)
        except (LocalModelError, OSError, ValueError) as exc:
            if log:
                log(f"no language model ({exc}); short answers are cut from the quote")
            return None
        return ShortAnswerWriter(llm, name)

    answerer.writer_factory = start_llm
    return answerer
