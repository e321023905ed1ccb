"""report.json, report.md and report.png for one or more evaluation runs."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from articleqa.eval.runner import RunResult

TABLE_METRICS = ("hit@1", "hit@3", "hit@5", "mrr", "accuracy", "f1", "citation_precision",
                 "unsupported_citation_rate", "answer_rate", "abstention_precision",
                 "abstention_recall", "latency_p50_s", "latency_p95_s")
CHART_METRICS = ("hit@1", "hit@3", "mrr", "accuracy", "citation_precision", "answer_rate",
                 "abstention_recall")


def _fmt(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.3f}"


def clean_nans(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: clean_nans(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_nans(v) for v in value]
    return value


def summary_table(results: list[RunResult]) -> str:
    """Markdown: one row per configuration and language."""
    head = "| config | lang | n | " + " | ".join(TABLE_METRICS) + " |"
    rule = "|" + "---|" * (3 + len(TABLE_METRICS))
    rows = [head, rule]
    for result in results:
        for lang, metrics in result.metrics.items():
            rows.append(f"| {result.config.name} | {lang} | {metrics['questions']} | "
                        + " | ".join(_fmt(metrics[m]) for m in TABLE_METRICS) + " |")
    return "\n".join(rows)


def write_reports(results: list[RunResult], out: Path, questions_file: str,
                  settings_fingerprint: str) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "md": out / "report.md", "png": out / "report.png"}
    payload = {
        "questions_file": questions_file,
        "settings_fingerprint": settings_fingerprint,
        "configs": [asdict(r.config) for r in results],
        "metrics": {r.config.name: r.metrics for r in results},
        "questions": {r.config.name: r.records for r in results},
    }
    paths["json"].write_text(json.dumps(clean_nans(payload), ensure_ascii=False, indent=1),
                             encoding="utf-8")
    lines = [f"# articleqa evaluation: {questions_file}", "", summary_table(results), ""]
    for result in results:
        lines += [f"## {result.config.name} — answers that were not correct", ""]
        wrong = [r for r in result.records if not r["correct"]]
        lines += [f"- **{r['id']}** ({r['lang']}) {r['question']} → "
                  f"{'*abstained*' if r['abstained'] else r['answer'][:200]}" for r in wrong]
        lines += ["" if wrong else "(none)", ""]
    paths["md"].write_text("\n".join(lines), encoding="utf-8")
    _chart(results, paths["png"])
    return paths


def _chart(results: list[RunResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = [(f"{r.config.name} · {lang}", m) for r in results for lang, m in r.metrics.items()]
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(CHART_METRICS)), 4.5))
    width = 0.8 / max(1, len(series))
    for i, (label, metrics) in enumerate(series):
        values = [0 if math.isnan(metrics[m]) else metrics[m] for m in CHART_METRICS]
        ax.bar([x + i * width for x in range(len(CHART_METRICS))], values, width, label=label)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(CHART_METRICS))])
    ax.set_xticklabels(CHART_METRICS, rotation=15)
    ax.set_ylim(0, 1.05)
    ax.set_title("articleqa evaluation")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
