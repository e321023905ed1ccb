"""A loaded index (what qa/ reads) and the index errors a user can fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import TextNode

from articleqa.errors import UserError
from articleqa.index.manifest import IndexManifest
from articleqa.index.sentence_vectors import SentenceVectors

REBUILD_HINT = "rebuild it with `articleqa index --rebuild`"


class ArticleIndexError(UserError, RuntimeError):
    """Base for index problems a user can fix; the message names the fix."""


class IndexMissingError(ArticleIndexError):
    """No index has been built yet (or there are no articles to build one from)."""


class IndexStaleError(ArticleIndexError):
    """The index was built with other settings or other articles."""


class IndexCorruptError(ArticleIndexError):
    """An index file is damaged; the message names the file."""


class IndexDirError(ArticleIndexError):
    """The index directory is not ours to write (it holds someone else's files)."""


class IndexWriteError(ArticleIndexError):
    """A new version could not be written (disk full, no permission); nothing was published."""


class IndexBusyError(ArticleIndexError):
    """Another writer held the index's write lock for longer than we were willing to wait."""


@dataclass(frozen=True, slots=True)
class SourceText:
    """A cleaned article as indexed: chunk offsets point into ``text``. ``url`` is where it
    was fetched from; ``author`` and ``date`` are what its page declared ('' when unknown)."""

    source: str
    title: str
    language: str
    text: str
    url: str = ""
    author: str = ""
    date: str = ""


@dataclass(frozen=True, slots=True)
class LostArticle:
    """A user-added article file a rebuild could not keep: its stored bytes were damaged or can
    no longer be read. ``problem`` says what happened to the file and what to do."""

    name: str
    problem: str

    def __str__(self) -> str:
        return f"lost {self.name}: {self.problem}"


@dataclass(slots=True)
class ArticleIndex:
    """A loaded index: the llama-index VectorStoreIndex plus the texts citations point into.

    ``version_dir`` is the immutable folder it was read from or written to (None before the
    first write); user-added article files live in its ``articles/`` folder. ``lost`` lists
    the user's articles the build that made it could not keep (damaged on disk), so every
    caller can say so. ``sentences`` holds every sentence's vector (embedded with the chunks,
    by the same model)."""

    manifest: IndexManifest
    vector_index: VectorStoreIndex
    sources: dict[str, SourceText]
    embed_model: BaseEmbedding
    nodes: list[TextNode] = field(default_factory=list)
    version_dir: Path | None = None
    lost: list[LostArticle] = field(default_factory=list)
    sentences: SentenceVectors = field(default_factory=SentenceVectors)

    def __post_init__(self) -> None:
        if not self.nodes:
            self.refresh_nodes()

    def refresh_nodes(self) -> None:
        """Re-read the chunk list from the docstore (after nodes were inserted)."""
        docs = self.vector_index.docstore.docs.values()
        self.nodes = sorted((n for n in docs if isinstance(n, TextNode)),
                            key=lambda n: (n.metadata.get("source", ""), n.start_char_idx))


@dataclass(slots=True)
class AddReport:
    """What ``add_articles`` did with each file."""

    added: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # added, but not as well as asked
    chunks_added: int = 0
    seconds: float = 0.0
