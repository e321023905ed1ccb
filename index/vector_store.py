"""The vector store of an index version, FAISS or Milvus: the one place that tells them apart.

build/add/load call these functions and otherwise use the llama-index store as is.

- ``faiss``: a FaissVectorStore persisted as a file of the version, next to the docstore.
- ``milvus``: a collection in Milvus (``index/milvus_store.py``): the embedded Milvus Lite
  database ``<index_dir>/milvus.db`` by default, or a server/cluster at ``milvus_uri``. The
  collection holds vectors, chunk text and offsets; the version dir keeps the small files
  (manifest, sources.json with the article texts citations point into, added articles).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import BaseNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore, VectorStoreQueryMode
from llama_index.vector_stores.faiss import FaissVectorStore

from articleqa.choices import VectorStoreKind
from articleqa.errors import UserError
from articleqa.index.manifest import IndexManifest
from articleqa.index.vectors import new_faiss_index, train_if_needed
from articleqa.settings import MILVUS_LITE_FILE, Settings

FAISS_FILE = "default__vector_store.json"  # what FaissVectorStore persists into a version


class VectorStoreError(UserError, RuntimeError):
    """The configured vector store cannot be used (extra not installed, server unreachable,
    Milvus Lite database open in another process). Not a reason to rebuild the index."""


class TrainingFaissVectorStore(FaissVectorStore):
    """A FaissVectorStore whose IVF index is trained on the first nodes added (a full build
    adds them all at once: see ``insert_batch_size`` in build_index)."""

    def add(self, nodes: list[BaseNode], **add_kwargs: Any) -> list[str]:
        if nodes and not self._faiss_index.is_trained:
            train_if_needed(self._faiss_index, np.asarray(
                [node.get_embedding() for node in nodes], dtype=np.float32))
        return super().add(nodes, **add_kwargs)


def new_index_id(previous: IndexManifest | None) -> str:
    """Names this index dir's Milvus collections; kept across versions and rebuilds."""
    return previous.index_id if previous and previous.index_id else uuid.uuid4().hex[:8]


def new_vector_store(settings: Settings, manifest: IndexManifest) -> BasePydanticVectorStore:
    """An empty store for a full build of ``manifest`` (its version, dim and index kind set).
    Milvus: creates the collection for this version and records its name in the manifest."""
    manifest.vector_store = settings.vector_store_signature()
    if settings.vector_store == VectorStoreKind.FAISS:
        chunks = sum(entry.chunks for entry in manifest.sources)
        return TrainingFaissVectorStore(faiss_index=new_faiss_index(
            manifest.faiss_kind, manifest.embed_dim, chunks))
    milvus = _milvus()
    manifest.collection = milvus.collection_name(settings.milvus_collection, manifest.index_id,
                                                 manifest.version)
    store = milvus.connect(settings.resolved_milvus_uri(), _token(settings),
                           manifest.collection, manifest.embed_dim, manifest.faiss_kind,
                           create=True)
    store.write_version = manifest.version
    return store


def open_vector_store(version_dir: Path, manifest: IndexManifest,
                      settings: Settings) -> BasePydanticVectorStore:
    """The store of a published version, reading exactly what that version holds."""
    if not manifest.vector_store.startswith("milvus"):
        return FaissVectorStore.from_persist_dir(str(version_dir))
    store = _milvus().connect(milvus_uri(manifest, version_dir.parent), _token(settings),
                              manifest.collection, manifest.embed_dim, manifest.faiss_kind,
                              create=False)
    store.read_version = manifest.version
    return store


def describe(manifest: IndexManifest, version_dir: Path) -> str:
    """What holds the vectors, for error messages."""
    if not manifest.vector_store.startswith("milvus"):
        return str(version_dir / FAISS_FILE)
    return f"the Milvus collection {manifest.collection}"


def stored_count(store: BasePydanticVectorStore) -> int:
    """Vectors the store holds for its version (checked against the manifest at load)."""
    if isinstance(store, FaissVectorStore):
        return store.client.ntotal
    return store.visible_count()


def begin_append(store: BasePydanticVectorStore, version: int) -> None:
    """Before inserting the chunks of new articles for ``version`` (the caller holds the
    write lock). FAISS: nothing (the whole index is written into the new version)."""
    if not isinstance(store, FaissVectorStore):
        store.begin_write(version)


def seal(store: BasePydanticVectorStore) -> None:
    """Make the vectors durable before the version naming them is published."""
    if not isinstance(store, FaissVectorStore):
        store.seal()


def published(store: BasePydanticVectorStore, manifest: IndexManifest,
              kept: list[IndexManifest]) -> None:
    """After ``manifest``'s version went live: read it, and drop this index's collections
    that no kept version names (earlier full builds, builds killed before publishing)."""
    if isinstance(store, FaissVectorStore):
        return
    store.read_version = manifest.version
    _milvus().drop_collections(store, manifest.index_id,
                               {m.collection for m in kept} | {manifest.collection})


def full_text_retriever(vector_index: VectorStoreIndex, top_k: int) -> BaseRetriever | None:
    """Keyword (BM25) search run by the store itself, or None when BM25 runs locally over the
    docstore's nodes (FAISS)."""
    if isinstance(vector_index.vector_store, FaissVectorStore):
        return None
    return vector_index.as_retriever(similarity_top_k=top_k,
                                     vector_store_query_mode=VectorStoreQueryMode.TEXT_SEARCH)


def release_embedded(settings: Settings) -> None:
    """Close this process' embedded Milvus Lite database of ``settings`` (if open), so another
    process can open it: Milvus Lite allows one process per database. Loaded indexes that use
    it stop working; load the index again to reopen it. No-op for FAISS and Milvus servers."""
    uri = settings.resolved_milvus_uri()
    if settings.vector_store == VectorStoreKind.MILVUS and uri.endswith(".db"):
        _milvus().release_lite(uri)


def milvus_uri(manifest: IndexManifest, index_dir: Path) -> str:
    """The Milvus a version was built in: ``milvus:lite`` is the file inside the index dir."""
    where = manifest.vector_store.removeprefix("milvus:")
    return str(index_dir / MILVUS_LITE_FILE) if where == "lite" else where


def _token(settings: Settings) -> str:
    return settings.milvus_token.get_secret_value() if settings.milvus_token else ""


def _milvus():
    try:
        from articleqa.index import milvus_store
    except ImportError as exc:
        raise VectorStoreError(
            f"ARTICLEQA_VECTOR_STORE=milvus needs the milvus extra ({exc.name} is missing): "
            "pip install 'articleqa[milvus]'") from exc
    return milvus_store
