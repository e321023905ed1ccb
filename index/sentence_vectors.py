"""Every sentence of the indexed articles, embedded once when the index is built.

The extractive answer scores the sentences of the retrieved passages against the question.
Embedding them at question time cost ~0.9 s for a question whose passages were not seen yet
in the process (e5, the bundled article, 2 cores; 14 ms once they were), and a larger embedder
would pay that on every new question: so they are embedded with the chunks, stored in each
index version (``sentences.npy`` and ``sentences.json``, checksummed by the manifest like every
other file) and looked up by (source, start, end). They also give a fused embedder its
reference sample of the corpus (``index/fusion.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from llama_index.core import Document
from llama_index.core.base.embeddings.base import BaseEmbedding

from articleqa.index.priority import run_low_priority
from articleqa.index.text import sentence_spans

VECTORS_FILE = "sentences.npy"
KEYS_FILE = "sentences.json"
REFERENCE_ROWS = 2048  # sentences a fused embedder's per-question statistics are taken over

SentenceKey = tuple[str, int, int]  # (source, start, end): offsets into the article text


@dataclass(slots=True)
class SentenceVectors:
    """Sentence vectors by key; rows as the embedder returned them (unit length)."""

    keys: list[SentenceKey] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    _rows: dict[SentenceKey, int] = field(default_factory=dict, repr=False)
    _reference: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if len(self.keys) != len(self.vectors):
            raise ValueError(f"{len(self.keys)} sentence keys for {len(self.vectors)} vectors")
        self._rows = {key: row for row, key in enumerate(self.keys)}

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, key: SentenceKey) -> np.ndarray | None:
        row = self._rows.get(key)
        return None if row is None else self.vectors[row]

    def extended(self, other: SentenceVectors) -> SentenceVectors:
        """These and ``other``'s sentences (a new article's), as a new object."""
        if not len(self):
            return other
        if not len(other):
            return self
        return SentenceVectors(self.keys + other.keys, np.vstack([self.vectors, other.vectors]))

    def renamed(self, old: str, new: str) -> SentenceVectors:
        """The same vectors with source ``old`` called ``new`` (an added article renamed)."""
        keys = [(new if s == old else s, a, b) for s, a, b in self.keys]
        return SentenceVectors(keys, self.vectors)

    def of_sources(self, sources: set[str]) -> SentenceVectors:
        """Only the sentences of these articles (those actually added)."""
        rows = [i for i, key in enumerate(self.keys) if key[0] in sources]
        return SentenceVectors([self.keys[i] for i in rows], self.vectors[rows])

    def reference(self, rows: int = REFERENCE_ROWS, seed: int = 13) -> np.ndarray:
        """A fixed sample of at most ``rows`` vectors (all of them for a small corpus)."""
        if self._reference is None:
            if len(self) <= rows:
                self._reference = self.vectors
            else:
                pick = np.sort(np.random.default_rng(seed).choice(len(self), rows,
                                                                  replace=False))
                self._reference = self.vectors[pick]
        return self._reference

    def save(self, folder: Path) -> None:
        np.save(folder / VECTORS_FILE, np.asarray(self.vectors, dtype=np.float32),
                allow_pickle=False)
        (folder / KEYS_FILE).write_text(json.dumps([list(k) for k in self.keys],
                                                   ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> SentenceVectors:
        """A version's sentences; none for a version written without them."""
        if not (folder / KEYS_FILE).exists():
            return cls()
        keys = [(s, int(a), int(b)) for s, a, b in
                json.loads((folder / KEYS_FILE).read_text(encoding="utf-8"))]
        vectors = np.load(folder / VECTORS_FILE, allow_pickle=False)
        return cls(keys, vectors.reshape(len(keys), -1) if keys else vectors)


def sentence_texts(documents: Iterable[Document]) -> tuple[list[SentenceKey], list[str]]:
    """Every sentence of ``documents``, with the spans the sentence scorer looks them up by."""
    keys: list[SentenceKey] = []
    texts: list[str] = []
    for document in documents:
        source = document.metadata["source"]
        for span in sentence_spans(document.text):
            keys.append((source, span.start, span.end))
            texts.append(document.text[span.start:span.end])
    return keys, texts


def embed_sentences(documents: Iterable[Document], embed_model: BaseEmbedding,
                    show_progress: bool = False) -> SentenceVectors:
    keys, texts = sentence_texts(documents)
    if not keys:
        return SentenceVectors()
    # At indexing priority, like the chunks: an upload must not slow other users' questions.
    vectors = run_low_priority(embed_model.get_text_embedding_batch, texts,
                               show_progress=show_progress)
    return SentenceVectors(keys, np.asarray(vectors, dtype=np.float32))
