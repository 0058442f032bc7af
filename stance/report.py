"""`stance report`: experiments/REPORT.md (and REPORT.html) comparing every evaluated run."""

from pathlib import Path

import yaml

from stance import agreement, compare, error_analysis, plots, runs
from stance.errors import DataError, RunError
from stance.html_report import write_html
from stance.labels import LABELS
from stance.metrics import HEADLINE_METRICS
from stance.run_report import ci_text, p_cell, pct, protocol_text

REPORT_NAME, HTML_NAME, FIGURES_DIR = "REPORT.md", "REPORT.html", "figures"
DEFAULT_BASELINE = "tfidf_logreg"


class Run:
    """One evaluated run folder, read once."""

    def __init__(self, run_dir: Path):
        self.name = run_dir.name
        self.config = yaml.safe_load((run_dir / runs.CONFIG_FILE).read_text(encoding="utf-8"))
        self.record = runs.read_json(run_dir / runs.RUN_FILE)
        self.metrics = runs.read_json(run_dir / runs.METRICS_FILE)
        self.predictions = runs.read_predictions(run_dir)

    @property
    def model(self) -> str:
        model = self.config["model"]
        return f"{model['type']} ({model['classifier']})" if "classifier" in model else model["type"]


def collect_runs(experiments_dir: Path) -> list[Run]:
    """Every evaluated run under `experiments_dir`, sorted by name."""
    folders = sorted(p for p in experiments_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [Run(p) for p in folders if (p / runs.METRICS_FILE).is_file()]


def summary_table(found: list[Run]) -> list[str]:
    header = ["run", "model", "protocol", "macro-F1 [95% CI]", "F_avg [95% CI]", "accuracy [95% CI]"]
    header += [f"F1 {label}" for label in LABELS] + ["chance p", "train time (s)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for run in found:
        m = run.metrics
        cells = [f"[{run.name}]({run.name}/{runs.REPORT_FILE})", run.model, protocol_text(run.config["protocol"])]
        cells += [f"{pct(m[k])} {ci_text(m['ci95'][k])}" for k in HEADLINE_METRICS]
        cells += [pct(m["per_class"][label]["f1"]) for label in LABELS]
        retrained = m["chance"]["retrained"]
        chance = retrained["p_value"] if retrained else m["chance"]["prediction_shuffle"]["p_value"]
        cells += [p_cell(chance) + ("" if retrained else "*"), f"{run.record['seconds']['total']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def comparison_section(found: list[Run], baseline_name: str) -> list[str]:
    baseline = next((r for r in found if r.name == baseline_name), None)
    if baseline is None:
        return [f"No run named `{baseline_name}`: paired comparisons skipped."]
    lines = [
        "| run | Δ macro-F1 vs " + baseline_name + " | permutation p | McNemar p (only run right / only baseline right) | min. detectable Δ | verdict |",
        "|---|---|---|---|---|---|",
    ]
    unpaired = []
    for run in found:
        if run is baseline:
            continue
        result = compare.compare(run.name, run.predictions, baseline.name, baseline.predictions, seed=run.record["seed"])
        if result is None:
            unpaired.append(run.name)
            continue
        mc = result["mcnemar"]
        lines.append(
            f"| {run.name} | {100 * result['macro_f1_difference']:+.1f} | {p_cell(result['permutation_p'])} | "
            f"{p_cell(mc['p_value'])} ({mc['only_a_right']}/{mc['only_b_right']}) | "
            f"{100 * result['minimum_detectable_difference']:.0f} | {result['verdict']} |"
        )
    if unpaired:
        lines += ["", f"Not paired with {baseline_name} (different folds or data): {', '.join(unpaired)}."]
    return lines


def agreement_section(seeds_dir: Path, found: list[Run]) -> list[str]:
    try:
        annotations, texts = agreement.load_annotations(seeds_dir)
    except DataError as err:
        return [f"Annotations could not be read: {err}"]
    if len(annotations) < 2:
        return ["No agreement data: each sentence has one annotator so far, so there is no human ceiling to compare with."]
    result = agreement.agreement(annotations, texts)
    best = max(run.metrics["macro_f1"] for run in found)
    return [
        f"{len(result['annotators'])} annotators on {result['n_sentences']} sentences: Krippendorff's α "
        f"{result['krippendorff_alpha']:.2f}, mean pairwise macro-F1 {pct(result['mean_pairwise_macro_f1'])} "
        f"(the human ceiling; the best model's macro-F1 is {pct(best)}). `make agreement` lists the disagreements.",
    ]


def render(found: list[Run], baseline: str, seeds_dir: Path) -> str:
    n = found[0].metrics["n_sentences"]
    curves = {r.name: r.metrics["learning_curve"] for r in found if len(r.metrics["learning_curve"]) > 1}
    lines = [
        "# Comparison of runs",
        "",
        "Written by `stance report` (`make evaluate`). Scores are percentages on pooled out-of-fold "
        f"(or held-out test) predictions over {n} items. The brackets are 95% bootstrap intervals over items. "
        "`chance p` is from retraining on permuted labels; `*` marks a run where only the cheaper test "
        "(gold labels shuffled against fixed predictions) was run.",
        "",
        *summary_table(found),
        "",
        f"![metrics with 95% CIs]({FIGURES_DIR}/metrics.png)",
        "",
        f"## Is the difference real? Paired tests against `{baseline}`",
        "",
        "Same folds, same sentences. The permutation test swaps the two runs' predictions per sentence; "
        "McNemar counts sentences only one run gets right. The minimum detectable difference is the true "
        "macro-F1 gap a test at α = 0.05 would find with 80% power at this n (2.8 paired-bootstrap sds).",
        "",
        *comparison_section(found, baseline),
        "",
    ]
    if found[0].record["data"].get("source", "seeds") == "seeds":
        lines += ["## Human agreement", "", *agreement_section(seeds_dir, found), ""]
    if curves:
        lines += [
            "## Learning curve",
            "",
            "macro-F1 against the number of training sentences, with 95% bootstrap bands. A curve still "
            "rising at the right edge says more labels would pay off.",
            "",
            f"![learning curves]({FIGURES_DIR}/learning_curve.png)",
            "",
        ]
    articles = found[0].metrics["per_article"]
    if len(articles) > 1:
        lines += ["## Per article (or target), macro-F1", "", "| run | " + " | ".join(articles) + " |", "|---" * (len(articles) + 1) + "|"]
        lines += [
            f"| {r.name} | " + " | ".join(pct(r.metrics["per_article"].get(a, {}).get("macro_f1", float("nan"))) for a in articles) + " |"
            for r in found
        ]
        lines.append("")
    lines += [
        "## Confusion matrices",
        "",
        f"![confusion matrices]({FIGURES_DIR}/confusion_matrices.png)",
        "",
        "## Error analysis",
        "",
        "Every sentence, hardest first (wrong in the most runs, then the lowest mean probability of "
        "the gold label). For runs with repeats, the label shown is the most frequent one.",
        "",
        *error_analysis.render(error_analysis.error_table({r.name: r.predictions for r in found}), [r.name for r in found]),
        "",
    ]
    return "\n".join(lines)


def write_report(experiments_dir: Path, baseline: str = DEFAULT_BASELINE) -> Path:
    """Write REPORT.md, REPORT.html and their figures for every evaluated run."""
    found = collect_runs(experiments_dir) if experiments_dir.is_dir() else []
    if not found:
        raise RunError(f"{experiments_dir}: no evaluated runs to report (run `make train` first)")
    figures = experiments_dir / FIGURES_DIR
    figures.mkdir(exist_ok=True)
    plots.metric_bars({r.name: {m: r.metrics[m] for m in HEADLINE_METRICS} for r in found},
                      {r.name: r.metrics["ci95"] for r in found}, figures / "metrics.png")
    plots.confusion_matrices({r.name: r.metrics["confusion_matrix"] for r in found}, figures / "confusion_matrices.png")
    curves = {r.name: r.metrics["learning_curve"] for r in found if len(r.metrics["learning_curve"]) > 1}
    if curves:
        plots.learning_curves(curves, figures / "learning_curve.png")
    seeds_dir = Path(found[0].record["data"]["seeds_dir"])
    text = render(found, baseline, seeds_dir)
    path = experiments_dir / REPORT_NAME
    path.write_text(text, encoding="utf-8")
    write_html(text, experiments_dir, experiments_dir / HTML_NAME, "stance: comparison of runs")
    return path
