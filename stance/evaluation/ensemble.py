"""Ensemble weights: average runs' probabilities, and choose the mix of two on the dev split. Pure."""

from collections.abc import Sequence

import numpy as np

from stance.evaluation.metrics import scores
from stance.labels import LABELS
from stance.runs import PredictionRow

WEIGHT_GRID = np.round(np.linspace(0, 1, 11), 2)


def tie_preference(weight: float) -> float:
    """Among weights with equal dev scores, higher for those closer to 0.5, the equal mix."""
    return -abs(weight - 0.5)


def mix(rows_a: Sequence[PredictionRow], rows_b: Sequence[PredictionRow], weight: float) -> list[PredictionRow]:
    """Row by row, `weight` times A's probabilities plus (1 - weight) times B's."""
    return average([rows_a, rows_b], [weight, 1 - weight])


def average(member_rows: Sequence[Sequence[PredictionRow]], weights: Sequence[float]) -> list[PredictionRow]:
    """Row by row, the weighted sum of every member's probabilities."""
    mixed = []
    for rows in zip(*member_rows):
        proba = {label: sum(w * r.probabilities[label] for w, r in zip(weights, rows)) for label in LABELS}
        mixed.append(rows[0].model_copy(update={"probabilities": proba, "predicted": max(LABELS, key=proba.get)}))
    return mixed


def choose_weight(rows_a: Sequence[PredictionRow], rows_b: Sequence[PredictionRow]) -> tuple[float, dict[float, float]]:
    """The grid weight with the best dev F_avg, and every grid weight's dev F_avg.

    Ties go to the weight closest to 0.5, the equal mix. Without dev rows (cross-validated
    runs) the runs are weighted equally: test rows never choose the weight.
    """
    dev_a = [r for r in rows_a if r.split == "dev"]
    dev_b = [r for r in rows_b if r.split == "dev"]
    if not dev_a:
        return 0.5, {}
    by_weight = {}
    for w in WEIGHT_GRID:
        mixed = mix(dev_a, dev_b, float(w))
        by_weight[float(w)] = scores([r.gold for r in mixed], [r.predicted for r in mixed])["f_avg"]
    best = max(by_weight, key=lambda w: (round(by_weight[w], 12), tie_preference(w)))
    return best, by_weight
