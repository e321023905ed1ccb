"""The programmatic ``/ask`` endpoint (``gr.api``): typed parameters, the ``ask --json`` dict back.

Kept in a module without ``from __future__ import annotations``: Gradio derives the endpoint's
schema from the real (not string) type hints of the function.
"""

from typing import Any

from articleqa.choices import AnswerMode, RetrievalMode
from articleqa.errors import UserError

ECHO_CHARS = 200


class AskEndpoint:
    """``ask`` is bound to the app state and registered with ``gr.api(..., api_name="ask")``."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def ask(self, question: str, mode: str = "", retrieval: str = "",
                 top_k: int = 0) -> dict[str, Any]:
        """Answer QUESTION; mode/retrieval/top_k default to the server's settings."""
        try:
            options = _options(question, mode, retrieval, top_k)
            return self.state.answerer.answer(question, **options).to_dict()
        except UserError as exc:  # the question is echoed clipped: never megabytes back
            return {"error": str(exc),
                    "question": question[:ECHO_CHARS] if isinstance(question, str) else None}


def _options(question: Any, mode: Any, retrieval: Any, top_k: Any) -> dict[str, Any]:
    """Check the request's types and values (JSON clients can send anything)."""
    if not isinstance(question, str):
        raise UserError("the question must be a string")
    if not isinstance(mode, str) or mode and mode not in set(AnswerMode):
        raise UserError(f"mode must be one of {', '.join(AnswerMode)}")
    if not isinstance(retrieval, str) or retrieval and retrieval not in set(RetrievalMode):
        raise UserError(f"retrieval must be one of {', '.join(RetrievalMode)}")
    if not isinstance(top_k, int) or isinstance(top_k, bool) or not 0 <= top_k <= 50:
        raise UserError("top_k must be an integer from 1 to 50 (0: the server's default)")
    return {"mode": AnswerMode(mode) if mode else None,
            "retrieval_mode": RetrievalMode(retrieval) if retrieval else None,
            "top_k": top_k or None}
