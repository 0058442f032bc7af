"""`stance ensemble`: combine trained runs into a new run by averaging their probabilities.

The weight of the first run is chosen on the holdout dev split (a grid of 0.0 to 1.0);
without a dev split (cross-validation) the runs are weighted equally. Test rows never
influence the weights.
"""

from pathlib import Path

import numpy as np
import yaml

from stance import compare, runs, seeds
from stance.errors import RunError
from stance.evaluate import evaluate_run
from stance.labels import LABELS
from stance.metrics import scores

WEIGHT_GRID = np.round(np.linspace(0, 1, 11), 2)


def _mix(rows_a: list[dict], rows_b: list[dict], weight: float) -> list[dict]:
    mixed = []
    for a, b in zip(rows_a, rows_b):
        proba = {label: weight * a["probabilities"][label] + (1 - weight) * b["probabilities"][label] for label in LABELS}
        mixed.append({**a, "probabilities": proba, "predicted": max(LABELS, key=proba.get)})
    return mixed


def choose_weight(rows_a: list[dict], rows_b: list[dict]) -> tuple[float, dict[float, float]]:
    """The grid weight with the best dev F_avg (ties: the one closest to 0.5), and all scores."""
    dev_a = [r for r in rows_a if r.get("split") == "dev"]
    dev_b = [r for r in rows_b if r.get("split") == "dev"]
    if not dev_a:
        return 0.5, {}
    by_weight = {}
    for w in WEIGHT_GRID:
        mixed = _mix(dev_a, dev_b, float(w))
        by_weight[float(w)] = scores([r["gold"] for r in mixed], [r["predicted"] for r in mixed])["f_avg"]
    best = max(by_weight, key=lambda w: (round(by_weight[w], 12), -abs(w - 0.5)))
    return best, by_weight


def build(run_a: Path, run_b: Path, out: Path, overwrite: bool = False) -> Path:
    """Write an ensemble run of two paired runs into `out`."""
    rows = []
    for run in (run_a, run_b):
        runs.require_run(run, runs.CONFIG_FILE, runs.RUN_FILE, runs.PREDICTIONS_FILE)
        rows.append(sorted(runs.read_predictions(run), key=lambda r: (r.get("split", "test"), r["id"], r["repeat"])))
    if not compare.paired(*rows):
        raise RunError(f"{run_a} and {run_b} were not scored on identical folds; they cannot be ensembled")
    runs.check_can_write(out, overwrite)
    weight, dev_scores = choose_weight(*rows)
    config = yaml.safe_load((run_a / runs.CONFIG_FILE).read_text(encoding="utf-8"))
    config.update(
        name=out.name,
        model={"type": "ensemble", "members": [str(run_a.resolve()), str(run_b.resolve())], "weights": [weight, round(1 - weight, 2)]},
        analysis={"chance_permutations": 0, "curve_sizes": [], "curve_repeats": 1},
    )
    record = runs.read_json(run_a / runs.RUN_FILE)
    seconds = [runs.read_json(r / runs.RUN_FILE)["seconds"]["total"] for r in (run_a, run_b)]
    record.update(
        name=out.name,
        ensemble={"members": [str(run_a), str(run_b)], "weight_grid_dev_f_avg": dev_scores},
        seconds={**record["seconds"], "total": sum(seconds), "cross_validation": sum(seconds)},
        **runs.provenance(),
    )
    with runs.staged(out, overwrite) as staging:
        (staging / runs.MODEL_DIR).mkdir()
        (staging / runs.CONFIG_FILE).write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
        seeds.write_jsonl(staging / runs.PREDICTIONS_FILE, _mix(*rows, weight))
        runs.write_json(staging / runs.RUN_FILE, record)
        evaluate_run(staging)
    return out
