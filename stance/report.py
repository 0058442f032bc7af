"""`stance report`: experiments/REPORT.md, one table comparing every evaluated run."""

from pathlib import Path

import yaml

from stance import metrics, plots, runs
from stance.errors import RunError
from stance.labels import LABELS

REPORT_NAME = "REPORT.md"
FIGURES_DIR = "figures"


def _protocol(config: dict) -> str:
    p = config["protocol"]
    return f"{p['n_splits']}-fold ×{p['n_repeats']}" if p["type"] == "repeated_kfold" else p["type"]


def _model(config: dict) -> str:
    model = config["model"]
    return f"{model['type']} ({model['classifier']})" if "classifier" in model else model["type"]


def _cell(result: dict, metric: str) -> str:
    spread = result["spread_across_repeats"][metric]
    value = f"{100 * result[metric]:.1f}"
    return f"{value} ± {100 * spread['std']:.1f}" if spread else value


def collect_runs(experiments_dir: Path) -> list[tuple[str, dict, dict, dict]]:
    """(name, config, run record, metrics) of every evaluated run, sorted by name."""
    found = []
    for run_dir in sorted(p for p in experiments_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (run_dir / runs.METRICS_FILE).is_file():
            continue
        config = yaml.safe_load((run_dir / runs.CONFIG_FILE).read_text(encoding="utf-8"))
        found.append((run_dir.name, config, runs.read_json(run_dir / runs.RUN_FILE), runs.read_json(run_dir / runs.METRICS_FILE)))
    return found


def render(found: list[tuple[str, dict, dict, dict]]) -> str:
    header = ["run", "model", "protocol", "macro-F1", "F_avg", "accuracy", *(f"F1 {label}" for label in LABELS), "train time (s)"]
    lines = [
        "# Comparison of runs",
        "",
        "Written by `stance report` (`make evaluate`). Scores are percentages on pooled "
        "out-of-fold predictions; `± x` is the standard deviation across CV repeats "
        "(none for leave-one-out, which has one deterministic pass).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for name, config, record, result in found:
        per_class = [f"{100 * result['per_class'][label]['f1']:.1f}" for label in LABELS]
        row = [f"[{name}]({name}/{runs.REPORT_FILE})", _model(config), _protocol(config)]
        row += [_cell(result, m) for m in metrics.HEADLINE_METRICS] + per_class + [f"{record['seconds']['total']:.1f}"]
        lines.append("| " + " | ".join(row) + " |")
    n = found[0][3]["n_sentences"]
    lines += [
        "",
        f"With {n} sentences, one sentence is {100 / n:.1f} points of accuracy: differences of a "
        "few points between runs are within noise.",
        "",
        f"![metrics]({FIGURES_DIR}/metrics.png)",
        "",
        f"![confusion matrices]({FIGURES_DIR}/confusion_matrices.png)",
        "",
    ]
    return "\n".join(lines)


def write_report(experiments_dir: Path) -> Path:
    """Write REPORT.md and its figures for every evaluated run under `experiments_dir`."""
    found = collect_runs(experiments_dir) if experiments_dir.is_dir() else []
    if not found:
        raise RunError(f"{experiments_dir}: no evaluated runs to report (run `make train` first)")
    figures = experiments_dir / FIGURES_DIR
    figures.mkdir(exist_ok=True)
    values = {name: {m: result[m] for m in metrics.HEADLINE_METRICS} for name, _, _, result in found}
    errors = {
        name: {m: s["std"] for m in metrics.HEADLINE_METRICS if (s := result["spread_across_repeats"][m])}
        for name, _, _, result in found
    }
    plots.metric_bars(values, errors, figures / "metrics.png")
    plots.confusion_matrices({name: result["confusion_matrix"] for name, _, _, result in found}, figures / "confusion_matrices.png")
    path = experiments_dir / REPORT_NAME
    path.write_text(render(found), encoding="utf-8")
    return path
