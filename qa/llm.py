"""Choosing the LLM behind generative mode: a user's OpenAI-compatible server, or the bundled
local model. Nothing here runs unless generative (or auto) mode is asked for."""

from __future__ import annotations

import threading

from llama_index.core.llms import LLM

from articleqa.qa.local_llm import MODEL_NAME, LocalLLMServer, ensure_gguf
from articleqa.settings import Settings

_local_lock = threading.Lock()
_local_server: LocalLLMServer | None = None


def openai_like(base_url: str, model: str, api_key: str, settings: Settings) -> LLM:
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(model=model, api_base=base_url, api_key=api_key, is_chat_model=True,
                      temperature=0.0, max_tokens=settings.llm_max_tokens,
                      timeout=settings.llm_timeout_s, max_retries=0,
                      context_window=4096)


def make_llm(settings: Settings) -> tuple[LLM, str]:
    """The configured LLM and a short name for it; raises LocalModelError if none can run."""
    if settings.llm_base_url:
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "none"
        return openai_like(settings.llm_base_url, settings.llm_model, key, settings), \
            f"openai-like:{settings.llm_model}"
    global _local_server
    with _local_lock:  # one local model per process, however many sessions ask
        if _local_server is None:
            path = ensure_gguf(settings.resolved_model_cache_dir())
            _local_server = LocalLLMServer(path, threads=settings.llm_threads,
                                           batch_threads=settings.llm_batch_threads)
    return openai_like(_local_server.base_url, MODEL_NAME, "none", settings), \
        f"local:{MODEL_NAME}"

