"""Build, load and extend the index of the article corpus.

The index holds the bundled articles (from ``settings.corpus_dir``) and the articles a user
added (their bytes kept inside the index version, so adding one is a single transaction:
the article, its vectors and the manifest are published together or not at all).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from llama_index.core import Document, StorageContext, VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import MetadataMode, TextNode

from articleqa.choices import FaissKind, VectorStoreKind
from articleqa.index.article_index import (
    AddReport,
    ArticleIndex,
    IndexCorruptError,
    IndexMissingError,
    IndexStaleError,
    LostArticle,
    SourceText,
)
from articleqa.index.chunking import chunk_documents
from articleqa.index.corpus import (
    ORIGIN_SUFFIX,
    bundled_digest,
    read_bundled,
    require_articles,
    safe_file_name,
    stored_files,
    unique_source_name,
    user_articles,
)
from articleqa.index.embeddings import load_configured
from articleqa.index.manifest import FORMAT_VERSION, IndexManifest, SourceEntry
from articleqa.index.persist import (
    REBUILD_HINT,
    RecoveredArticles,
    current_version,
    next_version_number,
    read_version,
    readable_manifest,
    recover_articles,
    recoverable_version,
    require_version,
    stored_articles,
    write_lock,
    write_version,
)
from articleqa.index.priority import run_low_priority
from articleqa.index.readers import (
    SUPPORTED_SUFFIXES,
    ArticleError,
    ArticleFile,
    Extractor,
    article_document,
    check_size,
)
from articleqa.index.sentence_vectors import embed_sentences
from articleqa.index.vector_store import begin_append, new_index_id, new_vector_store
from articleqa.index.vectors import faiss_kind_for
from articleqa.settings import Settings

Log = Callable[[str], None]
# What add_articles accepts: (name, bytes) of a file, or an ArticleFile (which may carry a URL).
NewArticle = ArticleFile | tuple[str, bytes]


def embed_model_for(settings: Settings, embed_model: BaseEmbedding | None) -> BaseEmbedding:
    return embed_model or load_configured(settings)


# ---------------------------------------------------------------- build

def build_index(settings: Settings, embed_model: BaseEmbedding | None = None,
                show_progress: bool = False, log: Log | None = None) -> ArticleIndex:
    """Index the bundled corpus and the user's added articles from scratch, and publish it."""
    started = time.perf_counter()
    embed_model = embed_model_for(settings, embed_model)
    index_dir = settings.resolved_index_dir()
    with write_lock(index_dir, settings.write_lock_timeout_s, log):
        previous = recoverable_version(index_dir)
        previous_manifest = readable_manifest(previous)
        bundled = read_bundled(settings.corpus_dir, settings.max_file_bytes)
        recovered = recover_articles(index_dir)
        user = user_articles(recovered.files)
        require_articles(bundled + user, settings.corpus_dir)
        user_documents, kept, lost = _readable(user, recovered)
        documents = [article_document(a) for a in bundled] + user_documents
        user_names = {d.metadata["source"] for d in user_documents}
        nodes = chunk_documents(documents, settings)
        dim = len(embed_model.get_query_embedding("dimension probe"))
        kind = faiss_kind_for(settings.faiss_index, len(nodes), settings.ann_threshold)
        manifest = IndexManifest(
            embed_model=settings.embed_signature(), embed_dim=dim,
            chunking=settings.chunking_signature(), faiss_kind=str(kind),
            sources=source_entries(documents, nodes, user_names),
            index_id=new_index_id(previous_manifest), version=next_version_number(index_dir))
        embed_nodes(nodes, embed_model, show_progress)
        storage = StorageContext.from_defaults(vector_store=new_vector_store(settings, manifest))
        # A FAISS IVF index is trained on the vectors it is built from: all in one batch.
        ivf = kind == FaissKind.IVF and settings.vector_store == VectorStoreKind.FAISS
        batch = len(nodes) if ivf else 256
        vector_index = VectorStoreIndex(nodes, storage_context=storage, embed_model=embed_model,
                                        show_progress=show_progress, insert_batch_size=batch)
        for node in nodes:  # the store keeps the vectors; the chunk list needs none
            node.embedding = None
        sentences = embed_sentences(documents, embed_model, show_progress)
        index = ArticleIndex(manifest, vector_index, source_texts(documents), embed_model, nodes,
                             sentences=sentences)
        write_version(index, index_dir, kept, manifest.version)
    index.lost = lost
    if log:
        for problem in lost:
            log(str(problem))
        log(f"Indexed {len(documents)} article(s), {len(nodes)} chunks ({kind} "
            f"{settings.vector_store}, {settings.embed_model}) in "
            f"{time.perf_counter() - started:.1f} s -> {index_dir}")
    return index


def _readable(user: list[ArticleFile], recovered: RecoveredArticles
              ) -> tuple[list[Document], dict[str, Path | bytes], list[LostArticle]]:
    """The user's recovered articles that still read as articles, the files that keep them,
    and the ones lost: damaged on disk, or no longer readable."""
    lost = [LostArticle(name, f"{problem}; add it again from your own copy")
            for name, problem in recovered.damaged.items() if not name.endswith(ORIGIN_SUFFIX)]
    documents: list[Document] = []
    kept: dict[str, Path | bytes] = {}
    for article in user:
        try:
            documents.append(article_document(article))
        except ArticleError as exc:
            lost.append(LostArticle(article.name, f"its stored copy can no longer be read "
                                    f"({exc}); add it again from your own copy"))
            continue
        origin = article.name + ORIGIN_SUFFIX
        if origin in recovered.damaged:
            lost.append(LostArticle(origin, f"{recovered.damaged[origin]}; {article.name} is "
                                    "kept without its web address"))
        for name in (article.name, article.name + ORIGIN_SUFFIX):
            if name in recovered.files:
                kept[name] = recovered.files[name]
    return documents, kept, lost


def source_entries(documents: Iterable[Document], nodes: list[TextNode],
                   user_names: set[str]) -> list[SourceEntry]:
    counts: dict[str, int] = {}
    for node in nodes:
        counts[node.metadata["source"]] = counts.get(node.metadata["source"], 0) + 1
    return [SourceEntry(source=d.metadata["source"], sha256=d.metadata["sha256"],
                        title=d.metadata["title"], language=d.metadata["language"],
                        chars=len(d.text), chunks=counts.get(d.metadata["source"], 0),
                        bundled=d.metadata["source"] not in user_names,
                        url=d.metadata.get("url", ""))
            for d in documents]


def source_texts(documents: Iterable[Document]) -> dict[str, SourceText]:
    return {d.metadata["source"]: SourceText(d.metadata["source"], d.metadata["title"],
                                             d.metadata["language"], d.text,
                                             d.metadata.get("url", ""),
                                             d.metadata.get("author", ""),
                                             d.metadata.get("date", ""))
            for d in documents}


# ---------------------------------------------------------------- load

def load_index(settings: Settings, embed_model: BaseEmbedding | None = None,
               check_corpus: bool = True) -> ArticleIndex:
    """Load the live index without re-embedding anything; raise if missing, stale or broken."""
    index_dir = settings.resolved_index_dir()
    version = require_version(index_dir)
    try:
        manifest = IndexManifest.read(version)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexCorruptError(f"{version} has an unreadable manifest ({exc}); "
                                f"{REBUILD_HINT}") from exc
    if check_corpus:
        bundled = bundled_digest(settings.corpus_dir, settings.max_file_bytes)
        reason = manifest.staleness(settings.embed_signature(), settings.chunking_signature(),
                                    bundled, settings.vector_store_signature())
        if reason:
            raise IndexStaleError(f"the index at {index_dir} is stale: {reason}; "
                                  f"{REBUILD_HINT}")
    return read_version(version, embed_model_for(settings, embed_model), settings)


def open_index(settings: Settings, embed_model: BaseEmbedding | None = None,
               rebuild: bool = False, show_progress: bool = False,
               log: Log | None = None) -> ArticleIndex:
    """Load the index, building it when missing, stale or damaged (and saying so via ``log``).

    A rebuild keeps the articles the user added (they are stored inside the index)."""
    if not rebuild:
        try:
            return load_index(settings, embed_model)
        except (IndexMissingError, IndexStaleError, IndexCorruptError) as exc:
            if log:
                log(f"{exc} -- rebuilding now.")
    return build_index(settings, embed_model, show_progress=show_progress, log=log)


def load_for_serving(settings: Settings, embed_model: BaseEmbedding | None = None,
                     log: Log | None = None) -> tuple[ArticleIndex, bool]:
    """The index a server can answer from now, and whether to rebuild it in the background.

    An index that is stale only because the bundled articles changed still answers (from the
    articles it has) while the new one is built; a missing or damaged one, or one built with
    another embedding model or chunking (its vectors cannot serve), is built first."""
    embed_model = embed_model_for(settings, embed_model)
    try:
        return load_index(settings, embed_model), False
    except IndexStaleError as exc:
        version = current_version(settings.resolved_index_dir())
        manifest = IndexManifest.read(version) if version else None
        if manifest and manifest.format_version == FORMAT_VERSION and \
                manifest.embed_model == settings.embed_signature() and \
                manifest.chunking == settings.chunking_signature():
            if log:
                log(f"{exc} -- answering from it while a new one is built")
            return read_version(version, embed_model, settings), True
        if log:
            log(f"{exc} -- rebuilding now.")
    except (IndexMissingError, IndexCorruptError) as exc:
        if log:
            log(f"{exc} -- rebuilding now.")
    return build_index(settings, embed_model, show_progress=True, log=log), False


# ---------------------------------------------------------------- add articles

def _validated(settings: Settings, files: Iterable[NewArticle], known: set[str],
               taken: set[str], report: AddReport) -> list[tuple[Document, bytes]]:
    """Readable, new articles as Documents, each under a unique source name. ``known`` holds
    the content hashes and URLs already indexed."""
    accepted: list[tuple[Document, bytes]] = []
    for item in files:
        given = item if isinstance(item, ArticleFile) else ArticleFile(*item)
        name = safe_file_name(given.name)
        try:
            if Path(name).suffix not in SUPPORTED_SUFFIXES:
                raise ArticleError(f"{given.name}: unsupported file type; use one of "
                                   f"{', '.join(SUPPORTED_SUFFIXES)}")
            check_size(given.name, len(given.data), settings.max_file_bytes)
            article = ArticleFile(name, given.data, given.url)
            if article.sha256 in known or (article.url and article.url in known):
                report.duplicates.append(given.url or given.name)
                continue
            article = ArticleFile(unique_source_name(name, article.sha256, taken),
                                  article.data, article.url)
            document = article_document(article, settings.max_pdf_pages)
            if document.metadata["extractor"] == Extractor.HTML_FALLBACK:
                report.notes.append(f"{article.name}: no article found in the page, so all "
                                    "of its visible text was indexed (menus and footers too)")
            accepted.append((document, article.data))
            known.update(filter(None, (article.sha256, article.url)))
            taken.add(article.name)
        except ArticleError as exc:
            report.errors.append(str(exc))
    return accepted


def _known(index: ArticleIndex) -> set[str]:
    """Content hashes and URLs of the indexed articles: what makes a new one a duplicate."""
    return {s.sha256 for s in index.manifest.sources} | \
        {s.url for s in index.manifest.sources if s.url}


def add_articles(settings: Settings, files: Iterable[NewArticle],
                 embed_model: BaseEmbedding | None = None,
                 show_progress: bool = False,
                 log: Log | None = None) -> tuple[ArticleIndex, AddReport]:
    """Validate new articles given as (name, bytes) or ArticleFile, embed them, and publish a
    new index version holding them. Returns the new index (or the current one when nothing was
    added).

    Idempotent by content and address: bytes or a URL already indexed are reported as a
    duplicate. Same-name files with different content are kept under distinct names. The slow
    part (embedding) runs without the write lock, so two uploads never wait on each other's
    embedding."""
    started = time.perf_counter()
    files = list(files)
    embed_model = embed_model_for(settings, embed_model)
    base = open_index(settings, embed_model, log=log)
    report = AddReport()
    accepted = _validated(settings, files, _known(base), set(base.sources), report)
    if not accepted:
        report.seconds = time.perf_counter() - started
        return base, report
    accepted, nodes = _within_chunk_caps(accepted, chunk_documents(
        [doc for doc, _ in accepted], settings), settings, report)
    if not accepted:
        report.seconds = time.perf_counter() - started
        return base, report
    embed_nodes(nodes, embed_model, show_progress)
    sentences = embed_sentences([doc for doc, _ in accepted], embed_model, show_progress)
    index_dir = settings.resolved_index_dir()
    with write_lock(index_dir, settings.write_lock_timeout_s, log):
        live = require_version(index_dir)
        current = (base if live == base.version_dir
                   else read_version(live, embed_model, settings))
        # Another writer may have published meanwhile: check names and content against it.
        taken = set(current.sources)
        known = _known(current)
        documents, payloads, final_nodes = [], {}, []
        for doc, data in accepted:
            url = doc.metadata.get("url", "")
            if doc.metadata["sha256"] in known or (url and url in known):
                report.duplicates.append(url or doc.metadata["source"])
                continue
            name = unique_source_name(doc.metadata["source"], doc.metadata["sha256"], taken)
            own = [n for n in nodes if n.metadata["source"] == doc.metadata["source"]]
            if name != doc.metadata["source"]:
                sentences = sentences.renamed(doc.metadata["source"], name)
                doc, own = _renamed(doc, own, name)
            taken.add(name)
            known.update(filter(None, (doc.metadata["sha256"], url)))
            documents.append(doc)
            payloads.update(stored_files(ArticleFile(name, data, url)))
            final_nodes += own
        if documents:
            number = next_version_number(index_dir)
            begin_append(current.vector_index.vector_store, number)
            current.vector_index.insert_nodes(final_nodes)
            current.manifest.sources += source_entries(documents, final_nodes, set(payloads))
            current.sources.update(source_texts(documents))
            added = {d.metadata["source"] for d in documents}
            current.sentences = current.sentences.extended(sentences.of_sources(added))
            current.refresh_nodes()
            kept: dict[str, Path | bytes] = dict(stored_articles(live))
            write_version(current, index_dir, {**kept, **payloads}, number)
    report.added = [d.metadata["source"] for d in documents]
    report.chunks_added = len(final_nodes)
    report.seconds = time.perf_counter() - started
    return current, report


def embed_nodes(nodes: list[TextNode], embed_model: BaseEmbedding, show_progress: bool) -> None:
    """Give every node its vector, computed at a lower CPU priority than answering (see
    ``index.priority``): an upload must not slow other users' questions."""
    vectors = run_low_priority(embed_model.get_text_embedding_batch,
                               [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes],
                               show_progress=show_progress)
    for node, vector in zip(nodes, vectors, strict=True):
        node.embedding = vector


def _within_chunk_caps(accepted: list[tuple[Document, bytes]], nodes: list[TextNode],
                       settings: Settings, report: AddReport
                       ) -> tuple[list[tuple[Document, bytes]], list[TextNode]]:
    """The articles (and their chunks) within ``max_chunks`` each and ``max_batch_chunks`` in
    all, in the order given; each one refused is named in ``report.errors`` with the limit."""
    counts = Counter(n.metadata["source"] for n in nodes)
    kept: list[tuple[Document, bytes]] = []
    room = settings.max_batch_chunks
    for doc, data in accepted:
        name, count = doc.metadata["source"], counts[doc.metadata["source"]]
        if count > settings.max_chunks:
            report.errors.append(
                f"{name}: {count} passages, over the {settings.max_chunks} one article may "
                "have (ARTICLEQA_MAX_CHUNKS; about a minute of indexing); split it into "
                "smaller files or raise the limit")
        elif count > room:
            report.errors.append(
                f"{name}: not added: its {count} passages would take this batch over "
                f"{settings.max_batch_chunks} (ARTICLEQA_MAX_BATCH_CHUNKS); add it in another "
                "batch")
        else:
            kept.append((doc, data))
            room -= count
    names = {doc.metadata["source"] for doc, _ in kept}
    return kept, [n for n in nodes if n.metadata["source"] in names]


def _renamed(doc: Document, nodes: list[TextNode], name: str) -> tuple[Document, list[TextNode]]:
    """The same article and chunks under another source name (ids follow the name)."""
    metadata = {**doc.metadata, "source": name}
    renamed = Document(text=doc.text, id_=f"{name}#{doc.metadata['sha256'][:12]}",
                       metadata=metadata,
                       excluded_embed_metadata_keys=list(doc.excluded_embed_metadata_keys),
                       excluded_llm_metadata_keys=list(doc.excluded_llm_metadata_keys))
    moved = []
    for node in nodes:
        copy = node.model_copy(deep=True)
        copy.id_ = f"{renamed.id_}@{node.start_char_idx}-{node.end_char_idx}"
        copy.metadata = {**node.metadata, "source": name}
        moved.append(copy)
    return renamed, moved
