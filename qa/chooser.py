"""The LLM's vote: which of the reader's best candidates answers the question.

The bundled 1.5B model writes loose answers across languages, but asked to pick one lettered
option it reads well when the question's words meet the sentence's (the bridge's glosses see to
that). Its reply is one letter; the probabilities it gives every letter are what the reader
weighs (``qa.reader.Reader.reconsider``), so the choice costs one prompt and no writing. What it
picks is always a candidate span, with exact offsets: nothing it writes is shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from llama_index.core.llms import LLM, ChatMessage

from articleqa.qa.bridge import WordVectors, translations
from articleqa.qa.candidates import AnswerCandidate, SentenceView
from articleqa.qa.prompts import CHOICE_SYSTEM, OPTION_LETTERS, choice_request

TOP_LOGPROBS = 20  # alternatives asked for the letter token: enough to see every option


@dataclass(frozen=True, slots=True)
class Choice:
    """The LLM's probability for each option, the last being "none of these"; they sum to 1.
    ``raw``: what it replied."""

    probabilities: tuple[float, ...]
    raw: str = ""

    @property
    def none(self) -> float:
        return self.probabilities[-1]


class CandidateChooser:
    """Asks an LLM (any llama-index chat LLM) to pick one option by letter."""

    def __init__(self, llm: LLM, name: str) -> None:
        self.llm = llm
        self.name = name

    @staticmethod
    def messages(question: str, sentences: list[str], options: Sequence[str], language: str,
                 glosses: Sequence[tuple[str, str]] = ()) -> list[ChatMessage]:
        return [ChatMessage(role="system", content=CHOICE_SYSTEM),
                ChatMessage(role="user", content=choice_request(question, sentences, options,
                                                                language, glosses))]

    def choose(self, question: str, sentences: list[str], options: Sequence[str],
               language: str, glosses: Sequence[tuple[str, str]] = ()) -> Choice:
        """The LLM's vote over ``options`` + "none of these" (raises whatever the client
        raises). A server that returns no log-probabilities gives its letter all the mass."""
        response = self.llm.chat(self.messages(question, sentences, options, language, glosses),
                                 logprobs=True, top_logprobs=TOP_LOGPROBS)
        raw = response.message.content or ""
        return Choice(letter_probabilities(raw, response.logprobs, len(options) + 1), raw)

    def vote(self, question: str, language: str, options: Sequence[AnswerCandidate],
             views: Sequence[SentenceView], vectors: WordVectors) -> Choice:
        """The LLM's vote over ``options`` (the reader's, indices into ``views``): it is
        shown the sentences holding them, in reading order, and the question glossed into
        their language where it is asked in another."""
        shown = sorted({c.sentence for c in options})
        across = [views[v].text for v in shown if views[v].cross_language]
        glosses = [(word, said) for word, _, said in translations(question, across, vectors)] \
            if across else []
        return self.choose(question, [views[v].text for v in shown], [c.text for c in options],
                           language, glosses)


def letter_probabilities(raw: str, logprobs: Sequence[Sequence[object]] | None,
                         count: int) -> tuple[float, ...]:
    """P(each of the first ``count`` letters), from the first token's alternatives, else
    from the letter the text starts with (uniform when it names none)."""
    letters = OPTION_LETTERS[:count]
    found: dict[str, float] = {}
    for alternative in (logprobs[0] if logprobs else ()):
        token = str(getattr(alternative, "token", "")).strip().upper()
        if token in letters and token not in found:
            found[token] = float(getattr(alternative, "logprob", -math.inf))
    if found:
        top = max(found.values())
        weights = [math.exp(found[c] - top) if c in found else 0.0 for c in letters]
    else:
        said = re.match(r"\s*\(?([A-Za-z])\b", raw)
        letter = said.group(1).upper() if said else ""
        weights = [1.0 if c == letter else 0.0 for c in letters]
        if not any(weights):
            weights = [1.0] * count
    total = sum(weights)
    return tuple(w / total for w in weights)
