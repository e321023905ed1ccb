"""`articleqa bench`: speed, memory and scale on this machine, beside a plain llama-index
pipeline built in the same run. Prints numbers; asserts nothing (targets are in README)."""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from articleqa.choices import RetrievalMode
from articleqa.errors import UserError
from articleqa.eval.dataset import EvalQuestion, load_questions
from articleqa.eval.metrics import (
    hit_at,
    hit_rank,
    latency_ms,
    mean_reciprocal_rank,
    percentile,
    short_answer_words,
)
from articleqa.settings import Settings, bundled_questions_dir

DEV_QUESTIONS = bundled_questions_dir() / "dev.jsonl"


class BenchError(UserError, ValueError):
    """A bench option that cannot be run (e.g. an unknown section)."""
CONTEXT_BUDGET = 600
SCALE_SIZES = (100_000, 1_000_000)
QUICK_SCALE_SIZES = (2_000, 10_000)


def _time_each(fn: Callable[[str], Any], queries: list[str]) -> list[float]:
    out = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - started)
    return out


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def context_hit(texts: list[str], evidence: list[str], budget: int = CONTEXT_BUDGET) -> bool:
    """Evidence inside the first ``budget`` characters of the ranked context."""
    context = "\n".join(texts)[:budget]
    return any(e in context for e in evidence)


# ---------------------------------------------------------------- sections

def cold_start(settings: Settings, question: str) -> dict[str, Any]:
    """A fresh process answering one question (index already built), as a user would run it."""
    env = dict(os.environ, ARTICLEQA_DATA_DIR=str(settings.data_dir),
               ARTICLEQA_CORPUS_DIR=str(settings.corpus_dir))
    if settings.index_dir:
        env["ARTICLEQA_INDEX_DIR"] = str(settings.index_dir)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "articleqa", "ask", question, "--json",
                           "--mode", "extractive"], capture_output=True, text=True, env=env,
                          timeout=300)
    seconds = time.perf_counter() - started
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ok = done.returncode == 0 and '"answer"' in done.stdout
    return {"ask_extractive_s": round(seconds, 3), "ok": ok,
            "peak_rss_extractive_process_mb": round(child_rss, 1)}


def model_load_times(settings: Settings) -> dict[str, float]:
    from articleqa.index.build import load_index
    from articleqa.index.embeddings import load_configured

    started = time.perf_counter()
    model = load_configured(settings)
    model.get_query_embedding("warm up")
    embed_s = time.perf_counter() - started
    started = time.perf_counter()
    load_index(settings, embed_model=model)
    return {"embed_model_load_ms": round(embed_s * 1000, 1),
            "index_load_ms": round((time.perf_counter() - started) * 1000, 1)}


def _rss_mb() -> float:
    """This process' resident memory now (Linux /proc), or its peak where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _peak_rss_mb()


def embedder_cost(settings: Settings, questions: list[str]) -> dict[str, Any]:
    """What the chosen embedder costs here: a new instance's load time and the memory it adds
    (less when the process already holds the same weights), one question's embedding
    (uncached), and a full index build of the corpus per 1,000 characters (chunks and
    sentences, both embedded at build time)."""
    from articleqa.index.build import build_index
    from articleqa.index.embeddings import load_configured

    before = _rss_mb()
    started = time.perf_counter()
    model = load_configured(settings)
    dim = len(model.get_query_embedding("warm up"))
    load_s = time.perf_counter() - started
    loaded = _rss_mb()
    clear = getattr(model, "clear_cache", lambda: None)

    def embed(q: str) -> None:
        clear()
        model.get_query_embedding(q)
    query = latency_ms(_time_each(embed, questions))
    with tempfile.TemporaryDirectory() as tmp:
        run = settings.model_copy(update={"data_dir": Path(tmp), "index_dir": None})
        started = time.perf_counter()
        index = build_index(run, embed_model=model)
        build_s = time.perf_counter() - started
    chars = sum(s.chars for s in index.manifest.sources)
    return {"name": settings.embed_model, "manifest_name": settings.embed_signature(),
            "dim": dim, "load_s": round(load_s, 2), "query_embedding": query,
            "index_build_s": round(build_s, 2), "indexed_chars": chars,
            "sentences": len(index.sentences), "chunks": index.manifest.chunk_count,
            "index_s_per_1000_chars": round(build_s / chars * 1000, 3) if chars else None,
            "rss_added_by_model_mb": round(loaded - before, 1),
            "rss_after_build_mb": round(_rss_mb(), 1)}


def _synthetic_corpus(folder: Path, source_text: str, articles: int, seed: int = 7) -> None:
    """Articles made of the bundled article's sentences, shuffled (real language, new order)."""
    from articleqa.index.text import sentence_spans

    sentences = [source_text[s.start:s.end] for s in sentence_spans(source_text)]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(articles):
        rng.shuffle(sentences)
        (folder / f"synthetic-{i:04d}.txt").write_text(f"Articolo sintetico {i}\n"
                                                       + " ".join(sentences), encoding="utf-8")


def indexing(settings: Settings, source_text: str, synthetic_articles: int) -> dict[str, Any]:
    from articleqa.index.build import build_index
    from articleqa.index.embeddings import load_configured

    model = load_configured(settings)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, corpus, articles in (("article", settings.corpus_dir, 1),
                                        ("synthetic", Path(tmp) / "corpus", synthetic_articles)):
            if label == "synthetic":
                _synthetic_corpus(corpus, source_text, articles)
            run = settings.model_copy(update={"data_dir": Path(tmp) / label, "corpus_dir": corpus,
                                              "index_dir": None})
            started = time.perf_counter()
            index = build_index(run, embed_model=model)
            seconds = time.perf_counter() - started
            chunks = index.manifest.chunk_count
            results[label] = {"articles": articles if label == "synthetic" else
                              len(index.manifest.sources), "chunks": chunks,
                              "seconds": round(seconds, 2),
                              "chunks_per_s": round(chunks / seconds, 1)}
    return results


def warm_latency(answerer, questions: list[str]) -> dict[str, Any]:
    embed = answerer.index.embed_model

    def uncached_embedding(q: str) -> None:
        answerer.clear_query_cache()
        embed.get_query_embedding(q)

    out: dict[str, Any] = {"query_embedding": latency_ms(_time_each(uncached_embedding, questions))}
    for mode in RetrievalMode:
        def retrieve(q: str, mode: str = mode) -> None:
            answerer.clear_query_cache()
            answerer.retriever.retrieve(q, mode)
        out[f"retrieval_{mode}"] = latency_ms(_time_each(retrieve, questions))

    def extractive(q: str) -> None:
        answerer.clear_query_cache()  # sentence embeddings stay cached: that is the warm state
        answerer.answer(q, mode="extractive")
    out["extractive_answer"] = latency_ms(_time_each(extractive, questions))
    out["peak_rss_after_extractive_mb"] = round(_peak_rss_mb(), 1)
    return out


def short_answers(answerer, questions: list[EvalQuestion], generative: bool) -> dict[str, Any]:
    """Short answers on the answerable questions, warm (sentence embeddings cached, as for a
    user asking about an article): accuracy and words of the span answers (extractive) and,
    with the LLM, of the verified rewrites, with the time to the quote and to the short
    answer."""
    from articleqa.eval.metrics import answer_matches

    answerable = [q for q in questions if q.answerable]
    modes = ["extractive"] + (["generative"] if generative else [])
    out: dict[str, Any] = {}
    for q in answerable:  # warm: every sentence seen once
        answerer.answer(q.question, mode="extractive")
    for mode in modes:
        quote_s, final_s, rows = [], [], []
        for q in answerable:
            started = time.perf_counter()
            quoted = None
            for event in answerer.stream(q.question, mode=mode):
                if not isinstance(event, str):
                    quoted = quoted or time.perf_counter() - started
                    answer = event
            final_s.append(time.perf_counter() - started)
            quote_s.append(quoted)
            short = answer.short_answer or ""
            rows.append((q.lang, answer_matches(short, q.answers),
                         short_answer_words(short),
                         answer.short_answer_source, answer.short_answer_check))
        summary: dict[str, Any] = {"quote": latency_ms(quote_s),
                                   "short_answer": latency_ms(final_s)}
        for lang in ("it", "en"):
            mine = [r for r in rows if r[0] == lang]
            if mine:
                summary[f"accuracy_{lang}"] = round(sum(r[1] for r in mine) / len(mine), 3)
        summary["median_words"] = percentile([r[2] for r in rows], 50)
        if mode == "generative":
            checks: dict[str, int] = {}
            for r in rows:
                checks[str(r[4])] = checks.get(str(r[4]), 0) + 1
            summary["llm_accepted"] = round(sum(r[3] == "llm" for r in rows) / len(rows), 3)
            summary["checks"] = checks
            summary["peak_rss_mb"] = round(_peak_rss_mb(), 1)
            writer = answerer.writer
            summary["backend"] = writer.name if writer else None
        out[mode] = summary
    return out


def baseline_comparison(answerer, settings: Settings,
                        questions: list[EvalQuestion]) -> dict[str, Any]:
    """articleqa vs plain llama-index defaults (same embedder) vs BM25 alone, on the dev set."""
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

    answerable = [q for q in questions if q.answerable]
    docs = SimpleDirectoryReader(str(settings.corpus_dir)).load_data()
    started = time.perf_counter()
    plain = VectorStoreIndex.from_documents(docs, embed_model=answerer.index.embed_model)
    plain_build = time.perf_counter() - started
    plain_retriever = plain.as_retriever(similarity_top_k=2)

    def plain_texts(q: str) -> list[str]:
        return [n.node.get_content() for n in plain_retriever.retrieve(q)]

    systems = {
        "articleqa": lambda q: [p.text for p in answerer.retriever.retrieve(
            q, settings.retrieval_mode, settings.top_k)],
        "llama_index_default": plain_texts,
        "bm25_only": lambda q: [p.text for p in answerer.retriever.retrieve(q, "bm25",
                                                                             settings.top_k)],
    }
    results: dict[str, Any] = {}
    for name, fn in systems.items():
        ranks, hits, seconds = [], [], []
        for q in answerable:
            answerer.clear_query_cache()
            started = time.perf_counter()
            texts = fn(q.question)
            seconds.append(time.perf_counter() - started)
            ranks.append(hit_rank(texts, q.evidence))
            hits.append(context_hit(texts, q.evidence))
        results[name] = {"mrr": round(mean_reciprocal_rank(ranks), 4),
                         "hit@1": round(hit_at(ranks, 1), 4),
                         "hit@k": round(hit_at(ranks, 99), 4),
                         "context_hit@600": round(sum(hits) / len(hits), 4),
                         "latency": latency_ms(seconds)}
    results["llama_index_default"]["chunks"] = len(plain.docstore.docs)
    results["llama_index_default"]["build_s"] = round(plain_build, 2)
    ours, base, bm25 = (results[k] for k in ("articleqa", "llama_index_default", "bm25_only"))
    results["ratios_articleqa_over_baseline"] = {
        "mrr": round(ours["mrr"] / base["mrr"], 3) if base["mrr"] else None,
        "context_hit@600": round(ours["context_hit@600"] / base["context_hit@600"], 3)
        if base["context_hit@600"] else None,
        "latency_p50": round(ours["latency"]["p50_ms"] / base["latency"]["p50_ms"], 3),
        "mrr_vs_bm25": round(ours["mrr"] / bm25["mrr"], 3) if bm25["mrr"] else None}
    return results


def scale(answerer, settings: Settings, questions: list[str], quick: bool,
          log: Callable[[str], None]) -> dict[str, Any]:
    """FAISS flat/HNSW and Milvus Lite on real-looking e5 vectors (see ``eval/scale.py``)."""
    from articleqa.eval.scale import run_scale

    articles = [s.text for s in answerer.index.sources.values()]
    return run_scale(answerer.index.embed_model, articles, questions,
                     QUICK_SCALE_SIZES if quick else SCALE_SIZES, quick, settings, log)


# ---------------------------------------------------------------- driver

SECTIONS = ("cold_start", "model_load", "embedder", "indexing", "warm", "short_answers",
            "baseline", "scale")


def run_bench(settings: Settings, quick: bool = False, questions_path: Path | None = None,
              log: Callable[[str], None] = lambda _: None,
              only: set[str] | None = None) -> dict[str, Any]:
    """Every section (or those in ``only``); ``quick`` shrinks them and skips the LLM."""
    from articleqa.index.build import open_index
    from articleqa.index.vector_store import release_embedded
    from articleqa.qa.answerer import create_answerer
    from articleqa.qa.local_llm import local_model_missing

    wanted = set(SECTIONS) if not only else only
    unknown = wanted - set(SECTIONS)
    if unknown:
        raise BenchError(f"unknown bench section(s) {', '.join(sorted(unknown))}; choose from "
                         f"{', '.join(SECTIONS)}")
    report: dict[str, Any] = {"quick": quick, "machine": {"cpus": os.cpu_count()},
                              "settings": settings.fingerprint(),
                              "embed_model": settings.embed_model}
    questions = load_questions(questions_path or DEV_QUESTIONS)
    texts = [q.question for q in questions]
    if "cold_start" in wanted:  # first: an embedded Milvus Lite index is one process' at a time
        open_index(settings, log=log)
        release_embedded(settings)
        log("cold start …")
        report["cold_start"] = cold_start(settings, texts[0])
    index = open_index(settings, log=log)
    source_text = next(iter(index.sources.values())).text
    answerer = create_answerer(index, settings, log=log)
    if "model_load" in wanted:
        report["model_load"] = model_load_times(settings)
    if "embedder" in wanted:
        log(f"embedder {settings.embed_model} …")
        report["embedder"] = embedder_cost(settings, texts[: 10 if quick else 30])
    if "indexing" in wanted:
        log("indexing …")
        report["indexing"] = indexing(settings, source_text, 10 if quick else 100)
    if "warm" in wanted:
        log("warm latency …")
        warm = (texts * (1 + 50 // len(texts)))[: 20 if quick else max(50, len(texts))]
        report["warm"] = warm_latency(answerer, warm)
    if "short_answers" in wanted:
        log("short answers …")
        generative = not quick and local_model_missing() is None
        report["short_answers"] = short_answers(answerer, questions, generative)
    if "baseline" in wanted:
        log("baseline …")
        report["baseline"] = baseline_comparison(answerer, settings, questions)
    if "scale" in wanted:
        log("scale …")
        report["scale"] = scale(answerer, settings, texts, quick, log)
    return report


def summary_lines(report: dict[str, Any]) -> list[str]:
    """A short human table of the headline numbers of the sections that ran."""
    lines: list[str] = []
    if "cold_start" in report:
        c = report["cold_start"]
        lines.append(f"cold start, ask (extractive):   {c['ask_extractive_s']:.2f} s "
                     f"(peak RSS {c['peak_rss_extractive_process_mb']:.0f} MB)")
    if "model_load" in report:
        m = report["model_load"]
        lines.append(f"embed model load / index load:  {m['embed_model_load_ms']:.0f} ms / "
                     f"{m['index_load_ms']:.0f} ms")
    if "embedder" in report:
        e = report["embedder"]
        lines.append(f"embedder {e['name']:<22} {e['dim']} dims, load {e['load_s']:.1f} s, "
                     f"query p50 {e['query_embedding']['p50_ms']:.1f} ms / p95 "
                     f"{e['query_embedding']['p95_ms']:.1f} ms, index build "
                     f"{e['index_s_per_1000_chars']} s per 1,000 chars, RSS +"
                     f"{e['rss_added_by_model_mb']:.0f} MB")
    for label, r in report.get("indexing", {}).items():
        lines.append(f"indexing {label:<10}            {r['chunks']} chunks in {r['seconds']} s "
                     f"({r['chunks_per_s']} chunks/s)")
    if "warm" in report:
        lines += _warm_lines(report["warm"])
    for mode, s in report.get("short_answers", {}).items():
        accuracy = ", ".join(f"{k[9:]} {v:.3f}" for k, v in s.items()
                             if k.startswith("accuracy_"))
        lines.append(f"short answers {mode:<11}      accuracy {accuracy}; median "
                     f"{s['median_words']:.0f} words; quote p50 {s['quote']['p50_ms']:.0f} ms, "
                     f"short answer p50 {s['short_answer']['p50_ms']:.0f} ms / p95 "
                     f"{s['short_answer']['p95_ms']:.0f} ms"
                     + (f"; LLM kept {s['llm_accepted']:.2f}, RSS {s['peak_rss_mb']:.0f} MB"
                        if "llm_accepted" in s else ""))
    if "baseline" in report:
        b = report["baseline"]
        for name in ("articleqa", "llama_index_default", "bm25_only"):
            r = b[name]
            lines.append(f"{name:<20} MRR {r['mrr']:.3f}  hit@1 {r['hit@1']:.3f}  context "
                         f"hit@600 {r['context_hit@600']:.3f}  p50 {r['latency']['p50_ms']:.1f} ms")
        lines.append(f"ratios articleqa/baseline: {b['ratios_articleqa_over_baseline']}")
    if "scale" in report:
        lines += _scale_lines(report["scale"])
    return lines


def _scale_lines(s: dict[str, Any]) -> list[str]:
    c = s["calibration"]
    lines = [f"scale: {s['real_vectors']['total']} real e5 vectors + mixtures (noise sigma "
             f"{c['sigma']}); top-1 KS vs real {c['top1']['ks_synthetic']:.3f} (random unit "
             f"vectors {c['top1']['ks_random_unit']:.3f}), top-10 KS "
             f"{c['top10']['ks_synthetic']:.3f} ({c['top10']['ks_random_unit']:.3f}); 5% "
             f"critical {c['ks_critical_5pct']:.3f}"]
    for size, r in s["sizes"].items():
        for name in ("flat", "hnsw", "milvus_lite"):
            m = r[name]
            if "error" in m:
                lines.append(f"{int(size):>9,} {name:<11} {m['error']}")
                continue
            memory = m.get("memory_mb", m.get("rss_mb"))
            lines.append(f"{int(size):>9,} {name:<11} build {m['build_s']} s, {memory} MB, "
                         f"search p50 {m['search']['p50_ms']:.2f} ms p95 "
                         f"{m['search']['p95_ms']:.2f} ms, recall@10 {m['recall@10']:.3f}")
        sweep = ", ".join(f"ef {ef}: {v['recall@10']:.3f} @ {v['search']['p50_ms']:.2f} ms"
                          for ef, v in r["hnsw"]["ef_search_sweep"].items())
        lines.append(f"{int(size):>9,} hnsw sweep  {sweep}")
        ivf = r["ivf"]
        sweep = ", ".join(f"nprobe {n}: {v['recall@10']:.3f} @ {v['search']['p50_ms']:.2f} ms"
                          for n, v in ivf["nprobe_sweep"].items())
        lines.append(f"{int(size):>9,} ivf{ivf['nlist']} build {ivf['build_s']} s, "
                     f"{ivf['memory_mb']} MB; {sweep}")
    return lines


def _warm_lines(w: dict[str, Any]) -> list[str]:
    lines = [f"{key:<31} p50 {w[key]['p50_ms']:.1f} ms, p95 {w[key]['p95_ms']:.1f} ms"
             for key in ("query_embedding", "retrieval_dense", "retrieval_bm25",
                         "retrieval_hybrid", "extractive_answer")]
    lines.append(f"peak RSS after extractive       {w['peak_rss_after_extractive_mb']:.0f} MB")
    return lines


def write_bench(report: dict[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "bench.json"
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    (out / "bench.txt").write_text("\n".join(summary_lines(report)) + "\n", encoding="utf-8")
    return path

