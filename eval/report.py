"""report.json, report.md and report.png for one or more evaluation runs."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from articleqa.eval.runner import RunResult

TABLE_METRICS = ("hit@1", "hit@3", "mrr", "accuracy", "short_answer_accuracy",
                 "shown_short_answers_wrong", "short_answers_shown",
                 "short_answer_median_words", "short_answer_by_llm", "citation_precision",
                 "false_abstention_rate", "abstention_precision", "abstention_recall",
                 "latency_p50_s", "latency_p95_s")
CHART_METRICS = ("hit@3", "mrr", "accuracy", "short_answer_accuracy", "citation_precision",
                 "answer_rate", "abstention_recall")


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
    head = "| config | group | n | " + " | ".join(TABLE_METRICS) + " |"
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


def tradeoff(rows: list[dict], thresholds: list[float]) -> list[tuple[float, float, float]]:
    """(threshold, answer accuracy, abstention recall) as the similarity threshold moves; the
    other abstention reasons stay as they fired."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    points = []
    for t in thresholds:
        def answered(r: dict, t: float = t) -> bool:
            by_other_reason = r["abstained"] and r.get("abstain_reason") != "weak_match"
            return not by_other_reason and (r.get("similarity") or 0.0) >= t

        # A question abstained on in the run has no answer to score: it counts as wrong.
        right = sum(r["correct"] for r in answerable if answered(r))
        points.append((t, right / len(answerable) if answerable else math.nan,
                       sum(not answered(r) for r in unanswerable) / len(unanswerable)
                       if unanswerable else math.nan))
    return points


def _chart(results: list[RunResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = [(f"{r.config.name} · {group}", m) for r in results
              for group, m in r.metrics.items() if not group.startswith("kind:")]
    fig, (bars, curve) = plt.subplots(1, 2, figsize=(max(12, 1.6 * len(CHART_METRICS) + 5), 4.8),
                                      gridspec_kw={"width_ratios": [2, 1]})
    width = 0.8 / max(1, len(series))
    for i, (label, metrics) in enumerate(series):
        values = [0 if math.isnan(metrics[m]) else metrics[m] for m in CHART_METRICS]
        bars.bar([x + i * width for x in range(len(CHART_METRICS))], values, width, label=label)
    bars.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(CHART_METRICS))])
    bars.set_xticklabels(CHART_METRICS, rotation=15)
    bars.set_ylim(0, 1.05)
    bars.set_title("articleqa evaluation")
    bars.legend(fontsize=7, ncol=2)
    thresholds = [0.70 + 0.01 * i for i in range(21)]
    for result in results:
        points = tradeoff(result.records, thresholds)
        curve.plot([p[2] for p in points], [p[1] for p in points], marker=".",
                   label=result.config.name)
    curve.set_xlabel("abstention recall (unanswerable)")
    curve.set_ylabel("answer accuracy (answerable)")
    curve.set_title("trade-off as the similarity threshold moves (0.70-0.90)")
    curve.set_xlim(0, 1.02)
    curve.set_ylim(0, 1.02)
    curve.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
