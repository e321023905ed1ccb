"""What an index was built from, so a mismatch is caught before wrong vectors are served."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One indexed article file."""

    source: str
    sha256: str
    title: str
    language: str
    chars: int
    chunks: int


@dataclass(slots=True)
class IndexManifest:
    """Written last into an index directory: its presence means the index is complete."""

    embed_model: str
    embed_dim: int
    chunking: str
    faiss_kind: str
    sources: list[SourceEntry] = field(default_factory=list)
    format_version: int = FORMAT_VERSION
    built_at: str = ""

    @property
    def corpus_hash(self) -> str:
        return corpus_hash({s.source: s.sha256 for s in self.sources})

    @property
    def chunk_count(self) -> int:
        return sum(s.chunks for s in self.sources)

    def to_json(self) -> str:
        data = asdict(self)
        data["corpus_hash"] = self.corpus_hash
        return json.dumps(data, indent=2, ensure_ascii=False)

    @classmethod
    def read(cls, index_dir: Path) -> IndexManifest:
        data = json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        data.pop("corpus_hash", None)
        data["sources"] = [SourceEntry(**s) for s in data.get("sources", [])]
        return cls(**data)

    def staleness(self, embed_model: str, chunking: str,
                  corpus: dict[str, str]) -> str | None:
        """Why this index does not match the wanted settings and corpus, or None if it does."""
        if self.format_version != FORMAT_VERSION:
            return f"index format {self.format_version} is not the current {FORMAT_VERSION}"
        if self.embed_model != embed_model:
            return f"built with embedding model {self.embed_model!r}, not {embed_model!r}"
        if self.chunking != chunking:
            return f"built with chunking {self.chunking!r}, not {chunking!r}"
        if corpus_hash(corpus) != self.corpus_hash:
            indexed = {s.source for s in self.sources}
            new = sorted(set(corpus) - indexed)
            gone = sorted(indexed - set(corpus))
            changed = sorted(n for n in indexed & set(corpus)
                             if corpus[n] != next(s.sha256 for s in self.sources if s.source == n))
            parts = [f"{label}: {', '.join(names)}" for label, names in
                     (("new", new), ("removed", gone), ("changed", changed)) if names]
            return "the articles changed (" + "; ".join(parts) + ")"
        return None


def corpus_hash(corpus: dict[str, str]) -> str:
    """Hash of {file name: content sha256}, independent of order."""
    blob = json.dumps(sorted(corpus.items())).encode()
    return hashlib.sha256(blob).hexdigest()
