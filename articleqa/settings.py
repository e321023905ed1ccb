"""The one configuration object, read from ``ARTICLEQA_*`` variables and CLI flags.

Every component takes a :class:`Settings`; nothing else reads the environment.
Explicit keyword arguments (what the CLI passes) win over the environment. Values are checked
when the settings load, so a bad ``ARTICLEQA_AUTH`` or size fails at start, not mid-request.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from importlib import resources
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from articleqa.choices import (
    AnswerMode,
    Chunker,
    EmbedModel,
    FaissKind,
    LLMTask,
    RetrievalMode,
    VectorStoreKind,
)

DEFAULT_EMBED_MODEL = EmbedModel.E5
# What the manifest records for each named embedder (an index built with another one is stale
# and rebuilt). e5 keeps the name indexes were built under before the choice had a short name.
EMBED_MODEL_NAMES = {
    EmbedModel.E5: "multilingual-e5-small",
    EmbedModel.EMBEDDINGGEMMA: "embeddinggemma-300m",
    EmbedModel.E5_EMBEDDINGGEMMA: "multilingual-e5-small+embeddinggemma-300m",
}
# The answerability policy (AnswerabilityPolicy fields) of each embedder whose similarity scale
# is not e5's; e5 (and any unnamed model) uses the policy's own defaults. Each was chosen by
# `articleqa calibrate eval/questions/news/questions.jsonl --embed-model NAME` on the tune split
# (2026-12-01; false abstention <= 0.05 per language, best mean recall over the unanswerable
# kinds; extractive, so model_decline_cross_below is the quantile-mapped provisional value).
SIMILARITY_THRESHOLDS: dict[EmbedModel, dict[str, float | bool | str]] = {
    EmbedModel.EMBEDDINGGEMMA: {
        "min_similarity_same": 0.42, "min_similarity_cross": 0.29, "strong_similarity": 0.45,
        "names_check_below": 0.44, "min_overlap_same_language": 0.25, "type_check": "always",
        "numbers_check": True, "count_check": True, "model_decline_cross_below": 0.40},
    EmbedModel.E5_EMBEDDINGGEMMA: {
        "min_similarity_same": 0.64, "min_similarity_cross": 0.57, "strong_similarity": 0.67,
        "names_check_below": 0.70, "min_overlap_same_language": 0.35,
        "type_check": "same_language", "numbers_check": False, "count_check": True,
        "model_decline_cross_below": 0.59},
}
MILVUS_LITE_FILE = "milvus.db"  # the embedded Milvus Lite database, inside the index dir
_MILVUS_URI_SCHEMES = ("http://", "https://", "tcp://", "unix:")
BYTES_PER_MB = 1_000_000
BINARY_MB = 1 << 20


def bundled_corpus_dir() -> Path:
    """The bundled article(s), shipped as package data of ``articleqa.corpus``."""
    return Path(str(resources.files("articleqa.corpus")))


def bundled_questions_dir() -> Path:
    """The question sets shipped as package data of ``articleqa.eval``."""
    return Path(str(resources.files("articleqa.eval") / "questions"))


def default_model_cache_dir() -> Path:
    """The platform's user cache dir for models (~/.cache/articleqa/models on Linux): the
    joined local GGUF and the installed EmbeddingGemma folder, shared by every data dir."""
    return Path(user_cache_dir("articleqa", appauthor=False)) / "models"


def _default_data_dir() -> Path:
    """The platform's user data dir (~/.local/share/articleqa on Linux), never the cwd."""
    return Path(user_data_dir("articleqa", appauthor=False))


class Settings(BaseSettings):
    """All knobs of articleqa. Environment: ``ARTICLEQA_<FIELD>`` (e.g. ``ARTICLEQA_INDEX_DIR``)."""

    model_config = SettingsConfigDict(env_prefix="ARTICLEQA_", extra="ignore",
                                      validate_assignment=True)

    # -- where things live
    data_dir: Path = Field(default_factory=_default_data_dir,
                           description="Holds the index, user articles, models and reports.")
    corpus_dir: Path = Field(default_factory=bundled_corpus_dir,
                             description="The bundled articles, always indexed.")
    index_dir: Path | None = Field(None, description="Index location; default <data_dir>/index.")
    model_cache_dir: Path | None = Field(
        None, description="Where the joined local GGUF (1.1 GB) and installed models such as "
        "EmbeddingGemma (1.2 GB) live, shared by every data dir; default: the platform's user "
        "cache dir, e.g. ~/.cache/articleqa/models.")

    # -- indexing
    embed_model: str = Field(
        DEFAULT_EMBED_MODEL,
        description="'e5' (multilingual-e5-small, bundled; default), 'embeddinggemma' "
        "(EmbeddingGemma-300M, after `articleqa models install embeddinggemma`), "
        "'e5+embeddinggemma' (both, similarities z-scored per question and summed), "
        "'all-MiniLM-L6-v2' (bundled), or any sentence-transformers model path / hub id. "
        "Used for passage retrieval, sentence scoring and the answerability similarity.")
    embed_threads: int = Field(2, ge=1, description="CPU threads for the embedder.")
    allow_download: bool = Field(
        False, description="Let sentence-transformers fetch a hub model missing from the cache.")
    chunker: Chunker = Field(Chunker.SENTENCES, description="'sentences' (windows of whole "
                             "sentences) or 'splitter' (llama-index SentenceSplitter).")
    window_sentences: int = Field(2, ge=1, le=20, description="Sentences per window "
                                  "(chunker=sentences).")
    window_stride: int = Field(1, ge=1, le=20, description="Sentences a window slides by "
                               "(chunker=sentences); at most window_sentences.")
    splitter_tokens: int = Field(256, ge=32, le=8192, description="Tokens per chunk "
                                 "(chunker=splitter).")
    splitter_overlap_tokens: int = Field(0, ge=0, description="Token overlap between chunks "
                                         "(chunker=splitter); below half of splitter_tokens.")
    faiss_index: FaissKind = Field(FaissKind.AUTO, description="flat (exact), ivf, hnsw, or "
                                   "auto: flat below ann_threshold chunks, ivf from there.")
    ann_threshold: int = Field(50_000, ge=1, description="auto picks the approximate (IVF) "
                               "index from this many chunks up.")
    max_file_mb: float = Field(20.0, gt=0, le=1000, description="Largest article accepted, "
                               "in MB (10^6 bytes): a file, an upload or a fetched page.")
    max_chunks: int = Field(
        300, ge=1, description="Most passages one added article may become; a longer one is "
        "refused and named. Embedding runs at 5.2-6.2 passages/s on 2 cores (measured), so "
        "300 take about a minute; 20 MB of text would be ~40,000 (two hours).")
    max_pdf_pages: int = Field(
        300, ge=1, description="Most pages an added PDF may have; a longer one is refused and "
        "named before any page is read (reading takes 7-30 ms a page, and each page of text "
        "is a passage or more, so a PDF over 300 pages would mostly be over max_chunks too, "
        "found only after minutes: a 5,000-page file took ~4,999 passages).")
    write_lock_timeout_s: float = Field(
        600.0, gt=0, description="Longest wait for another process writing the same index "
        "(an `articleqa index`, a rebuild, an upload in a running UI); the wait is said after "
        "a second, and past this it ends in an error.")
    max_batch_chunks: int = Field(
        1200, ge=1, description="Most passages one batch (an upload, one `articleqa index` "
        "command) may add; the articles past it are refused by name, to add in another batch.")

    # -- fetching articles from the web (articleqa index URL, the UI's URL box)
    fetch_timeout_s: float = Field(
        20.0, gt=0, le=600, description="Seconds a fetch may take: to connect, between two "
        "reads, and for the whole download.")
    fetch_max_redirects: int = Field(5, ge=0, le=30, description="Redirects followed before "
                                     "a fetch gives up.")

    # -- vector store
    vector_store: VectorStoreKind = Field(
        VectorStoreKind.FAISS, description="faiss (files in the index dir; default) or milvus "
        "(a Milvus collection holding vectors, chunk text and offsets).")
    milvus_uri: str | None = Field(
        None, description="Milvus server or cluster (http://host:19530); default: an embedded "
        f"Milvus Lite database inside the index dir (<index_dir>/{MILVUS_LITE_FILE}).")
    milvus_token: SecretStr | None = Field(
        None, description="Token for milvus_uri: 'user:password' or an API key.")
    milvus_collection: str = Field(
        "articleqa", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
        description="Prefix of the Milvus collections this index creates "
        "(<prefix>_<index id>_v<version>, one per full build).")

    # -- retrieval
    retrieval_mode: RetrievalMode = Field(RetrievalMode.DENSE, description="dense, bm25 or "
                                          "hybrid.")
    top_k: int = Field(5, ge=1, le=50, description="Passages retrieved per question.")
    hybrid_dense_weight: float = Field(
        0.7, ge=0, le=1, description="Weight of the dense retriever in hybrid fusion.")

    # -- answering
    answer_mode: AnswerMode = Field(AnswerMode.AUTO, description="extractive (span short "
                                    "answers, instant), generative (the LLM writes the short "
                                    "answer) or auto (generative when an LLM can run).")
    typed_sentence_reach: float = Field(
        0.05, ge=0, le=0.5, description="For how-many/when/who/where questions, the quoted "
        "sentence is the best-scoring one holding such an answer within this much of the top "
        "score.")
    max_question_chars: int = Field(2000, ge=50, description="Longer questions are clipped.")
    min_short_answer_confidence: float | None = Field(
        None, ge=0, le=1.01, description="Show a short answer only at or above this reader "
        "confidence; below it the quote is shown alone with the best candidate marked. Default: "
        "the threshold `articleqa train-reader` learned (a share of wrong short answers shown "
        "within its --max-wrong on the tune split); 0 shows every short answer.")
    abstain_min_similarity: float | None = Field(
        None, ge=0, le=1, description="Abstain below this question-sentence similarity when "
        "question and article share a language; default: the value calibrated for the chosen "
        "embedder (e5 0.76, `articleqa calibrate`; see SIMILARITY_THRESHOLDS).")
    abstain_min_similarity_cross: float | None = Field(
        None, ge=0, le=1, description="The same threshold for a question in another language "
        "than the article (e5 scores cross-lingual pairs lower: 0.79).")
    llm_task: LLMTask = Field(LLMTask.CHOOSE, description="In generative mode the LLM chooses "
                              "among the reader's best candidates (choose: one token, its vote "
                              "weighed by the reader) or writes the short answer (write).")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint (…/v1).")
    llm_model: str = Field("local", description="Model name sent to the endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="API key for llm_base_url.")
    llm_timeout_s: float = Field(120.0, gt=0)
    llm_max_tokens: int = Field(48, ge=8, description="Most tokens of a short answer.")
    llm_threads: int = Field(2, ge=1, description="Threads generating tokens. Measured on 2 "
                             "cores with polling off: two give 16 tokens/s, one 9.6; beside one "
                             "busy process, two give 3-5 tokens/s and one 8-9, for about the "
                             "same time per answer. Set 1 on a machine that is always busy.")
    llm_batch_threads: int = Field(2, ge=1, description="Threads reading the prompt.")

    # -- ui
    host: str = Field("127.0.0.1", description="Bind address of the web UI.")
    port: int = Field(7860, ge=0, le=65535)
    share: bool = False
    auth: SecretStr | None = Field(None, description="'user:password' to require a login "
                                   "in the UI.")
    trusted_proxies: str = Field(
        "", description="Comma-separated addresses or networks (10.0.0.0/8) of reverse "
        "proxies whose X-Forwarded-For header names the client; default none: the login "
        "throttle and the per-client fetch slots go by the connection's own address, so a "
        "client cannot pick its identity by sending the header.")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        entries = [e.strip() for e in value.split(",") if e.strip()]
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"ARTICLEQA_TRUSTED_PROXIES: {entry!r} is not an IP address "
                                 "or network (e.g. 10.0.0.5 or 10.0.0.0/8)") from None
        return ",".join(entries)

    @field_validator("auth")
    @classmethod
    def _auth_is_user_colon_password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        user, _, password = value.get_secret_value().partition(":")
        if not user.strip() or not password:
            raise ValueError("ARTICLEQA_AUTH must look like user:password (unset it to "
                             "run without a login)")
        return value

    @field_validator("embed_model", mode="before")
    @classmethod
    def _named_embedder(cls, value: object) -> object:
        """A named embedder by its canonical value ('multilingual-e5-small' is 'e5')."""
        if isinstance(value, str):
            return EmbedModel.named(value) or value.strip()
        return value

    @field_validator("milvus_uri")
    @classmethod
    def _milvus_uri_is_a_server_or_lite_file(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not (value.startswith(_MILVUS_URI_SCHEMES) or value.endswith(".db")):
            raise ValueError("ARTICLEQA_MILVUS_URI must be a server URI (http://host:19530) "
                             "or a Milvus Lite file ending in .db")
        if "@" in value.split("://", 1)[-1].split("/", 1)[0]:
            raise ValueError("put Milvus credentials in ARTICLEQA_MILVUS_TOKEN, not in "
                             "ARTICLEQA_MILVUS_URI (the URI is stored in the index manifest)")
        return value

    @field_validator("window_stride")
    @classmethod
    def _stride_fits_window(cls, value: int, info) -> int:
        window = info.data.get("window_sentences", 2)
        if value > window:
            raise ValueError(f"window_stride ({value}) must not exceed window_sentences "
                             f"({window}): sentences would be skipped")
        return value

    @field_validator("splitter_overlap_tokens")
    @classmethod
    def _overlap_below_half(cls, value: int, info) -> int:
        tokens = info.data.get("splitter_tokens", 256)
        if value * 2 > tokens:
            raise ValueError(f"splitter_overlap_tokens ({value}) must be at most half of "
                             f"splitter_tokens ({tokens})")
        return value

    # -- derived values: one definition each

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * BYTES_PER_MB)

    @property
    def upload_box_bytes(self) -> int:
        """The limit given to Gradio's upload box: ``max_file_mb`` binary megabytes. The box
        prints its limit in units of 2^20 bytes ("Mb"), so 20 x 10^6 bytes showed as
        "19.1 Mb" beside our "20 MB"; now it shows "20.0 Mb". A file between the two limits
        passes the box and gets our own message (``readers.check_size``)."""
        return int(self.max_file_mb * BINARY_MB)

    @property
    def auth_pair(self) -> tuple[str, str] | None:
        """(user, password) for Gradio, or None when no login is configured."""
        if self.auth is None:
            return None
        user, _, password = self.auth.get_secret_value().partition(":")
        return user.strip(), password

    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.data_dir / "index"

    def resolved_milvus_uri(self) -> str:
        """The Milvus to use: the configured server, or the Lite file inside the index dir."""
        return self.milvus_uri or str(self.resolved_index_dir() / MILVUS_LITE_FILE)

    def vector_store_signature(self) -> str:
        """Where vectors live, as stored in the manifest: 'faiss', 'milvus:lite' (inside the
        index dir, so the dir can be moved) or 'milvus:<uri>'."""
        if self.vector_store == VectorStoreKind.FAISS:
            return "faiss"
        return f"milvus:{self.milvus_uri or 'lite'}"

    def resolved_model_cache_dir(self) -> Path:
        return self.model_cache_dir or default_model_cache_dir()

    def user_corpus_dir(self) -> Path:
        """User-added articles are copied here, so the index can always be rebuilt."""
        return self.data_dir / "corpus"

    def reports_dir(self, kind: str) -> Path:
        """Default output folder of ``eval`` / ``bench`` reports (inside the data dir)."""
        return self.data_dir / kind

    def embed_signature(self) -> str:
        """The embedding model, as stored in the manifest (see EMBED_MODEL_NAMES)."""
        named = EmbedModel.named(self.embed_model)
        return EMBED_MODEL_NAMES[named] if named else self.embed_model

    def similarity_thresholds(self) -> dict[str, float | bool | str]:
        """AnswerabilityPolicy fields on the chosen embedder's similarity scale: its
        calibrated values, with the two abstention thresholds the user set on top."""
        named = EmbedModel.named(self.embed_model)
        chosen = dict(SIMILARITY_THRESHOLDS.get(named, {})) if named else {}
        if self.abstain_min_similarity is not None:
            chosen["min_similarity_same"] = self.abstain_min_similarity
        if self.abstain_min_similarity_cross is not None:
            chosen["min_similarity_cross"] = self.abstain_min_similarity_cross
        return chosen

    def chunking_signature(self) -> str:
        """How chunks are made, as stored in the manifest: 'sentences:2/1' or 'splitter:256/0'."""
        if self.chunker == Chunker.SENTENCES:
            return f"sentences:{self.window_sentences}/{self.window_stride}"
        return f"splitter:{self.splitter_tokens}/{self.splitter_overlap_tokens}"

    def fingerprint(self) -> str:
        """Short hash of the settings that change answers (secrets and paths left out)."""
        keep = self.model_dump(
            exclude={"data_dir", "corpus_dir", "index_dir", "model_cache_dir", "llm_api_key",
                     "host", "port", "share", "auth", "milvus_uri", "milvus_token"})
        blob = json.dumps(keep, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:12]
