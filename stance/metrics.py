"""Classification metrics over gold and predicted labels. Pure functions, no I/O.

Metric names are defined here once; metrics.json, the reports and the tests use them.
"""

from statistics import mean, stdev
from typing import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from stance.labels import LABELS, POLAR_LABELS

HEADLINE_METRICS = ("macro_f1", "f_avg", "accuracy")


def per_class(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of every label; 0 where undefined."""
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=list(LABELS), zero_division=0
    )
    return {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(LABELS, precision, recall, f1, support)
    }


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """accuracy, 3-class macro-F1, F_avg (mean F1 of FAVOR and AGAINST), per class, confusion."""
    if len(gold) != len(predicted) or not gold:
        raise ValueError(f"need equal, non-zero numbers of gold and predicted labels, got {len(gold)} and {len(predicted)}")
    classes = per_class(gold, predicted)
    return {
        "accuracy": float(np.mean(np.asarray(gold) == np.asarray(predicted))),
        "macro_f1": float(np.mean([classes[label]["f1"] for label in LABELS])),
        "f_avg": float(np.mean([classes[label]["f1"] for label in POLAR_LABELS])),
        "per_class": classes,
        # Rows are gold labels, columns predicted labels, both in LABELS order.
        "confusion_matrix": confusion_matrix(gold, predicted, labels=list(LABELS)).tolist(),
        "labels": list(LABELS),
    }


def spread(values: Sequence[float]) -> dict[str, float] | None:
    """Mean, sample standard deviation, min and max; None for fewer than two values."""
    if len(values) < 2:
        return None
    return {"mean": mean(values), "std": stdev(values), "min": min(values), "max": max(values), "n": len(values)}
