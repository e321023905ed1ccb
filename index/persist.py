"""Index versions on disk: written whole, published by one atomic rename, read without locks.

An index dir looks like this::

    CURRENT           the name of the live version, replaced atomically (os.replace)
    v-000007/         an immutable version: docstore.json, default__vector_store.json, …,
                      sources.json, sentences.npy/.json (every sentence's vector),
                      articles/ (the bytes of user-added articles) and
                      manifest.json, written last, with a SHA-256 of every other file
    .write.lock       a cross-process lock (filelock): one writer at a time
    .tmp-<pid>-<id>/  a version being written

A reader reads CURRENT, then the files of that version, and never sees half of a write. A
killed writer leaves at most a temp dir or an unpublished version, removed by the next writer
under the lock. The previous version is kept, so a reader that started before a swap can
finish; older ones are removed.

With ``ARTICLEQA_VECTOR_STORE=milvus`` a version holds no vectors and no docstore entries: they
live in a Milvus collection named by the manifest, whose rows carry the version that added
them (``index/milvus_store.py``), and ``milvus.db/`` (embedded Milvus Lite) sits beside the
versions. Collections no kept version names are dropped after each publish.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout
from llama_index.core import StorageContext, VectorStoreIndex, load_index_from_storage
from llama_index.core.base.embeddings.base import BaseEmbedding

from articleqa.errors import UserError
from articleqa.index.article_index import (
    REBUILD_HINT,
    ArticleIndex,
    IndexBusyError,
    IndexCorruptError,
    IndexDirError,
    IndexMissingError,
    IndexWriteError,
    SourceText,
)
from articleqa.index.manifest import MANIFEST_FILE, IndexManifest, file_sha256
from articleqa.index.sentence_vectors import SentenceVectors
from articleqa.index.vector_store import (
    FAISS_FILE,
    describe,
    open_vector_store,
    published,
    seal,
    stored_count,
)
from articleqa.settings import MILVUS_LITE_FILE, Settings

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".write.lock"
SOURCES_FILE = "sources.json"
ARTICLES_DIR = "articles"
_VERSION = re.compile(r"^v-(\d{6,})$")
# Files a format-1 index (before versions) kept at the top of the index dir.
_LEGACY_FILES = ("manifest.json", "docstore.json", "index_store.json", FAISS_FILE,
                 "graph_store.json", "image__vector_store.json", SOURCES_FILE)


def ensure_ours(index_dir: Path) -> None:
    """Refuse, touching nothing, an index dir that holds files we did not write."""
    if not index_dir.exists():
        return
    if not index_dir.is_dir():
        raise IndexDirError(f"{index_dir} is a file, not an index directory; choose another "
                            "--index-dir (ARTICLEQA_INDEX_DIR)")
    entries = list(index_dir.iterdir())
    ours = (index_dir / CURRENT_FILE).exists() or (index_dir / MANIFEST_FILE).exists()
    if entries and not ours and not all(_is_index_entry(e) for e in entries):
        names = ", ".join(sorted(e.name for e in entries)[:5])
        raise IndexDirError(
            f"{index_dir} already holds files that are not an articleqa index ({names}…); "
            "nothing was changed. Choose an empty or new --index-dir (ARTICLEQA_INDEX_DIR).")


def _is_index_entry(path: Path) -> bool:
    return (path.name in (LOCK_FILE, CURRENT_FILE, MILVUS_LITE_FILE)
            or path.name.startswith(".tmp-") or bool(_VERSION.match(path.name)))


# A writer that gets the lock within this long says nothing; after it, it says whom it waits for.
QUIET_WAIT_S = 1.0


@contextmanager
def write_lock(index_dir: Path, timeout_s: float = -1,
               log: Callable[[str], None] | None = None) -> Iterator[FileLock]:
    """The lock every writer holds from reading the live version to publishing its own.

    Another writer may hold it for minutes (a big article being published, a rebuild): after
    QUIET_WAIT_S the wait is said through ``log``, and after ``timeout_s`` (-1: no limit) it
    ends in an IndexBusyError naming the lock file, instead of waiting on in silence."""
    ensure_ours(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / LOCK_FILE))
    started = time.monotonic()
    try:
        lock.acquire(timeout=QUIET_WAIT_S if timeout_s < 0 else min(QUIET_WAIT_S, timeout_s))
    except Timeout:
        if log:
            limit = "" if timeout_s < 0 else f" (at most {timeout_s:g} s, " \
                "ARTICLEQA_WRITE_LOCK_TIMEOUT_S)"
            log(f"waiting for another articleqa writer to finish with {index_dir}{limit}…")
        remaining = -1 if timeout_s < 0 else max(0.0, timeout_s - (time.monotonic() - started))
        try:
            lock.acquire(timeout=remaining)
        except Timeout:
            raise IndexBusyError(
                f"another articleqa process has held {index_dir / LOCK_FILE} for over "
                f"{timeout_s:g} s (an `articleqa index`, a rebuild or an upload in a running "
                "UI); try again when it is done, or raise ARTICLEQA_WRITE_LOCK_TIMEOUT_S"
            ) from None
    try:
        yield lock
    finally:
        lock.release()


def current_version(index_dir: Path) -> Path | None:
    """The live version's folder, or None when nothing has been published.

    A pointer that is missing beside published versions, empty, not UTF-8, or naming a version
    that is absent or incomplete is an IndexCorruptError: ``build_index`` then starts from
    ``recoverable_version`` and keeps every stored article (see ``recover_articles``)."""
    pointer = index_dir / CURRENT_FILE
    try:
        name = pointer.read_bytes().decode("utf-8").strip()
    except FileNotFoundError:
        legacy = index_dir / MANIFEST_FILE
        if legacy.exists():
            return index_dir
        if index_dir.is_dir() and _version_numbers(index_dir):
            raise IndexCorruptError(f"{pointer} is missing but {index_dir} holds index "
                                    f"versions; {REBUILD_HINT}") from None
        return None
    except UnicodeDecodeError:
        raise IndexCorruptError(f"{pointer} is garbled (not text); {REBUILD_HINT}") from None
    except OSError as exc:
        raise IndexCorruptError(f"{pointer} is unreadable ({exc}); {REBUILD_HINT}") from exc
    if not _VERSION.match(name) or not (index_dir / name / MANIFEST_FILE).exists():
        raise IndexCorruptError(f"{pointer} names {name[:40]!r}, which is not a complete index "
                                f"version; {REBUILD_HINT}")
    return index_dir / name


def recoverable_version(index_dir: Path) -> Path | None:
    """The version a rebuild starts from: the live one, or, when the pointer is damaged, the
    newest version whose manifest can be read (its articles, settings and index id)."""
    try:
        return current_version(index_dir)
    except IndexCorruptError:
        numbers = _version_numbers(index_dir) if index_dir.is_dir() else {}
        for number in sorted(numbers, reverse=True):
            if readable_manifest(numbers[number]) is not None:
                return numbers[number]
        return None


def stored_articles(version: Path | None) -> dict[str, Path]:
    """The files kept in a version's ``articles/`` folder, by name: the user-added articles
    (by source name) and their origin sidecars (see ``corpus.user_articles``)."""
    if version is None or not (version / ARTICLES_DIR).is_dir():
        return {}
    return {p.name: p for p in sorted((version / ARTICLES_DIR).iterdir()) if p.is_file()}


@dataclass(slots=True)
class RecoveredArticles:
    """What a rebuild can keep of the user's stored article files: ``files`` by name (an
    article or its origin sidecar), and ``damaged``: {name: why} for files no intact copy of
    which is left."""

    files: dict[str, Path] = field(default_factory=dict)
    damaged: dict[str, str] = field(default_factory=dict)


def recover_articles(index_dir: Path) -> RecoveredArticles:
    """Every user article file stored in any version of ``index_dir``, each checked against
    its version's manifest.

    Articles are only ever added, so the union over the kept versions is what the user has;
    taking only the live version's would lose everything when its pointer or manifest is
    damaged. For each name the newest intact copy wins. A copy in a version without a readable
    manifest (the live one, with its manifest deleted) cannot be checked and is taken when no
    checked copy exists; a copy whose checksum does not match is never taken. Versions newer
    than the one the pointer names were never published (a killed writer) and are ignored."""
    found = RecoveredArticles()
    numbers = _version_numbers(index_dir) if index_dir.is_dir() else {}
    named = _named_number(index_dir)
    versions = [numbers[n] for n in sorted(numbers, reverse=True) if named is None or n <= named]
    legacy = index_dir / MANIFEST_FILE
    if legacy.exists():
        versions.append(index_dir)
    unchecked: dict[str, Path] = {}
    for version in versions:
        manifest = readable_manifest(version)
        for name, path in stored_articles(version).items():
            if name in found.files:
                continue
            digest = manifest.files.get(f"{ARTICLES_DIR}/{name}") if manifest else None
            if digest is None:
                unchecked.setdefault(name, path)
                continue
            try:
                intact = file_sha256(path) == digest
            except OSError as exc:
                found.damaged[name] = f"unreadable ({exc.strerror})"
                continue
            if intact:
                found.files[name] = path
                found.damaged.pop(name, None)
            else:
                found.damaged.setdefault(name, "its bytes were changed on disk (the checksum "
                                         f"does not match {version.name}/{MANIFEST_FILE})")
    for name, path in unchecked.items():
        if name not in found.files and name not in found.damaged:
            found.files[name] = path
    return found


def _named_number(index_dir: Path) -> int | None:
    """The version number the pointer names, when it names one at all."""
    try:
        match = _VERSION.match((index_dir / CURRENT_FILE).read_bytes().decode("utf-8").strip())
    except (OSError, UnicodeDecodeError):
        return None
    return int(match.group(1)) if match else None


def write_version(index: ArticleIndex, index_dir: Path, articles: dict[str, Path | bytes],
                  number: int | None = None) -> Path:
    """Write ``index`` as a new version and publish it. The caller holds ``write_lock``.

    ``articles`` are the user-added article files to keep with it: a path (hard-linked from
    the previous version) or new bytes. ``number`` is the version number the caller already
    tagged rows with (Milvus; taken under the same lock); by default the next one."""
    _remove_dead_writers(index_dir)
    number = number or next_version_number(index_dir)
    index.manifest.version = number
    store = index.vector_index.vector_store
    tmp = index_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir()
        seal(store)
        index.vector_index.storage_context.persist(persist_dir=str(tmp))
        sources = [asdict(s) for s in index.sources.values()]
        (tmp / SOURCES_FILE).write_text(json.dumps(sources, ensure_ascii=False),
                                        encoding="utf-8")
        index.sentences.save(tmp)
        if articles:
            (tmp / ARTICLES_DIR).mkdir()
        for name, content in articles.items():
            target = tmp / ARTICLES_DIR / name
            if isinstance(content, Path):
                try:
                    os.link(content, target)
                except OSError:
                    shutil.copyfile(content, target)
            else:
                target.write_bytes(content)
        index.manifest.files = {str(p.relative_to(tmp)): file_sha256(p)
                                for p in sorted(tmp.rglob("*")) if p.is_file()}
        index.manifest.built_at = time.strftime("%Y-%m-%dT%H:%M:%S")
        (tmp / MANIFEST_FILE).write_text(index.manifest.to_json(), encoding="utf-8")
        _fsync_tree(tmp)
        version = index_dir / f"v-{number:06d}"
        os.rename(tmp, version)
    except (OSError, RuntimeError) as exc:  # FAISS reports a failed write as RuntimeError
        shutil.rmtree(tmp, ignore_errors=True)
        reason = " ".join(str(exc).split())[-200:]
        raise IndexWriteError(
            f"could not write the new index version in {index_dir} ({reason}); free some "
            "disk space (or fix the folder's permissions) and try again. Nothing was changed: "
            "the previous version still serves") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer_tmp = index_dir / f".tmp-{os.getpid()}-current"
    try:
        pointer_tmp.write_text(version.name, encoding="utf-8")
        _fsync_file(pointer_tmp)
        os.replace(pointer_tmp, index_dir / CURRENT_FILE)
    except OSError as exc:
        pointer_tmp.unlink(missing_ok=True)
        shutil.rmtree(version, ignore_errors=True)
        raise IndexWriteError(f"could not publish the new index version in {index_dir} "
                              f"({exc.strerror}); free some disk space and try again. Nothing "
                              "was changed: the previous version still serves") from exc
    _fsync_dir(index_dir)
    index.version_dir = version
    _remove_old_versions(index_dir, version)
    published(store, index.manifest, _kept_manifests(index_dir))
    return version


def read_version(version: Path, embed_model: BaseEmbedding, settings: Settings) -> ArticleIndex:
    """Load one version without embedding anything; damage is an error naming the file."""
    try:
        manifest = IndexManifest.read(version)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexCorruptError(f"{version / MANIFEST_FILE} is unreadable ({exc}); "
                                f"{REBUILD_HINT}") from exc
    for name, digest in manifest.files.items():
        path = version / name
        try:
            actual = file_sha256(path)
        except OSError as exc:
            raise IndexCorruptError(f"{path} is missing ({exc.strerror}); {REBUILD_HINT}"
                                    ) from exc
        if actual != digest:
            raise IndexCorruptError(f"{path} is damaged (its checksum does not match the "
                                    f"manifest); {REBUILD_HINT}")
    current = "?"
    try:
        current = FAISS_FILE
        vector_store = open_vector_store(version, manifest, settings)
        current = "docstore.json / index_store.json"
        storage = StorageContext.from_defaults(vector_store=vector_store,
                                               persist_dir=str(version))
        vector_index = load_index_from_storage(storage, embed_model=embed_model)
        current = SOURCES_FILE
        raw_sources = json.loads((version / SOURCES_FILE).read_text(encoding="utf-8"))
        sources = {s["source"]: SourceText(**s) for s in raw_sources}
        current = "sentences.npy / sentences.json"
        sentences = SentenceVectors.load(version)
    except UserError:  # a missing collection, an unreachable Milvus: already explained
        raise
    except Exception as exc:  # FAISS, JSON and pickle errors all mean the same to a user
        raise IndexCorruptError(f"{version / current} is damaged ({type(exc).__name__}: "
                                f"{exc}); {REBUILD_HINT}") from exc
    held = stored_count(vector_store)
    if held != manifest.chunk_count:
        raise IndexCorruptError(
            f"{describe(manifest, version)} holds {held} vectors but the manifest lists "
            f"{manifest.chunk_count} chunks; {REBUILD_HINT}")
    assert isinstance(vector_index, VectorStoreIndex)
    return ArticleIndex(manifest, vector_index, sources, embed_model, version_dir=version,
                        sentences=sentences)


def require_version(index_dir: Path) -> Path:
    version = current_version(index_dir)
    if version is None:
        raise IndexMissingError(f"no index at {index_dir}; build it with `articleqa index`")
    return version


# ---------------------------------------------------------------- housekeeping (under lock)

def _version_numbers(index_dir: Path) -> dict[int, Path]:
    found = {}
    for path in index_dir.iterdir():
        match = _VERSION.match(path.name)
        if match and path.is_dir():
            found[int(match.group(1))] = path
    return found


def next_version_number(index_dir: Path) -> int:
    """The number the next published version gets (stable while the write lock is held)."""
    return max(_version_numbers(index_dir), default=0) + 1


def readable_manifest(version: Path | None) -> IndexManifest | None:
    """The manifest of ``version``, or None when there is none or it cannot be read."""
    try:
        return IndexManifest.read(version) if version else None
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _kept_manifests(index_dir: Path) -> list[IndexManifest]:
    manifests = (readable_manifest(path) for path in _version_numbers(index_dir).values())
    return [m for m in manifests if m is not None]


def _remove_old_versions(index_dir: Path, live: Path) -> None:
    """Keep the live version and the one before it; drop older and unpublished ones, and the
    files of a format-1 index."""
    numbers = _version_numbers(index_dir)
    live_number = int(_VERSION.match(live.name).group(1))  # type: ignore[union-attr]
    previous = max((n for n in numbers if n < live_number), default=None)
    for number, path in numbers.items():
        if number not in (live_number, previous):
            shutil.rmtree(path, ignore_errors=True)
    for name in _LEGACY_FILES:
        (index_dir / name).unlink(missing_ok=True)


def _remove_dead_writers(index_dir: Path) -> None:
    """Temp dirs of writers that were killed (their pid is gone, or it is ours from before)."""
    for tmp in index_dir.glob(".tmp-*"):
        pid = tmp.name.split("-")[1]
        if pid.isdigit() and (int(pid) == os.getpid() or not _pid_alive(int(pid))):
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, it just is not ours
        return True
    return True


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            _fsync_file(path)
    for folder in [p for p in root.rglob("*") if p.is_dir()] + [root]:
        _fsync_dir(folder)
