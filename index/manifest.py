"""What an index was built from, so a mismatch is caught before wrong vectors are served."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

# 3: every version holds its sentence vectors (sentences.npy / sentences.json).
FORMAT_VERSION = 3
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One indexed article. ``bundled`` articles come from the corpus dir; the others were
    added by the user and their original bytes are kept in the index's ``articles/`` folder."""

    source: str
    sha256: str
    title: str
    language: str
    chars: int
    chunks: int
    bundled: bool = True
    url: str = ""


@dataclass(slots=True)
class IndexManifest:
    """Written last into an index version: its presence means the version is complete.

    ``files`` maps every other file of the version to its SHA-256, so damage is detected at
    load instead of serving wrong vectors. ``vector_store`` says where the vectors live
    (``Settings.vector_store_signature``); with Milvus, ``collection`` names the collection
    and ``version`` the version number whose rows (and earlier ones) this version sees.
    ``faiss_kind`` is the ANN index kind (flat/ivf/hnsw) for either store."""

    embed_model: str
    embed_dim: int
    chunking: str
    faiss_kind: str
    sources: list[SourceEntry] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    built_at: str = ""
    vector_store: str = "faiss"
    collection: str = ""
    index_id: str = ""
    version: int = 0

    @property
    def bundled_hash(self) -> str:
        return corpus_hash({s.source: s.sha256 for s in self.sources if s.bundled})

    @property
    def chunk_count(self) -> int:
        return sum(s.chunks for s in self.sources)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def read(cls, folder: Path) -> IndexManifest:
        data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        data["sources"] = [SourceEntry(**s) for s in data.get("sources", [])]
        return cls(**data)

    def staleness(self, embed_model: str, chunking: str, bundled: dict[str, str],
                  vector_store: str = "faiss") -> str | None:
        """Why this index does not match the wanted settings and bundled corpus, or None."""
        if self.format_version != FORMAT_VERSION:
            return f"index format {self.format_version} is not the current {FORMAT_VERSION}"
        if self.vector_store != vector_store:
            return f"built in vector store {self.vector_store!r}, not {vector_store!r}"
        if self.embed_model != embed_model:
            return f"built with embedding model {self.embed_model!r}, not {embed_model!r}"
        if self.chunking != chunking:
            return f"built with chunking {self.chunking!r}, not {chunking!r}"
        if corpus_hash(bundled) != self.bundled_hash:
            indexed = {s.source: s.sha256 for s in self.sources if s.bundled}
            new = sorted(set(bundled) - set(indexed))
            gone = sorted(set(indexed) - set(bundled))
            changed = sorted(n for n in set(indexed) & set(bundled) if bundled[n] != indexed[n])
            parts = [f"{label}: {', '.join(names)}" for label, names in
                     (("new", new), ("removed", gone), ("changed", changed)) if names]
            return "the bundled articles changed (" + "; ".join(parts) + ")"
        return None


def corpus_hash(corpus: dict[str, str]) -> str:
    """Hash of {file name: content sha256}, independent of order."""
    blob = json.dumps(sorted(corpus.items())).encode()
    return hashlib.sha256(blob).hexdigest()


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
