"""Levers judged on the dev split alone, by cross-fitting. Pure.

A setting chosen on dev and scored on the same dev rows looks better than it is. Here
each fifth of dev is predicted with the setting chosen (or the meta-learner fitted) on
the other four fifths, and that is repeated over several shuffles of dev, so a lever
that only fits noise falls back to the score without it. The SemEval benchmark reports
these numbers for levers that dev rejected, which were therefore never scored on test.

Every function takes dev rows only: probabilities in LABELS order and gold label ids.
One caveat stays, as in stacking: a member that chose its epoch by early stopping on
all of dev has seen every dev label. Cross-fitting removes the flattery of the choice
made here, not of the members' own choices.
"""

from collections.abc import Callable, Sequence

import numpy as np

from stance.evaluation.ensemble import WEIGHT_GRID, tie_preference
from stance.evaluation.metrics import confusion_of_ids, scores_from_confusion
from stance.evaluation.stacking import dev_folds, features, fit_meta
from stance.labels import LABEL2ID, LABELS, NONE

NONE_COLUMN = LABEL2ID[NONE]
# Multiplies P(NONE) before the argmax: below 1 the rule says FAVOR or AGAINST more
# often. F_avg ignores NONE's own F1, so it may reward that.
NONE_SCALES = np.round(np.arange(0.5, 1.51, 0.1), 2)
REPEATS = 10
# Meta-learner settings compared with the fixed one (C 1, balanced): stronger
# regularisation, as dev sets are small, and no class weights, which F_avg may prefer.
META_SETTINGS = [(C, class_weight) for class_weight in ("balanced", None) for C in (0.01, 0.1, 1.0)]

# A rule maps the rows it is given (their features) to predicted label ids. A fit makes
# a rule from the features and gold labels of the rows it may choose on, and no others.
Rule = Callable[[np.ndarray], np.ndarray]
Fit = Callable[[np.ndarray, np.ndarray], Rule]


def f_avg(gold: np.ndarray, predicted: np.ndarray) -> float:
    return float(scores_from_confusion(confusion_of_ids(gold, predicted))["f_avg"])


def cross_fitted(x: np.ndarray, gold: np.ndarray, fit: Fit, seed: int, repeats: int = REPEATS) -> list[float]:
    """Dev F_avg with every part predicted by a rule fitted on the other parts; one per shuffle.

    The fit and the rule are handed slices, so a held-out row cannot reach its own rule.
    """
    results = []
    for repeat in range(repeats):
        predicted = np.empty(len(gold), dtype=int)
        for choose_on, held_out in dev_folds(gold, seed + repeat).split(x, gold):
            rule = fit(x[choose_on], gold[choose_on])
            predicted[held_out] = rule(x[held_out])
        results.append(f_avg(gold, predicted))
    return results


def _decide(proba: np.ndarray, none_scale: float) -> np.ndarray:
    return (proba * np.where(np.arange(len(LABELS)) == NONE_COLUMN, none_scale, 1.0)).argmax(axis=1)


def choose_mix(pair: np.ndarray, gold: np.ndarray, scales: Sequence[float] = (1.0,)) -> tuple[float, float]:
    """The weight on the first run, and the NONE scale, with the best F_avg on these rows.

    `pair` is (rows, 2 runs, labels). Ties go to the equal mix, then to the scale nearest 1.
    """

    def preference(setting: tuple[float, float]):
        weight, scale = setting
        mixed = weight * pair[:, 0] + (1 - weight) * pair[:, 1]
        return round(f_avg(gold, _decide(mixed, scale)), 12), tie_preference(weight), -abs(scale - 1.0)

    return max(((float(w), float(s)) for w in WEIGHT_GRID for s in scales), key=preference)


def two_run_average(
    proba_a: np.ndarray, proba_b: np.ndarray, gold: np.ndarray, seed: int, choose_none_scale: bool
) -> list[float]:
    """The two-run average with its weight (and, if asked, a NONE scale) chosen on the other parts."""
    scales = NONE_SCALES if choose_none_scale else (1.0,)

    def fit(pair: np.ndarray, gold: np.ndarray) -> Rule:
        weight, scale = choose_mix(pair, gold, scales)
        return lambda pair: _decide(weight * pair[:, 0] + (1 - weight) * pair[:, 1], scale)

    return cross_fitted(np.stack([proba_a, proba_b], axis=1), gold, fit, seed)


def stacked(
    member_proba: Sequence[np.ndarray], gold: np.ndarray, seed: int, C: float, class_weight: str | None
) -> list[float]:
    """A stacking meta-learner with this C and class weighting, fitted on the other parts."""

    def fit(x: np.ndarray, gold: np.ndarray) -> Rule:
        meta = fit_meta(x, [LABELS[i] for i in gold], seed, C=C, class_weight=class_weight)
        return lambda x: meta.predict_proba(x).argmax(axis=1)

    return cross_fitted(features(member_proba), gold, fit, seed)
