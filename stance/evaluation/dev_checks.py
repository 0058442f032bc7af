"""Levers judged on the dev split alone, by cross-fitting. Pure.

A setting chosen on dev and scored on the same dev rows looks better than it is. Here
each fifth of dev is predicted with the setting chosen (or the meta-learner fitted) on
the other four fifths, and that is repeated over several shuffles of dev, so a lever
that only fits noise falls back to the score without it. The SemEval benchmark reports
these numbers for levers that dev rejected, which were therefore never scored on test.

Every function takes dev rows only: probabilities in LABELS order and gold label ids.
"""

from collections.abc import Callable, Sequence

import numpy as np

from stance.evaluation.ensemble import WEIGHT_GRID
from stance.evaluation.metrics import scores_from_confusion
from stance.evaluation.stacking import dev_folds, features, fit_meta
from stance.labels import LABELS, NONE

NONE_COLUMN = LABELS.index(NONE)
# Multiplies P(NONE) before the argmax: below 1 the rule says FAVOR or AGAINST more
# often. F_avg ignores NONE's own F1, so it may reward that.
NONE_SCALES = np.round(np.arange(0.5, 1.51, 0.1), 2)
REPEATS = 10
# Meta-learner settings compared with the fixed one (C 1, balanced): stronger
# regularisation for 292 dev rows, and no class weights, which F_avg may prefer.
META_SETTINGS = [(C, class_weight) for class_weight in ("balanced", None) for C in (0.01, 0.1, 1.0)]

# Given the dev rows to choose on and the dev rows to predict, predicted label ids.
ChooseAndPredict = Callable[[np.ndarray, np.ndarray], np.ndarray]


def f_avg(gold: np.ndarray, predicted: np.ndarray) -> float:
    matrix = np.zeros((len(LABELS), len(LABELS)), dtype=int)
    np.add.at(matrix, (gold, predicted), 1)
    return float(scores_from_confusion(matrix)["f_avg"])


def cross_fitted(
    gold: np.ndarray, choose_and_predict: ChooseAndPredict, seed: int, repeats: int = REPEATS
) -> list[float]:
    """Dev F_avg with every fifth predicted by a rule chosen on the other four; one per shuffle."""
    results = []
    for repeat in range(repeats):
        predicted = np.empty(len(gold), dtype=int)
        for choose_on, held_out in dev_folds(gold, seed + repeat).split(gold, gold):
            predicted[held_out] = choose_and_predict(choose_on, held_out)
        results.append(f_avg(gold, predicted))
    return results


def _decide(proba: np.ndarray, none_scale: float) -> np.ndarray:
    return (proba * np.where(np.arange(len(LABELS)) == NONE_COLUMN, none_scale, 1.0)).argmax(axis=1)


def _best(candidates: Sequence, score: Callable[[object], float], default) -> object:
    """The candidate with the highest score; ties go to the one closest to `default`'s index."""
    at_default = list(candidates).index(default)
    return max(enumerate(candidates), key=lambda ic: (round(score(ic[1]), 12), -abs(ic[0] - at_default)))[1]


def two_run_average(
    proba_a: np.ndarray, proba_b: np.ndarray, gold: np.ndarray, seed: int, none_scale: bool
) -> list[float]:
    """The two-run average with its weight (and, if asked, a NONE scale) chosen on four fifths of dev."""
    settings = [(float(w), s) for w in WEIGHT_GRID for s in (NONE_SCALES if none_scale else [1.0])]

    def choose_and_predict(choose_on: np.ndarray, held_out: np.ndarray) -> np.ndarray:
        def dev_score(setting):
            weight, scale = setting
            mixed = weight * proba_a[choose_on] + (1 - weight) * proba_b[choose_on]
            return f_avg(gold[choose_on], _decide(mixed, scale))

        weight, scale = _best(settings, dev_score, default=(0.5, 1.0))
        return _decide(weight * proba_a[held_out] + (1 - weight) * proba_b[held_out], scale)

    return cross_fitted(gold, choose_and_predict, seed)


def stacked(
    member_proba: Sequence[np.ndarray], gold: np.ndarray, seed: int, C: float, class_weight: str | None
) -> list[float]:
    """A stacking meta-learner with this C and class weighting, fitted on four fifths of dev."""
    x = features(member_proba)

    def choose_and_predict(choose_on: np.ndarray, held_out: np.ndarray) -> np.ndarray:
        labels = [LABELS[i] for i in gold[choose_on]]
        meta = fit_meta(x[choose_on], labels, seed, C=C, class_weight=class_weight)
        return meta.predict_proba(x[held_out]).argmax(axis=1)

    return cross_fitted(gold, choose_and_predict, seed)
