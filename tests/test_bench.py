"""`articleqa bench --quick --only …` on a tiny corpus: the asked sections, with values that
hold on any machine (exact search is exact, synthetic vectors score like real ones, every
system finds the evidence)."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_bench_quick_runs_the_asked_sections_with_sane_values(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tiny.txt").write_text(
        "Notizie dal lago\nIl sindaco di Como ha aperto un nuovo porto sul lago. "
        "La regata di domenica è stata vinta da una squadra svizzera. "
        "Il traghetto delle otto è stato cancellato per il vento forte.", encoding="utf-8")
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "a", "lang": "it", "question": "Chi ha vinto la regata?", "answerable": True,
         "answers": ["squadra svizzera"], "evidence": ["vinta da una squadra svizzera"]},
        {"id": "b", "lang": "en", "question": "Why was the ferry cancelled?",
         "answerable": True, "answers": ["vento"], "evidence": ["per il vento forte"]},
        {"id": "c", "lang": "en", "question": "What is the recipe of tiramisu?",
         "answerable": False, "answers": [], "evidence": []},
    ]), encoding="utf-8")
    env = dict(os.environ, ARTICLEQA_CORPUS_DIR=str(corpus))
    done = subprocess.run(
        [sys.executable, "-m", "articleqa", "bench", "--quick", "--json", "--only",
         "cold_start,embedder,short_answers,baseline,scale", "--questions", str(questions),
         "--data-dir",
         str(tmp_path / "data"), "--out", str(tmp_path / "b")],
        capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert set(report) >= {"cold_start", "baseline", "scale"}
    assert not {"indexing", "warm", "model_load"} & set(report), "--only runs only those"
    assert report["cold_start"]["ok"] is True and report["cold_start"]["ask_extractive_s"] > 0
    embedder = report["embedder"]  # the chosen embedder's own costs (e5 by default)
    assert report["embed_model"] == embedder["name"] == "e5" and embedder["dim"] == 384
    assert embedder["query_embedding"]["n"] == 3 and embedder["query_embedding"]["p50_ms"] > 0
    assert embedder["indexed_chars"] > 100 and embedder["index_s_per_1000_chars"] > 0
    assert embedder["sentences"] == 4 and embedder["rss_after_build_mb"] > 0
    spans = report["short_answers"]["extractive"]
    assert "generative" not in report["short_answers"], "--quick never starts the LLM"
    # Plumbing, not the reader's quality (the eval measures that on many questions): one
    # Italian answerable question is scored, as a share.
    assert spans["accuracy_it"] in (0.0, 1.0) and spans["quote"]["n"] == 2
    assert spans["quote"]["p50_ms"] <= spans["short_answer"]["p50_ms"]
    baseline = report["baseline"]
    # Three sentences, two answerable questions: every system finds both within its top-k.
    for system in ("articleqa", "llama_index_default", "bm25_only"):
        assert baseline[system]["hit@k"] == 1.0, system
    assert baseline["articleqa"]["context_hit@600"] == 1.0
    scale = report["scale"]
    assert set(scale["sizes"]) == {"2000", "10000"}
    assert scale["real_vectors"]["total"] == 40, "--quick: 40 real sentences"
    calibration = scale["calibration"]
    for top in ("top1", "top10"):
        # Synthetic vectors must score like real ones for real queries: within the KS 5%
        # critical value for this many queries (~0.2 here), while random unit vectors (the
        # old scale test) are as far as possible (top-1 cosine ~0.15 against ~0.85).
        assert calibration[top]["ks_synthetic"] <= calibration["ks_critical_5pct"], top
        assert calibration[top]["ks_random_unit"] >= 0.9, top
    for size, result in scale["sizes"].items():
        assert result["real"] + result["synthetic"] == int(size)
        assert result["flat"]["recall@10"] == 1.0, "exact search is exact"
        lite = result["milvus_lite"]
        assert lite.get("index") == "FLAT", lite  # below the HNSW threshold, as the app
        assert lite["recall@10"] == 1.0, "Milvus Lite FLAT is exact"
        sweep = result["hnsw"]["ef_search_sweep"]
        assert sweep["512"]["recall@10"] >= sweep["16"]["recall@10"], "efSearch buys recall"
        probes = result["ivf"]["nprobe_sweep"]
        assert probes["256"]["recall@10"] >= probes["8"]["recall@10"] and \
            probes["256"]["recall@10"] >= 0.9, "nprobe buys recall"
    footprint = scale["index_footprint"]  # the whole index of 2,000 chunks in each store
    for store in ("faiss", "milvus_lite", "milvus_server"):
        assert footprint[store]["fresh_process_load"]["chunks"] == 2000, footprint[store]
        assert footprint[store]["added"] == ["nuovo.txt"]
    assert (tmp_path / "b" / "bench.json").exists()
    assert "recall@10" in (tmp_path / "b" / "bench.txt").read_text()


def test_bench_refuses_an_unknown_section(tmp_path):
    done = subprocess.run([sys.executable, "-m", "articleqa", "bench", "--only", "speed",
                           "--data-dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "unknown bench section(s) speed" in done.stderr
