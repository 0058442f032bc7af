"""Paired comparison of two runs scored on identical folds: is the difference real?

Numbers only: the report's paired section turns a Comparison into words.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from stance.evaluation import stats
from stance.runs import PredictionRow

PERMUTATIONS = 10_000
ALPHA = 0.05

Verdict = Literal["identical", "better", "worse", "not_distinguishable"]


@dataclass(frozen=True)
class Comparison:
    n_items: int
    macro_f1_difference: float  # run minus baseline
    difference_ci: tuple[float, float]  # 95% paired percentile bootstrap
    permutation_p: float
    n_permutations: int
    mcnemar_p: float
    only_run_right: int
    only_baseline_right: int
    n_disagree: int  # items whose predictions differ between the runs
    minimum_detectable_difference: float
    verdict: Verdict


def _folds_by_repeat(rows: Sequence[PredictionRow]) -> dict[int, dict[tuple, tuple]]:
    """Per repeat: each (split, item) with its fold and gold label."""
    by_repeat: dict[int, dict[tuple, tuple]] = {}
    for r in rows:
        by_repeat.setdefault(r.repeat, {})[(r.split, r.id)] = (r.fold, r.gold)
    return by_repeat


def paired(rows_a: Sequence[PredictionRow], rows_b: Sequence[PredictionRow], seed_repeats: bool = False) -> bool:
    """True when both runs predicted the same items in the same splits, folds and repeats.

    With `seed_repeats`, also when one run's single repeat matches every repeat of the
    other (a run whose repeats only change the model's seed, against a run of one
    repeat): comparable, though not row by row, so never for an ensemble."""
    a, b = _folds_by_repeat(rows_a), _folds_by_repeat(rows_b)
    if a.keys() == b.keys() and all(a[r] == b[r] for r in a):
        return True
    one, many = (a, b) if len(a) == 1 else (b, a)
    return seed_repeats and len(one) == 1 and all(folds == next(iter(one.values())) for folds in many.values())


def _repeat_counts(rows: Sequence[PredictionRow], ids: Sequence[str]) -> np.ndarray:
    """(repeats, items, 3, 3) confusion counts, items in the order of `ids`."""
    tensors = []
    for repeat in sorted({r.repeat for r in rows}):
        of_repeat = [r for r in rows if r.repeat == repeat]
        order, counts = stats.item_counts(
            [r.id for r in of_repeat], [r.gold for r in of_repeat], [r.predicted for r in of_repeat]
        )
        position = {sid: i for i, sid in enumerate(order)}
        tensors.append(counts[[position[sid] for sid in ids]])
    return np.stack(tensors)


def _majority_correct(rows: Sequence[PredictionRow]) -> dict[str, bool]:
    """Per item: right in more than half of its repeats (one repeat: simply right)."""
    hits: dict[str, list[bool]] = {}
    for r in rows:
        hits.setdefault(r.id, []).append(r.correct)
    return {sid: sum(h) > len(h) / 2 for sid, h in hits.items()}


def verdict(difference: float, p_value: float, identical: bool) -> Verdict:
    """The verdict of a paired test at ALPHA, for a raw or a multiplicity-adjusted p."""
    if identical:
        return "identical"
    if p_value < ALPHA:
        return "better" if difference > 0 else "worse"
    return "not_distinguishable"


def compare(rows: Sequence[PredictionRow], baseline_rows: Sequence[PredictionRow], seed: int = 0) -> Comparison | None:
    """Paired tests of a run's test predictions against a baseline's, or None when their folds differ."""
    rows = [r for r in rows if r.split == "test"]
    baseline_rows = [r for r in baseline_rows if r.split == "test"]
    if not paired(rows, baseline_rows, seed_repeats=True):
        return None
    ids = sorted({r.id for r in rows})
    order = list(dict.fromkeys(r.id for r in rows))  # the permutation's item order, as it always was
    counts_a, counts_b = _repeat_counts(rows, order), _repeat_counts(baseline_rows, order)
    # A run of one repeat against a run of several seed-only repeats is the same run each time.
    repeats = max(len(counts_a), len(counts_b))
    counts_a, counts_b = (np.repeat(c, repeats // len(c), axis=0) for c in (counts_a, counts_b))
    # Item by item, the mean over repeats: the permutation test swaps an item's predictions
    # between runs whose repeats may differ in number.
    mean_a, mean_b = counts_a.mean(axis=0), counts_b.mean(axis=0)
    permutation = stats.paired_permutation(mean_a, mean_b, n_permutations=PERMUTATIONS, seed=seed)
    correct_a, correct_b = _majority_correct(rows), _majority_correct(baseline_rows)
    mcnemar = stats.mcnemar_exact([correct_a[s] for s in ids], [correct_b[s] for s in ids])
    identical = bool((mean_a == mean_b).all())
    # Items and repeats resampled together: with several seeds, the interval holds seed variance.
    differences = stats.paired_bootstrap(counts_a, counts_b, seed=seed)
    # The paired sd is 0 for identical predictions; then the unpaired sd, which ignores
    # the runs' correlation and so errs large, is the only usable scale.
    sd = float(np.std(differences, ddof=1))
    if identical:
        sd = float(np.hypot(*(stats.bootstrap_sd(c, seed=seed) for c in (mean_a, mean_b))))
    return Comparison(
        n_items=len(ids),
        macro_f1_difference=permutation["difference"],
        difference_ci=tuple(float(x) for x in np.percentile(differences, [2.5, 97.5])),
        permutation_p=permutation["p_value"],
        n_permutations=PERMUTATIONS,
        mcnemar_p=mcnemar["p_value"],
        only_run_right=mcnemar["only_a_right"],
        only_baseline_right=mcnemar["only_b_right"],
        n_disagree=int((mean_a != mean_b).any(axis=(1, 2)).sum()),
        minimum_detectable_difference=stats.minimum_detectable_difference(sd),
        verdict=verdict(permutation["difference"], permutation["p_value"], identical),
    )
