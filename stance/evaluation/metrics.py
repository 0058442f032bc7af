"""Classification metrics over gold and predicted labels. Pure functions, no I/O.

Metric names and formulas are defined here once. Every score is computed from a
confusion matrix, so one matrix and thousands of resampled ones (stats) use the same
code; metrics.json, the reports and the tests use these names.
"""

from collections.abc import Sequence
from statistics import mean, stdev

import numpy as np

from stance.labels import LABELS, POLAR_LABELS

HEADLINE_METRICS = ("macro_f1", "f_avg", "accuracy")
POLAR = [LABELS.index(label) for label in POLAR_LABELS]


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> np.ndarray:
    """(3, 3) counts; rows are gold labels, columns predicted labels, both in LABELS order."""
    return confusion_of_ids([LABELS.index(g) for g in gold], [LABELS.index(p) for p in predicted])


def confusion_of_ids(gold: Sequence[int], predicted: Sequence[int]) -> np.ndarray:
    """`confusion` for labels given as their index in LABELS."""
    matrix = np.zeros((len(LABELS), len(LABELS)), dtype=int)
    np.add.at(matrix, (gold, predicted), 1)
    return matrix


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (sklearn's zero_division=0)."""
    return np.divide(numerator, denominator, out=np.zeros_like(numerator, dtype=float), where=denominator > 0)


def class_f1(confusion: np.ndarray) -> np.ndarray:
    """F1 of each label, of one (3, 3) or many (..., 3, 3) confusion matrices.

    F1 = 2TP / (2TP + FP + FN) = 2TP / (gold total + predicted total); 0 when both are 0.
    """
    tp = np.diagonal(confusion, axis1=-2, axis2=-1)
    return _ratio(2 * tp, confusion.sum(axis=-1) + confusion.sum(axis=-2))


def scores_from_confusion(confusion: np.ndarray) -> dict[str, np.ndarray]:
    """accuracy, macro_f1 and f_avg of one (3, 3) or many (..., 3, 3) confusion matrices."""
    f1 = class_f1(confusion)
    return {
        "accuracy": np.diagonal(confusion, axis1=-2, axis2=-1).sum(axis=-1) / confusion.sum(axis=(-2, -1)),
        "macro_f1": f1.mean(axis=-1),
        "f_avg": f1[..., POLAR].mean(axis=-1),
    }


def per_class(confusion: np.ndarray) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of every label; 0 where undefined."""
    tp = np.diagonal(confusion)
    precision, recall = _ratio(tp, confusion.sum(axis=0)), _ratio(tp, confusion.sum(axis=1))
    return {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(LABELS, precision, recall, class_f1(confusion), confusion.sum(axis=1))
    }


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """accuracy, 3-class macro-F1, F_avg (mean F1 of FAVOR and AGAINST), per class, confusion."""
    if len(gold) != len(predicted) or not gold:
        raise ValueError(
            f"need equal, non-zero numbers of gold and predicted labels, got {len(gold)} and {len(predicted)}"
        )
    matrix = confusion(gold, predicted)
    return {
        **{name: float(value) for name, value in scores_from_confusion(matrix).items()},
        "per_class": per_class(matrix),
        "confusion_matrix": matrix.tolist(),
        "labels": list(LABELS),
    }


def spread(values: Sequence[float]) -> dict[str, float] | None:
    """Mean, sample standard deviation, min and max; None for fewer than two values."""
    if len(values) < 2:
        return None
    return {"mean": mean(values), "std": stdev(values), "min": min(values), "max": max(values), "n": len(values)}
