"""`articleqa bench --quick --json` on a tiny corpus reports every section (times not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_bench_quick_json_reports_every_section(tmp_path):
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
        [sys.executable, "-m", "articleqa", "bench", "--quick", "--json", "--questions",
         str(questions), "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "b")],
        capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["quick"] is True
    assert report["cold_start"]["ok"] is True and report["cold_start"]["ask_extractive_s"] > 0
    assert set(report["indexing"]) == {"article", "synthetic"}
    assert report["indexing"]["synthetic"]["articles"] == 10
    for key in ("query_embedding", "retrieval_dense", "retrieval_bm25", "retrieval_hybrid",
                "extractive_answer"):
        assert {"p50_ms", "p95_ms", "n"} <= set(report["warm"][key])
    assert "generative" not in report["warm"], "--quick never loads the LLM"
    baseline = report["baseline"]
    for system in ("articleqa", "llama_index_default", "bm25_only"):
        assert {"mrr", "hit@1", "context_hit@600", "latency"} <= set(baseline[system])
    assert {"mrr", "context_hit@600", "latency_p50", "mrr_vs_bm25"} <= set(
        baseline["ratios_articleqa_over_baseline"])
    scale = report["scale"]
    assert scale["vectors"] == 20_000
    assert scale["real_e5_vectors"] + scale["random_unit_vectors"] == 20_000
    assert 0 <= scale["hnsw"]["recall@10_vs_flat"] <= 1 and scale["flat"][
        "recall@10_vs_flat"] == 1.0
    assert (tmp_path / "b" / "bench.json").exists() and (tmp_path / "b" / "bench.txt").exists()
