"""Every set of named choices, defined once: settings, CLI flags, UI radios and the benchmark
all build their options from these enums, so a new mode is one edit."""

from __future__ import annotations

from enum import StrEnum


class RetrievalMode(StrEnum):
    """How passages are found."""

    DENSE = "dense"  # FAISS over multilingual-e5 (the best measured, default)
    BM25 = "bm25"
    HYBRID = "hybrid"  # llama-index QueryFusionRetriever over dense + BM25


class AnswerMode(StrEnum):
    """How the answer is written."""

    EXTRACTIVE = "extractive"  # quote + a short answer cut from the quote; instant
    GENERATIVE = "generative"  # quote + a short answer rewritten by the LLM, verified
    AUTO = "auto"  # generative when an LLM can run, else extractive


class Chunker(StrEnum):
    SENTENCES = "sentences"  # windows of whole sentences (default, measured best)
    SPLITTER = "splitter"  # llama-index SentenceSplitter, token-budgeted


class FaissKind(StrEnum):
    AUTO = "auto"
    FLAT = "flat"
    HNSW = "hnsw"
    IVF = "ivf"


class VectorStoreKind(StrEnum):
    """Where chunk vectors (and, for Milvus, chunk text and offsets) are stored."""

    FAISS = "faiss"  # files inside each index version (default; one machine)
    MILVUS = "milvus"  # a Milvus collection: embedded Milvus Lite, or a server/cluster by URI


class ShortAnswerSource(StrEnum):
    """Where a short answer came from."""

    LLM = "llm"  # the LLM's rewrite, accepted by the verifier
    SPAN = "span"  # the best span of the quoted sentence


def values(choice: type[StrEnum]) -> list[str]:
    """The choice's values in definition order (for click.Choice and gr.Radio)."""
    return [member.value for member in choice]
