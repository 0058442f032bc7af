"""Stacking: a logistic regression over the member runs' probabilities, fitted on dev. Pure.

The meta-learner sees only dev rows, never test rows. Its own dev score comes from
cross-fitting (each fifth of dev predicted by a meta-learner fitted on the other four),
because a meta-learner scored on the rows it was fitted on looks better than it is.
The test rows are predicted once, by the meta-learner fitted on all of dev.

One caveat stays: a member that chose its epoch by early stopping on the same dev rows
looks a little better on dev than it is, so the meta-learner trusts it a little too
much. The test score, scored once, is the honest number.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from stance.labels import LABELS
from stance.runs import PredictionRow

N_SPLITS = 5
FLOOR = 1e-6  # a probability rounded to 0 stays finite in log space


@dataclass(frozen=True)
class MetaLearner:
    """A fitted multinomial logistic regression, as plain numbers a run record can hold."""

    coef: list[list[float]]  # one row per class of `classes`, one column per member and label
    intercept: list[float]
    classes: list[str]

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probabilities in LABELS order."""
        logits = features @ np.asarray(self.coef).T + np.asarray(self.intercept)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        in_label_order = np.zeros((len(features), len(LABELS)))  # a class dev never had gets 0
        for column, label in enumerate(self.classes):
            in_label_order[:, LABELS.index(label)] = proba[:, column]
        return in_label_order


def features(member_probabilities: Sequence[np.ndarray]) -> np.ndarray:
    """Log-probabilities of every member side by side: (items, members x labels)."""
    return np.hstack([np.log(np.clip(p, FLOOR, 1.0)) for p in member_probabilities])


def probabilities(rows: Sequence[PredictionRow]) -> np.ndarray:
    """(rows, labels): each row's probabilities in LABELS order."""
    return np.array([[row.probabilities[label] for label in LABELS] for row in rows])


def fit_meta(
    x: np.ndarray, gold: Sequence[str], seed: int, C: float = 1.0, class_weight: str | None = "balanced"
) -> MetaLearner:
    """The meta-learner `stack` uses: C 1 with balanced class weights, fixed before any
    SemEval run. Other settings are compared on dev in stance.evaluation.dev_checks."""
    model = LogisticRegression(C=C, class_weight=class_weight, max_iter=5000, random_state=seed).fit(x, list(gold))
    coef, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # one logit z for the second class; softmax of (-z/2, z/2) is sigmoid(z)
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.concatenate([-intercept / 2, intercept / 2])
    return MetaLearner(coef.tolist(), intercept.tolist(), [str(c) for c in model.classes_])


def dev_folds(gold: np.ndarray, seed: int) -> StratifiedKFold:
    """N_SPLITS stratified parts of dev; fewer when dev is tiny (tests), as each part needs each class."""
    smallest_class = min(np.unique(gold, return_counts=True)[1])
    return StratifiedKFold(n_splits=max(2, min(N_SPLITS, smallest_class)), shuffle=True, random_state=seed)


def _with(rows: Sequence[PredictionRow], proba: np.ndarray) -> list[PredictionRow]:
    out = []
    for row, p in zip(rows, proba):
        probabilities = {label: float(v) for label, v in zip(LABELS, p)}
        out.append(row.model_copy(update={"probabilities": probabilities, "predicted": LABELS[int(p.argmax())]}))
    return out


def stack(member_rows: Sequence[Sequence[PredictionRow]], seed: int) -> tuple[list[PredictionRow], MetaLearner]:
    """Stacked rows (dev: cross-fitted; test: the meta-learner fitted on all dev) and that
    meta-learner. `member_rows` are the members' rows, paired and in the same order."""
    split = np.array([row.split for row in member_rows[0]])
    dev, test = np.flatnonzero(split == "dev"), np.flatnonzero(split == "test")
    x = features([probabilities(rows) for rows in member_rows])
    gold = np.array([row.gold for row in member_rows[0]])
    dev_proba = np.zeros((len(dev), len(LABELS)))
    for fit_part, predict_part in dev_folds(gold[dev], seed).split(x[dev], gold[dev]):
        part_meta = fit_meta(x[dev][fit_part], gold[dev][fit_part], seed)
        dev_proba[predict_part] = part_meta.predict_proba(x[dev][predict_part])
    meta = fit_meta(x[dev], gold[dev], seed)
    rows = list(member_rows[0])
    stacked = _with([rows[i] for i in dev], dev_proba) + _with([rows[i] for i in test], meta.predict_proba(x[test]))
    return stacked, meta
