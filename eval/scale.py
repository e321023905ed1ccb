"""The ``scale`` section of ``articleqa bench``: FAISS flat, FAISS HNSW and Milvus Lite on
vectors that behave like real multilingual-e5 embeddings, at 100k and 1M vectors.

Random unit vectors are a poor stand-in: in 384 dimensions they are almost orthogonal to
every query (top-1 cosine ~0.15, while e5 puts every passage at 0.7-0.9 of a question), so
any ANN index finds the few real vectors among them and recall looks perfect. Here:

- **Real vectors**: e5 passage embeddings of every sentence of the indexed articles and of
  the bundled second question set's articles, plus adjacent sentence pairs and 3-sentence
  shuffles within each article (``--quick``: sentences only, fewer articles).
- **Synthetic bulk**: mixtures of two real vectors (Dirichlet weights, mostly one dominant)
  plus Gaussian noise of norm ``sigma``, re-normalised. ``sigma`` is calibrated: the real
  pool is split into seeds and a held-out half; for each candidate ``sigma``, vectors
  generated from the seeds must give real queries (the bench questions and the second set's
  questions) the same top-1 and top-10 cosine distributions as the held-out real vectors
  (two-sample Kolmogorov-Smirnov statistic, reported with its 5% critical value, the
  quantiles of both distributions, and the same numbers for random unit vectors).
- **Measured**: recall@10 against exact search (a result is a hit when its exact score is at
  least the exact 10th-best score, so ties are not misses), search latency p50/p95 one query
  at a time, build time and memory, for FAISS flat, FAISS HNSW (one graph per size, efSearch
  swept on it) and Milvus Lite (in its own process, so its memory is its own).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from articleqa.eval.metrics import latency_ms
from articleqa.settings import bundled_questions_dir

QUANTILES = (5, 25, 50, 75, 95)
SIGMAS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
MIX_COMPONENTS = 2
MIX_ALPHA = 0.3  # Dirichlet concentration: below 1, one component usually dominates
EF_SWEEP = (16, 32, 64, 128, 256, 512, 1024)
NPROBE_SWEEP = (8, 16, 32, 64, 128, 256)
LITE_QUERIES = 50  # Milvus Lite search is slow at 1M (see README); time this many queries
QUICK_SENTENCES = 40  # --quick: e5 passage embedding is the slow part (~10/s on 2 cores)
SECOND_SET = bundled_questions_dir() / "second"
K = 10

Log = Callable[[str], None]


# ---------------------------------------------------------------- real vectors and queries

def real_texts(articles: list[str], quick: bool, seed: int = 11) -> dict[str, list[str]]:
    """Distinct passages by kind: sentences, adjacent pairs, 3-sentence shuffles (``quick``:
    the first ``QUICK_SENTENCES`` sentences only)."""
    from articleqa.index.text import sentence_spans

    rng = random.Random(seed)
    kinds: dict[str, set[str]] = {"sentences": set(), "pairs": set(), "shuffles": set()}
    for text in articles:
        sentences = [text[s.start:s.end] for s in sentence_spans(text)]
        if quick:
            room = QUICK_SENTENCES - len(kinds["sentences"])
            kinds["sentences"].update(sentences[:max(room, 0)])
            continue
        kinds["sentences"].update(sentences)
        if len(sentences) < 3:
            continue
        kinds["pairs"].update(" ".join(sentences[i:i + 2]) for i in range(len(sentences) - 1))
        for _ in range(2 * len(sentences)):
            kinds["shuffles"].add(" ".join(rng.sample(sentences, 3)))
    seen: set[str] = set()
    out: dict[str, list[str]] = {}
    for kind, texts in kinds.items():  # a text counts once, under its first kind
        out[kind] = sorted(texts - seen)
        seen |= texts
    return out


def second_set_articles(quick: bool) -> list[str]:
    files = sorted((SECOND_SET / "articles").glob("*.txt"))
    return [f.read_text(encoding="utf-8") for f in files[: 1 if quick else None]]


def second_set_questions(passages: list[str], quick: bool) -> list[str]:
    """The second set's questions (``quick``: those answered by ``passages``, at most 40)."""
    from articleqa.eval.dataset import load_questions

    questions = load_questions(SECOND_SET / "questions.jsonl")
    if not quick:
        return [q.question for q in questions]
    text = "\n".join(passages)
    return [q.question for q in questions
            if q.answerable and any(e in text for e in q.evidence)][:40]


# ---------------------------------------------------------------- synthetic vectors

def mixtures(seeds: np.ndarray, n: int, sigma: float, rng: np.random.Generator,
             batch: int = 100_000) -> np.ndarray:
    """``n`` unit vectors: Dirichlet-weighted mixtures of ``MIX_COMPONENTS`` seed vectors,
    plus isotropic noise of norm ~``sigma``, re-normalised."""
    dim = seeds.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, batch):
        m = min(batch, n - start)
        weights = rng.dirichlet([MIX_ALPHA] * MIX_COMPONENTS, size=m).astype(np.float32)
        picked = seeds[rng.integers(0, len(seeds), size=(m, MIX_COMPONENTS))]
        block = np.einsum("nk,nkd->nd", weights, picked)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        block += (sigma / np.sqrt(dim)) * rng.standard_normal((m, dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:start + m] = block
    return out


def random_unit(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal((n, dim), dtype=np.float32)
    return noise / np.linalg.norm(noise, axis=1, keepdims=True)


# ---------------------------------------------------------------- exact search and statistics

def exact_top(queries: np.ndarray, data: np.ndarray, k: int = K,
              block: int = 100_000) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` (ids, scores), best first, computed in blocks (1M x 384 fits)."""
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    best = np.zeros((len(queries), 0), dtype=np.float32)
    for start in range(0, len(data), block):
        scores = queries @ data[start:start + block].T
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        best = np.hstack([best, np.take_along_axis(scores, top, axis=1)])
        best_ids = np.hstack([best_ids, top + start])
        keep = np.argsort(-best, axis=1)[:, :k]
        best = np.take_along_axis(best, keep, axis=1)
        best_ids = np.take_along_axis(best_ids, keep, axis=1)
    return best_ids, best


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two CDFs."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    gap = np.abs(np.searchsorted(a, grid, "right") / len(a)
                 - np.searchsorted(b, grid, "right") / len(b))
    return round(float(gap.max()), 4)


def ks_critical(n: int, m: int) -> float:
    """The 5% critical value of the two-sample KS statistic (asymptotic)."""
    return round(1.358 * float(np.sqrt((n + m) / (n * m))), 4)


def _quantiles(values: np.ndarray) -> dict[str, float]:
    return {f"p{q}": round(float(np.percentile(values, q)), 4) for q in QUANTILES}


def _top1_top10(queries: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, scores = exact_top(queries, data)
    return scores[:, 0], scores[:, -1]


def calibrate(pool: np.ndarray, queries: np.ndarray, seed: int = 11) -> dict[str, Any]:
    """Pick the noise ``sigma`` whose synthetic vectors give real queries the top-1/top-10
    score distributions of held-out real vectors (smallest worst KS statistic)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(pool))
    seeds, held = pool[order[: len(pool) // 2]], pool[order[len(pool) // 2:]]
    real1, real10 = _top1_top10(queries, held)
    grid: dict[str, dict[str, float]] = {}
    drawn: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for sigma in SIGMAS:
        fake = mixtures(seeds, len(held), sigma, np.random.default_rng(seed + 1))
        top1, top10 = _top1_top10(queries, fake)
        drawn[sigma] = fake, top1, top10
        grid[str(sigma)] = {"ks_top1": ks_statistic(real1, top1),
                            "ks_top10": ks_statistic(real10, top10)}
    sigma = min(SIGMAS, key=lambda s: max(grid[str(s)].values()))
    fake, syn1, syn10 = drawn[sigma]
    noise = random_unit(len(held), pool.shape[1], np.random.default_rng(seed + 2))
    rnd1, rnd10 = _top1_top10(queries, noise)
    return {
        "sigma": sigma, "seed_vectors": len(seeds), "held_out_real_vectors": len(held),
        "queries": len(queries), "ks_critical_5pct": ks_critical(len(queries), len(queries)),
        "grid": grid,
        "top1": {"real": _quantiles(real1), "synthetic": _quantiles(syn1),
                 "random_unit": _quantiles(rnd1), "ks_synthetic": ks_statistic(real1, syn1),
                 "ks_random_unit": ks_statistic(real1, rnd1)},
        "top10": {"real": _quantiles(real10), "synthetic": _quantiles(syn10),
                  "random_unit": _quantiles(rnd10), "ks_synthetic": ks_statistic(real10, syn10),
                  "ks_random_unit": ks_statistic(real10, rnd10)},
        "mean_pair_cosine": {"real": _mean_pair_cosine(held, rng),
                             "synthetic": _mean_pair_cosine(fake, rng)},
    }


def _mean_pair_cosine(vectors: np.ndarray, rng: np.random.Generator, pairs: int = 5000) -> float:
    i, j = rng.integers(0, len(vectors), pairs), rng.integers(0, len(vectors), pairs)
    keep = i != j
    return round(float(np.mean(np.sum(vectors[i[keep]] * vectors[j[keep]], axis=1))), 4)


# ---------------------------------------------------------------- measuring the stores

class Truth:
    """Exact top-10 of each query, and the recall of a search's results against it."""

    def __init__(self, queries: np.ndarray, data: np.ndarray) -> None:
        self.queries, self.data = queries, data
        _, scores = exact_top(queries, data)
        self.kth = scores[:, -1] - 1e-5

    def recall(self, found: list[np.ndarray], rows: list[int] | None = None) -> float:
        rows = list(range(len(found))) if rows is None else rows
        hits = []
        for ids, row in zip(found, rows, strict=True):
            ids = np.asarray(ids, dtype=np.int64)
            ids = ids[ids >= 0]
            hits.append(np.sum(self.data[ids] @ self.queries[row] >= self.kth[row]) / K)
        return round(float(np.mean(hits)), 4)


def _searched(index, truth: Truth) -> dict[str, Any]:
    """Each query searched alone: latency and recall@10 against exact search."""
    seconds, found = [], []
    for q in truth.queries:
        started = time.perf_counter()
        _, ids = index.search(q[None, :], K)
        seconds.append(time.perf_counter() - started)
        found.append(ids[0])
    return {"search": latency_ms(seconds, digits=3), "recall@10": truth.recall(found)}


def measure_faiss(data: np.ndarray, truth: Truth) -> dict[str, Any]:
    import faiss

    from articleqa.index.vectors import HNSW_EF_SEARCH, new_faiss_index

    faiss.omp_set_num_threads(2)
    out: dict[str, Any] = {}
    for kind in ("flat", "hnsw"):
        index = new_faiss_index(kind, data.shape[1])
        started = time.perf_counter()
        index.add(data)
        build = time.perf_counter() - started
        out[kind] = {"build_s": round(build, 2),
                     "memory_mb": round(len(faiss.serialize_index(index)) / 1e6, 1),
                     **_searched(index, truth)}
        if kind == "hnsw":  # a search-time knob: sweep it on the same graph
            sweep = {}
            for ef in EF_SWEEP:
                index.hnsw.efSearch = ef
                sweep[str(ef)] = _searched(index, truth)
            out[kind]["ef_search"] = HNSW_EF_SEARCH
            out[kind]["ef_search_sweep"] = sweep
        del index
    out["ivf"] = measure_ivf(data, truth)
    return out


def measure_ivf(data: np.ndarray, truth: Truth) -> dict[str, Any]:
    """FAISS IVF-Flat as the app builds it (lists, training sample), ``nprobe`` swept. On
    crowded real-looking vectors an HNSW graph loses recall at 1M that no efSearch buys back,
    while IVF scans whole neighbourhoods (see README)."""
    import faiss

    from articleqa.index.vectors import IVF_NPROBE, new_faiss_index, train_if_needed

    index = new_faiss_index("ivf", data.shape[1], len(data))
    started = time.perf_counter()
    train_if_needed(index, data)
    train_s = time.perf_counter() - started
    index.add(data)
    build = time.perf_counter() - started
    sweep = {}
    for nprobe in NPROBE_SWEEP:
        index.nprobe = nprobe
        sweep[str(nprobe)] = _searched(index, truth)
    return {"nlist": index.nlist, "nprobe": IVF_NPROBE, "train_s": round(train_s, 2),
            "build_s": round(build, 2),
            "memory_mb": round(len(faiss.serialize_index(index)) / 1e6, 1),
            "nprobe_sweep": sweep}


def measure_milvus_lite(data: np.ndarray, truth: Truth, kind: str,
                        workdir: Path) -> dict[str, Any]:
    """Milvus Lite in a child process (its memory measured alone), queried as the app does:
    one query at a time, filtered to the index version, same index kind and parameters."""
    rows = list(range(min(LITE_QUERIES, len(truth.queries))))
    np.save(workdir / "data.npy", data)
    np.save(workdir / "queries.npy", truth.queries[rows])
    code = f"from articleqa.eval.scale import lite_child; lite_child({str(workdir)!r}, {kind!r})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    result_file = workdir / "lite.json"
    if done.returncode != 0 or not result_file.exists():
        return {"error": f"the Milvus Lite process failed (exit code {done.returncode}): "
                         f"{done.stderr.strip().splitlines()[-1:]}"}
    result = json.loads(result_file.read_text())
    found = [np.asarray(ids) for ids in result.pop("found")]
    result["recall@10"] = truth.recall(found, rows)
    return result


def _rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def lite_child(workdir: str, kind: str) -> None:
    """Runs in its own process: build a Milvus Lite collection, search it, write lite.json."""
    from pymilvus import DataType, MilvusClient

    from articleqa.index.milvus_store import client_options, index_params, wait_for_lite_indexes

    folder = Path(workdir)
    data = np.load(folder / "data.npy", mmap_mode="r")
    queries = np.load(folder / "queries.npy")
    uri = str(folder / "lite.db")
    baseline = _rss_mb()
    started = time.perf_counter()
    client = MilvusClient(uri=uri, **client_options(uri))
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("embedding", DataType.FLOAT_VECTOR, dim=data.shape[1])
    schema.add_field("version", DataType.INT64)
    index_config, search_config = index_params(kind)
    params = client.prepare_index_params()
    index_type = index_config.pop("index_type")
    params.add_index("embedding", index_type=index_type, metric_type="IP", params=index_config)
    client.create_collection("bench", schema=schema, index_params=params)
    for start in range(0, len(data), 10_000):
        block = np.asarray(data[start:start + 10_000])
        client.insert("bench", [{"id": start + i, "embedding": v, "version": 1}
                                for i, v in enumerate(block)])
    insert_s = time.perf_counter() - started
    del data  # unmap the input: what stays resident is Milvus Lite's own
    client.flush("bench")
    wait_for_lite_indexes(uri, "bench")  # as the app does after a full build
    build_s = time.perf_counter() - started
    segments = len(list((Path(uri) / "collections" / "bench").rglob("*.parquet")))
    seconds, found = [], []
    for q in queries:
        t = time.perf_counter()
        hits = client.search("bench", data=[q.tolist()], limit=K, anns_field="embedding",
                             filter="version <= 1", search_params=search_config)
        seconds.append(time.perf_counter() - t)
        found.append([int(h["id"]) for h in hits[0]])
    disk = sum(p.stat().st_size for p in Path(uri).rglob("*") if p.is_file())
    result = {"index": index_type, "segments": segments, "build_s": round(build_s, 1),
              "insert_s": round(insert_s, 1),
              "search": latency_ms(seconds, digits=3), "rss_mb": round(_rss_mb() - baseline, 1),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "disk_mb": round(disk / 1e6, 1), "found": found}
    (folder / "lite.json").write_text(json.dumps(result))


# ---------------------------------------------------------------- the whole index, per store

def synthetic_corpus(vectors: np.ndarray, passages: list[str], per_article: int = 25):
    """Chunks with the given vectors and real passages as text, grouped into articles whose
    texts the chunk offsets point into (what a real index of that size holds)."""
    import hashlib

    from llama_index.core.schema import TextNode

    from articleqa.index.article_index import SourceText
    from articleqa.index.manifest import SourceEntry

    nodes, sources, entries = [], {}, []
    keys = ["source", "title", "language", "sha256"]
    for first in range(0, len(vectors), per_article):
        chunks = [passages[i % len(passages)] for i in range(first, min(first + per_article,
                                                                         len(vectors)))]
        text = " ".join(chunks)
        name = f"archivio-{first // per_article:07d}.txt"
        digest = hashlib.sha256(text.encode()).hexdigest()
        start = 0
        for offset, chunk in enumerate(chunks):
            end = start + len(chunk)
            nodes.append(TextNode(
                id_=f"{name}#{digest[:12]}@{start}-{end}", text=chunk,
                embedding=vectors[first + offset].tolist(), start_char_idx=start,
                end_char_idx=end, metadata={"source": name, "title": name, "language": "it",
                                            "sha256": digest},
                excluded_embed_metadata_keys=keys, excluded_llm_metadata_keys=keys))
            start = end + 1
        sources[name] = SourceText(name, name, "it", text)
        entries.append(SourceEntry(source=name, sha256=digest, title=name, language="it",
                                   chars=len(text), chunks=len(chunks), bundled=False))
    return nodes, sources, entries


def index_footprint(settings, embed, vectors: np.ndarray, passages: list[str],
                    workdir: Path) -> dict[str, Any]:
    """The whole index at this size in each store: publish time, disk, load time and memory
    in a fresh process (what every CLI command and UI replica pays), adding one article.
    ``milvus_server`` is Milvus reached over the network (``milvus-lite server`` standing in
    for a cluster): the articleqa process then holds no vectors and no chunk text."""
    (workdir / "corpus").mkdir(parents=True, exist_ok=True)  # nothing bundled: all "added"
    out: dict[str, Any] = {"chunks": len(vectors)}
    with lite_server(workdir / "server") as (server_uri, server_pid):
        for name, store, uri in (("faiss", "faiss", None), ("milvus_lite", "milvus", None),
                                 ("milvus_server", "milvus", server_uri)):
            run = settings.model_copy(update={
                "data_dir": workdir / name, "index_dir": None, "corpus_dir": workdir / "corpus",
                "vector_store": store, "milvus_uri": uri})
            out[name] = _footprint(run, embed, vectors, passages)
            if uri:
                out[name]["server_rss_mb"] = round(_rss_mb(server_pid), 1)
                out[name]["server_disk_mb"] = _disk_mb(workdir / "server")
    return out


def _footprint(run, embed, vectors: np.ndarray, passages: list[str]) -> dict[str, Any]:
    from llama_index.core import StorageContext, VectorStoreIndex

    from articleqa.choices import FaissKind
    from articleqa.index.article_index import ArticleIndex
    from articleqa.index.build import add_articles
    from articleqa.index.manifest import IndexManifest
    from articleqa.index.persist import write_lock, write_version
    from articleqa.index.vector_store import new_index_id, new_vector_store, release_embedded
    from articleqa.index.vectors import faiss_kind_for

    nodes, sources, entries = synthetic_corpus(vectors, passages)
    index_dir = run.resolved_index_dir()
    started = time.perf_counter()
    with write_lock(index_dir):  # as build_index, with the vectors already computed
        manifest = IndexManifest(
            embed_model=run.embed_signature(), embed_dim=vectors.shape[1],
            chunking=run.chunking_signature(), sources=entries,
            faiss_kind=str(faiss_kind_for(FaissKind.AUTO, len(nodes), run.ann_threshold)),
            index_id=new_index_id(None), version=1)
        storage = StorageContext.from_defaults(vector_store=new_vector_store(run, manifest))
        vector_index = VectorStoreIndex(nodes, storage_context=storage, embed_model=embed,
                                        insert_batch_size=2048)
        write_version(ArticleIndex(manifest, vector_index, sources, embed, nodes),
                      index_dir, {}, 1)
    publish_s = time.perf_counter() - started
    del nodes, vector_index, storage
    disk = _disk_mb(index_dir)
    release_embedded(run)  # the fresh process below opens an embedded Lite database
    loaded = _load_in_fresh_process(run)
    started = time.perf_counter()
    _, report = add_articles(run, [("nuovo.txt", b"Nuovo articolo. Il consiglio comunale "
                                    b"ha approvato il bilancio.")], embed)
    add_s = time.perf_counter() - started
    release_embedded(run)
    return {"publish_s": round(publish_s, 1), "disk_mb": disk, "fresh_process_load": loaded,
            "add_one_article_s": round(add_s, 2), "disk_after_add_mb": _disk_mb(index_dir),
            "added": report.added}


@contextmanager
def lite_server(data_dir: Path, timeout_s: float = 60.0):
    """``milvus-lite server`` in its own process on a free loopback port: a stand-in for a
    Milvus server (articleqa talks to it over gRPC as to a cluster). Yields (uri, pid)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir",
                               str(data_dir), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("milvus-lite server did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _disk_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 1)


def _load_in_fresh_process(settings) -> dict[str, Any]:
    env = {**os.environ, "ARTICLEQA_DATA_DIR": str(settings.data_dir),
           "ARTICLEQA_CORPUS_DIR": str(settings.corpus_dir),
           "ARTICLEQA_VECTOR_STORE": str(settings.vector_store),
           "ARTICLEQA_ANN_THRESHOLD": str(settings.ann_threshold)}
    env.pop("ARTICLEQA_INDEX_DIR", None)
    env.pop("ARTICLEQA_MILVUS_URI", None)
    if settings.milvus_uri:
        env["ARTICLEQA_MILVUS_URI"] = settings.milvus_uri
    done = subprocess.run([sys.executable, "-c", "from articleqa.eval.scale import "
                           "load_child; load_child()"], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_child() -> None:
    """Runs in a fresh process: load the index, print load time and the memory it took."""
    import articleqa.index.persist  # noqa: F401  (imports are not the index's memory)
    from articleqa.index.build import load_index
    from articleqa.index.embeddings import load_configured
    from articleqa.settings import Settings

    settings = Settings()
    if settings.vector_store == "milvus":
        import articleqa.index.milvus_store  # noqa: F401
    embed = load_configured(settings)
    before = _rss_mb()
    started = time.perf_counter()
    index = load_index(settings, embed, check_corpus=False)
    print(json.dumps({"load_s": round(time.perf_counter() - started, 2),
                      "rss_mb": round(_rss_mb() - before, 1),
                      "chunks": index.manifest.chunk_count}))


# ---------------------------------------------------------------- the section

def run_scale(embed, indexed_articles: list[str], questions: list[str], sizes: tuple[int, ...],
              quick: bool, settings, log: Log = lambda _: None,
              seed: int = 11) -> dict[str, Any]:
    """Real-looking vectors at each size; FAISS flat/HNSW and Milvus Lite measured on them;
    at the first size, also the whole index (vectors, text, offsets) in each store."""
    from articleqa.choices import FaissKind
    from articleqa.index.vectors import faiss_kind_for

    kinds = real_texts(indexed_articles + second_set_articles(quick), quick, seed)
    texts = [t for group in kinds.values() for t in group]
    log(f"scale: embedding {len(texts)} real passages …")
    started = time.perf_counter()
    pool = np.asarray(embed.get_text_embedding_batch(texts), dtype=np.float32)
    embed_s = time.perf_counter() - started
    asked = questions + second_set_questions(texts, quick)
    queries = np.asarray([embed.get_query_embedding(q) for q in asked], dtype=np.float32)
    out: dict[str, Any] = {
        "real_vectors": {kind: len(group) for kind, group in kinds.items()} | {
            "total": len(pool), "embedding_s": round(embed_s, 1)},
        "queries": len(queries), "calibration": calibrate(pool, queries, seed), "sizes": {}}
    sigma = out["calibration"]["sigma"]
    for size in sizes:
        log(f"scale: {size:,} vectors …")
        rng = np.random.default_rng(seed + size)
        data = np.vstack([pool, mixtures(pool, size - len(pool), sigma, rng)])
        truth = Truth(queries, data)
        result: dict[str, Any] = {"vectors": size, "real": len(pool),
                                  "synthetic": size - len(pool)}
        result |= measure_faiss(data, truth)
        kind = faiss_kind_for(FaissKind.AUTO, size, settings.ann_threshold)  # as the app
        workdir = Path(tempfile.mkdtemp(prefix="articleqa-lite-"))
        try:
            result["milvus_lite"] = measure_milvus_lite(data, truth, str(kind), workdir)
            if size == sizes[0]:
                log(f"scale: whole index of {size:,} chunks in each store …")
                out["index_footprint"] = index_footprint(settings, embed, data, texts,
                                                         workdir / "footprint")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        out["sizes"][str(size)] = result
        del data, truth
    return out
