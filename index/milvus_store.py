"""Milvus as the vector store: embedded Milvus Lite inside the index dir, or a server by URI.

Imported only when ``ARTICLEQA_VECTOR_STORE=milvus`` (it needs the ``milvus`` extra).

Layout. A full build creates one collection, ``<prefix>_<index id>_v<version>``, holding each
chunk's vector, text and offsets (llama-index's MilvusVectorStore keeps the whole node, so no
local docstore is needed) plus an INT64 ``version`` field: the index version that added the
row. Adding articles inserts only the new rows, tagged with the new version number. A reader
of version V filters ``version <= V``, so every published version stays an immutable view,
rows of a writer killed before publishing stay invisible (and are deleted by the next writer),
and the atomic CURRENT pointer still decides what is live. Collections that no kept version
names are dropped after each publish. The collection also holds a BM25 function over the
chunk text, so keyword search runs inside Milvus (full-text search) instead of over a local
node list.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from llama_index.core.schema import BaseNode
from llama_index.core.vector_stores.types import VectorStoreQuery
from llama_index.vector_stores.milvus import MilvusVectorStore
from llama_index.vector_stores.milvus.utils import BM25BuiltInFunction
from pymilvus import DataType, MilvusClient, MilvusException

from articleqa.choices import FaissKind
from articleqa.index.article_index import REBUILD_HINT, IndexCorruptError
from articleqa.index.text import bm25_stopwords
from articleqa.index.vectors import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M

VERSION_FIELD = "version"
SPARSE_FIELD = "sparse_embedding"
INSERT_BATCH = 1000


class VersionedMilvusVectorStore(MilvusVectorStore):
    """A MilvusVectorStore whose rows carry the index version that added them.

    Queries see only rows with ``version <= read_version``; ``add`` tags rows with
    ``write_version``. Keyword queries (``text_search`` mode) use Milvus' BM25 function."""

    read_version: int = 0
    write_version: int = 0
    fresh: bool = False  # created by this process for a full build, not published yet
    embedded: bool = False  # Milvus Lite (a .db path), not a server
    lite_path: str = ""

    def add(self, nodes: list[BaseNode], **add_kwargs: Any) -> list[str]:
        tagged = []
        for node in nodes:
            copy = node.model_copy()
            copy.metadata = {**node.metadata, VERSION_FIELD: self.write_version}
            copy.excluded_embed_metadata_keys = [*node.excluded_embed_metadata_keys,
                                                 VERSION_FIELD]
            copy.excluded_llm_metadata_keys = [*node.excluded_llm_metadata_keys, VERSION_FIELD]
            tagged.append(copy)
        return super().add(tagged, **add_kwargs)

    def query(self, query: VectorStoreQuery, **kwargs: Any):
        if query.filters is not None:  # llama-index would drop string_expr, and the version
            raise ValueError("metadata filters are not supported by this store")
        visible = self.visible_expr()
        extra = kwargs.pop("string_expr", "")
        kwargs["string_expr"] = f"({extra}) and {visible}" if extra else visible
        return super().query(query, **kwargs)

    def _sparse_search(self, query: VectorStoreQuery, string_expr: str,
                       output_fields: list[str], **kwargs: Any):
        # llama-index asks for drop_ratio_search=0.2, which Milvus Lite refuses ("only 0 is
        # supported"); 0 (no query terms dropped) is exact BM25 on a server too. Milvus Lite
        # 3.2 returns BM25 scores negated; BM25 is never negative, so abs() is right for both.
        res = self.client.search(
            collection_name=self.collection_name, data=[query.query_str],
            anns_field=self.sparse_embedding_field, limit=query.similarity_top_k,
            filter=string_expr, output_fields=output_fields,
            search_params={"metric_type": "BM25", "params": {"drop_ratio_search": 0.0}})
        nodes, similarities, ids = self._parse_from_milvus_results(res)
        return nodes, [abs(s) for s in similarities], ids

    def visible_expr(self) -> str:
        return f"{VERSION_FIELD} <= {int(self.read_version)}"

    def visible_count(self) -> int:
        rows = self.client.query(self.collection_name, filter=self.visible_expr(),
                                 output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def begin_write(self, version: int) -> None:
        """Tag the next inserts with ``version``; delete rows of writers that died before
        publishing (anything above the version this store reads). The caller holds the lock."""
        self.client.delete(self.collection_name,
                           filter=f"{VERSION_FIELD} > {int(self.read_version)}")
        self.write_version = version

    def seal(self) -> None:
        """Make inserted rows durable before the version that names them is published; after
        a full build into embedded Milvus Lite, also wait for its segment indexes (below).
        Appends do not wait: Milvus Lite searches new small segments by brute force until
        they are indexed, and a Milvus server indexes in the background by design."""
        self.client.flush(self.collection_name)
        if self.fresh and self.embedded:
            wait_for_lite_indexes(self.lite_path, self.collection_name)
        self.fresh = False


def collection_name(prefix: str, index_id: str, version: int) -> str:
    return f"{prefix}_{index_id}_v{version:06d}"


def index_params(kind: FaissKind | str) -> tuple[dict, dict]:
    """Milvus index and search parameters matching the FAISS ones (inner product = cosine).
    Milvus gets its HNSW for both approximate kinds: IVF is measured for FAISS only."""
    if kind in (FaissKind.HNSW, FaissKind.IVF):
        return ({"index_type": "HNSW", "M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION},
                {"params": {"ef": HNSW_EF_SEARCH}})
    return {"index_type": "FLAT"}, {}


def bm25_function() -> BM25BuiltInFunction:
    """Milvus full-text search over the chunk text. A Milvus server applies every filter
    (Italian stemmer, Italian+English stop words, as the local BM25); Milvus Lite 3.2 applies
    the stop words and ignores the stemmer (its analyzer is a lower-cased \\w+ tokenizer)."""
    return BM25BuiltInFunction(
        function_name="bm25", analyzer_params={
            "tokenizer": "standard",
            "filter": ["lowercase", {"type": "stop", "stop_words": bm25_stopwords()},
                       {"type": "stemmer", "language": "italian"}]})


def connect(uri: str, token: str, collection: str, dim: int, kind: FaissKind | str,
            create: bool) -> VersionedMilvusVectorStore:
    """Open ``collection`` (``create``: make it, with its vector and BM25 indexes)."""
    from articleqa.index.vector_store import VectorStoreError

    index_config, search_config = index_params(kind)
    options = client_options(uri)
    try:
        with _quiet(_CONNECT_LOGGERS):  # failures are explained below, without tracebacks
            if not create and not MilvusClient(uri=uri, token=token, **options) \
                    .has_collection(collection):
                raise IndexCorruptError(f"the Milvus collection {collection} is missing from "
                                        f"{uri}; {REBUILD_HINT}")
            store = VersionedMilvusVectorStore(
                uri=uri, token=token, collection_name=collection, dim=dim,
                similarity_metric="IP", index_config=index_config,
                search_config=search_config, enable_sparse=True,
                sparse_embedding_field=SPARSE_FIELD, sparse_embedding_function=bm25_function(),
                scalar_field_names=[VERSION_FIELD], scalar_field_types=[DataType.INT64],
                consistency_level="Strong", batch_size=INSERT_BATCH, use_async_client=False,
                **options)
        store.client.load_collection(collection)  # a reopened collection starts released
        store.fresh, store.embedded = create, uri.endswith(".db")
        store.lite_path = uri if store.embedded else ""
    except MilvusException as exc:
        raise VectorStoreError(_explain(uri, exc)) from exc
    return store


def client_options(uri: str) -> dict[str, Any]:
    """pymilvus pings every 10 s even when idle; Milvus Lite's gRPC server (embedded, or
    ``milvus-lite server``) keeps gRPC's default (one ping per 5 minutes) and answers with
    GOAWAY "too_many_pings", which drops the connection and logs errors. Loopback needs no
    keepalive: ping only during long calls, and rarely. Remote servers keep pymilvus' pings."""
    host = urlsplit(uri).hostname if "://" in uri else None
    if not (uri.endswith(".db") or host in ("127.0.0.1", "localhost", "::1")):
        return {}
    return {"grpc_options": {"grpc.keepalive_time_ms": 360_000,
                             "grpc.keepalive_permit_without_calls": False}}


# The embedded server's servicer logs a traceback (pyarrow's, for a damaged segment file) before
# the client sees the error that _explain turns into one line.
_CONNECT_LOGGERS = ("milvus_lite.server_manager", "milvus_lite.adapter.grpc.servicer",
                    "pymilvus")


@contextmanager
def _quiet(names: tuple[str, ...]):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class _DropUnimplemented(logging.Filter):
    """The embedded server logs a traceback for each RPC it does not implement; pymilvus
    probes two of them while creating an index and carries on. Nothing to act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Method not implemented" not in record.getMessage()


logging.getLogger("grpc._server").addFilter(_DropUnimplemented())


def drop_collections(store: VersionedMilvusVectorStore, index_id: str,
                     keep: set[str]) -> list[str]:
    """Drop this index's collections (named with its random ``index_id``) not in ``keep``.
    Collections of other index dirs sharing the server are never touched."""
    own = re.compile(rf"^[A-Za-z_][A-Za-z0-9_]*_{re.escape(index_id)}_v\d{{6,}}$")
    dropped = [name for name in store.client.list_collections()
               if own.match(name) and name not in keep]
    for name in dropped:
        store.client.drop_collection(name)
    return dropped


def wait_for_lite_indexes(path: str, collection: str) -> None:
    """Wait until embedded Milvus Lite has indexed what was flushed. Milvus Lite 3.2 builds
    segment indexes in a background thread of this process after each flush and searches by
    brute force until then, while describe_index already says "Finished"; releasing and
    reloading instead races with that thread (a half-written index file fails the load).
    pymilvus has no call for this, so drain the engine's background queue directly; if its
    internals change, searches stay correct (brute force) until the index is built."""
    from milvus_lite.server_manager import server_manager_instance

    try:
        engine = server_manager_instance._servers[os.path.abspath(path)][1]
        engine.get_collection(collection)._wait_for_bg()
    except (AttributeError, KeyError, LookupError, TypeError):
        return


def release_lite(path: str) -> None:
    """Stop this process' embedded Milvus Lite server for ``path`` (its clients stop working),
    so another process can open the database."""
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(path)


def _explain(uri: str, exc: Exception) -> str:
    """One line saying what failed and what to do."""
    reason = " ".join((getattr(exc, "message", None) or str(exc)).split())[:300]
    if uri.endswith(".db"):
        if _lite_locked(uri) and not _open_here(uri):
            return (f"the embedded Milvus Lite database {uri} is open in another process "
                    "(Milvus Lite allows one process per database, e.g. a running "
                    "`articleqa ui`); stop it, or serve the database with `milvus-lite server "
                    f"--data-dir {uri} --port 19530` and set "
                    "ARTICLEQA_MILVUS_URI=http://127.0.0.1:19530 for every process")
        return (f"cannot read the Milvus Lite database {uri} ({reason}); its files are "
                f"probably damaged: remove it (`rm -r {uri}`) and run `articleqa index "
                "--rebuild`, which rebuilds the vectors from the articles the index keeps")
    return (f"cannot use Milvus at {uri} ({reason}); check ARTICLEQA_MILVUS_URI and "
            "ARTICLEQA_MILVUS_TOKEN")


def _open_here(path: str) -> bool:
    """Whether this process runs the embedded server of ``path`` (its lock is then ours, not
    another process'). Reads Milvus Lite's server table; False if its internals change."""
    from milvus_lite.server_manager import server_manager_instance

    try:
        return os.path.abspath(path) in server_manager_instance._servers
    except (AttributeError, TypeError):
        return False


def _lite_locked(path: str) -> bool:
    """Whether another process holds Milvus Lite's lock on the database directory."""
    lock = os.path.join(path, "LOCK")
    if not os.path.exists(lock):
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
