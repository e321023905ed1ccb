"""Generative answers: an LLM writes from numbered passages; the guard checks every sentence.

The LLM is any llama-index LLM; in practice OpenAILike, pointed either at a user's
OpenAI-compatible server or at the bundled local model (qa/local_llm.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from llama_index.core.llms import LLM, ChatMessage

from articleqa.index.article_index import ArticleIndex
from articleqa.qa.extractive import ScoredSentence, SentenceScorer
from articleqa.qa.guard import GuardPolicy, guard_answer
from articleqa.qa.prompts import SYSTEM_PROMPT, user_prompt
from articleqa.qa.types import Answer, Passage

Fallback = Callable[[Answer, list[ScoredSentence]], None]


def context_blocks(passages: list[Passage], index: ArticleIndex, limit: int) -> list[Passage]:
    """The best ``limit`` passages with overlapping windows merged: no sentence twice."""
    chosen = sorted(passages[:limit], key=lambda p: (p.source, p.start))
    merged: list[Passage] = []
    for p in chosen:
        last = merged[-1] if merged else None
        if last and last.source == p.source and p.start <= last.end:
            end = max(last.end, p.end)
            best = last if last.rank <= p.rank else p
            text = index.sources[p.source].text[last.start:end]
            merged[-1] = Passage(best.id, text, p.source, p.title, last.start, end,
                                 max(last.score, p.score), min(last.rank, p.rank))
        else:
            merged.append(p)
    merged.sort(key=lambda p: p.rank)
    return merged


class Generator:
    """Streams an LLM answer, then guards it; falls back to extractive when it must."""

    def __init__(self, llm: LLM, index: ArticleIndex, scorer: SentenceScorer, name: str,
                 max_passages: int = 3, policy: GuardPolicy | None = None) -> None:
        self.llm = llm
        self.index = index
        self.scorer = scorer
        self.name = name
        self.max_passages = max_passages
        self.policy = policy or GuardPolicy()

    def messages(self, question: str, blocks: list[Passage], language: str) -> list[ChatMessage]:
        return [ChatMessage(role="system", content=SYSTEM_PROMPT[language]),
                ChatMessage(role="user", content=user_prompt(
                    question, [b.text for b in blocks], language))]

    def generate(self, answer: Answer, scored: list[ScoredSentence],
                 fallback: Fallback) -> Iterator[str]:
        """Yield text pieces as the LLM writes them; leave the guarded result in ``answer``."""
        blocks = context_blocks(answer.passages, self.index, self.max_passages)
        pieces: list[str] = []
        try:
            for chunk in self.llm.stream_chat(self.messages(answer.question, blocks,
                                                            answer.language)):
                if chunk.delta:
                    pieces.append(chunk.delta)
                    yield chunk.delta
        except Exception as exc:  # connection refused, timeout, HTTP errors: all mean "no LLM"
            answer.notes.append(f"LLM unavailable ({type(exc).__name__}: {exc}); "
                                "answered extractively")
            answer.guard.append("fallback: LLM error")
            fallback(answer, scored)
            return
        generated = "".join(pieces).strip()
        answer.notes.append(f"LLM wrote: {generated}")
        result = guard_answer(generated, answer.language, blocks, self.scorer, self.policy)
        answer.guard.extend(result.actions)
        if result.ok:
            answer.text, answer.citations, answer.backend = result.text, result.citations, \
                self.name
        else:
            answer.guard.append("fallback: extractive")
            fallback(answer, scored)
