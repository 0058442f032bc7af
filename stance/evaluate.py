"""`stance evaluate`: metrics.json, report.md and plots from a run's saved predictions.

Nothing here trains: every number comes from the run's predictions (and, when the
config asked for them, its chance null and learning-curve predictions).
"""

import json
from collections import defaultdict
from pathlib import Path

import yaml

from stance import metrics, plots, runs, stats
from stance.run_report import render_run_report

BOOTSTRAP_RESAMPLES = 1000
SHUFFLE_PERMUTATIONS = 10_000


def _rows_scores(rows: list[dict]) -> dict:
    return metrics.scores([r["gold"] for r in rows], [r["predicted"] for r in rows])


def _counts(rows: list[dict]):
    return stats.sentence_counts([r["id"] for r in rows], [r["gold"] for r in rows], [r["predicted"] for r in rows])[1]


def confidence_intervals(rows: list[dict], seed: int) -> dict[str, list[float]]:
    """95% percentile bootstrap over sentences (all repeats of a sentence move together)."""
    cis = stats.bootstrap_cis(_counts(rows), n_resamples=BOOTSTRAP_RESAMPLES, seed=seed)
    return {name: [ci.low, ci.high] for name, ci in cis.items()}


def chance_check(rows: list[dict], observed: float, retrained: dict | None, seed: int) -> dict:
    """p-values of macro-F1 against two label-permutation nulls."""
    shuffle_null = stats.prediction_shuffle_null(_counts(rows), n_permutations=SHUFFLE_PERMUTATIONS, seed=seed)
    result = {
        "prediction_shuffle": {
            "p_value": stats.permutation_p_value(observed, shuffle_null),
            "null_mean": float(shuffle_null.mean()),
            "n_permutations": SHUFFLE_PERMUTATIONS,
        },
        "retrained": None,
    }
    if retrained:
        result["retrained"] = {
            "p_value": stats.permutation_p_value(observed, retrained["null"]),
            "null_mean": float(sum(retrained["null"]) / len(retrained["null"])),
            "null_max": float(max(retrained["null"])),
            "n_permutations": retrained["n_permutations"],
        }
    return result


def per_article(rows: list[dict]) -> dict[str, dict]:
    by_article = defaultdict(list)
    for row in rows:
        by_article[row.get("article", "?")].append(row)
    return {
        article: {"n_sentences": len({r["id"] for r in group}), **{m: _rows_scores(group)[m] for m in metrics.HEADLINE_METRICS}}
        for article, group in sorted(by_article.items())
    }


def learning_curve(curve_rows: list[dict], rows: list[dict], full_size: float, seed: int) -> list[dict]:
    """macro-F1 with a bootstrap CI per training size; the largest size is the run itself."""
    by_size = defaultdict(list)
    for row in curve_rows:
        by_size[row["size"]].append(row)
    by_size[full_size] = rows
    points = []
    for size, group in sorted(by_size.items()):
        ci = stats.bootstrap_cis(_counts(group), n_resamples=BOOTSTRAP_RESAMPLES, seed=seed)["macro_f1"]
        points.append({"size": size, "macro_f1": _rows_scores(group)["macro_f1"], "ci95": [ci.low, ci.high]})
    return points


def run_metrics(all_rows: list[dict], record: dict, chance: dict | None = None, curve_rows: list[dict] | None = None) -> dict:
    """Everything metrics.json holds, from a run's predictions and analysis files.

    Headline metrics use the test (out-of-fold) rows; holdout dev rows are scored apart.
    """
    rows = [r for r in all_rows if r.get("split", "test") == "test"]
    dev_rows = [r for r in all_rows if r.get("split") == "dev"]
    pooled = _rows_scores(rows)
    by_repeat = defaultdict(list)
    for row in rows:
        by_repeat[row["repeat"]].append(row)
    per_repeat = [_rows_scores(group) for _, group in sorted(by_repeat.items())]
    seed = record["seed"]
    return {
        **pooled,
        "n_sentences": record["data"]["n_sentences"],
        "n_predictions": len(rows),
        "n_repeats": len(per_repeat),
        "spread_across_repeats": {m: metrics.spread([r[m] for r in per_repeat]) for m in metrics.HEADLINE_METRICS},
        "ci95": confidence_intervals(rows, seed),
        "bootstrap_resamples": BOOTSTRAP_RESAMPLES,
        "chance": chance_check(rows, pooled["macro_f1"], chance, seed),
        "per_article": per_article(rows),
        "learning_curve": learning_curve(curve_rows or [], rows, record.get("mean_train_size", len(rows)), seed),
        "dev": {m: _rows_scores(dev_rows)[m] for m in metrics.HEADLINE_METRICS} if dev_rows else None,
    }


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line] if path.is_file() else []


def evaluate_run(run_dir: Path) -> dict:
    """Recompute and write a run's metrics.json, report.md and confusion-matrix plot."""
    runs.require_run(run_dir, runs.CONFIG_FILE, runs.RUN_FILE, runs.PREDICTIONS_FILE)
    config = yaml.safe_load((run_dir / runs.CONFIG_FILE).read_text(encoding="utf-8"))
    record = runs.read_json(run_dir / runs.RUN_FILE)
    chance = runs.read_json(run_dir / runs.CHANCE_FILE) if (run_dir / runs.CHANCE_FILE).is_file() else None
    result = run_metrics(runs.read_predictions(run_dir), record, chance, _read_jsonl(run_dir / runs.CURVE_FILE))
    runs.write_json(run_dir / runs.METRICS_FILE, result)
    (run_dir / runs.REPORT_FILE).write_text(render_run_report(config, record, result), encoding="utf-8")
    plots.confusion_matrix(result["confusion_matrix"], config["name"], run_dir / runs.CONFUSION_PNG)
    return result
