"""`stance evaluate`: metrics.json, report.md and plots from a run's predictions."""

from collections import defaultdict
from pathlib import Path

import yaml

from stance import metrics, plots, runs
from stance.labels import LABELS


def run_metrics(predictions: list[dict], n_sentences: int) -> dict:
    """Metrics pooled over all out-of-fold predictions, plus their spread across repeats."""
    pooled = metrics.scores([p["gold"] for p in predictions], [p["predicted"] for p in predictions])
    by_repeat = defaultdict(list)
    for p in predictions:
        by_repeat[p["repeat"]].append(p)
    per_repeat = [
        metrics.scores([p["gold"] for p in rows], [p["predicted"] for p in rows]) for _, rows in sorted(by_repeat.items())
    ]
    return {
        **pooled,
        "n_sentences": n_sentences,
        "n_predictions": len(predictions),
        "n_repeats": len(per_repeat),
        "spread_across_repeats": {
            name: metrics.spread([r[name] for r in per_repeat]) for name in metrics.HEADLINE_METRICS
        },
    }


def _fmt(value: float) -> str:
    return f"{100 * value:.1f}"


def render_report(name: str, config: dict, record: dict, result: dict) -> str:
    """The per-run Markdown report."""
    protocol = config["protocol"]
    n = result["n_sentences"]
    lines = [
        f"# Run `{name}`",
        "",
        f"Model `{config['model']['type']}`, protocol `{protocol['type']}`"
        + (f" ({protocol['n_splits']}-fold × {protocol['n_repeats']} repeats)" if protocol["type"] == "repeated_kfold" else "")
        + f", seed {config['seed']}, {n} sentences, data sha256 `{record['data']['sha256'][:12]}`.",
        "",
        "| metric | pooled out-of-fold | mean ± sd across repeats |",
        "|---|---|---|",
    ]
    for metric in metrics.HEADLINE_METRICS:
        spread = result["spread_across_repeats"][metric]
        across = f"{_fmt(spread['mean'])} ± {_fmt(spread['std'])}" if spread else "n/a (one repeat)"
        lines.append(f"| {metric} | {_fmt(result[metric])} | {across} |")
    lines += [
        "",
        f"With {n} sentences one sentence moves accuracy by {_fmt(1 / n)} points; read every "
        "figure here as a rough estimate, not a ranking.",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for label, row in result["per_class"].items():
        lines.append(f"| {label} | {_fmt(row['precision'])} | {_fmt(row['recall'])} | {_fmt(row['f1'])} | {row['support']} |")
    lines += ["", "Confusion matrix (rows gold, columns predicted):", "", "| gold \\ predicted | " + " | ".join(LABELS) + " |"]
    lines.append("|---" * (len(LABELS) + 1) + "|")
    for label, counts in zip(LABELS, result["confusion_matrix"]):
        lines.append(f"| {label} | " + " | ".join(map(str, counts)) + " |")
    lines += ["", f"![confusion matrix]({runs.CONFUSION_PNG})", ""]
    return "\n".join(lines)


def evaluate_run(run_dir: Path) -> dict:
    """Recompute and write a run's metrics.json, report.md and confusion-matrix plot."""
    runs.require_run(run_dir, runs.CONFIG_FILE, runs.RUN_FILE, runs.PREDICTIONS_FILE)
    config = yaml.safe_load((run_dir / runs.CONFIG_FILE).read_text(encoding="utf-8"))
    record = runs.read_json(run_dir / runs.RUN_FILE)
    result = run_metrics(runs.read_predictions(run_dir), record["data"]["n_sentences"])
    runs.write_json(run_dir / runs.METRICS_FILE, result)
    (run_dir / runs.REPORT_FILE).write_text(render_report(config["name"], config, record, result), encoding="utf-8")
    plots.confusion_matrix(result["confusion_matrix"], config["name"], run_dir / runs.CONFUSION_PNG)
    return result
