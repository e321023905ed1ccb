"""The LLM's one job: rewrite the chosen evidence sentences into a short answer.

The LLM is any llama-index LLM (in practice OpenAILike, pointed at the bundled local model or a
user's OpenAI-compatible server). It never chooses passages: the extractive step already did.
What it writes is streamed, then checked by ``qa.verify`` before it is shown as the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from llama_index.core.llms import LLM, ChatMessage

from articleqa.qa.prompts import SHORT_ANSWER_EXAMPLES, SHORT_ANSWER_SYSTEM, short_answer_request

_TRAILING_CITATION = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]\s*\.?\s*$")


class ShortAnswerWriter:
    """Streams a short answer for a question from one or two numbered sentences."""

    def __init__(self, llm: LLM, name: str) -> None:
        self.llm = llm
        self.name = name

    @staticmethod
    def messages(question: str, sentences: list[str], language: str,
                 glosses: Sequence[tuple[str, str]] = ()) -> list[ChatMessage]:
        messages = [ChatMessage(role="system", content=SHORT_ANSWER_SYSTEM)]
        for user, assistant in SHORT_ANSWER_EXAMPLES:
            messages += [ChatMessage(role="user", content=user),
                         ChatMessage(role="assistant", content=assistant)]
        messages.append(ChatMessage(role="user", content=short_answer_request(
            question, sentences, language, glosses)))
        return messages

    def stream(self, question: str, sentences: list[str], language: str,
               glosses: Sequence[tuple[str, str]] = ()) -> Iterator[str]:
        """Text pieces as the model writes them (raises whatever the LLM client raises)."""
        for chunk in self.llm.stream_chat(self.messages(question, sentences, language,
                                                        glosses)):
            if chunk.delta:
                yield chunk.delta


def clean_short_answer(raw: str) -> str:
    """The model's text without its trailing [n] marker(s), quotes or final period; only its
    first line (small models sometimes go on)."""
    first = raw.strip().splitlines()[0] if raw.strip() else ""
    text = _TRAILING_CITATION.sub("", first).strip()
    text = re.sub(r"\[\d+\]", "", text).strip()
    return text.strip(" \"'“”«»").rstrip(".").strip()
