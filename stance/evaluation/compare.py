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


def _by_key(rows: Sequence[PredictionRow]) -> dict[tuple, PredictionRow]:
    return {(r.split, r.id, r.repeat): r for r in rows}


def paired(rows_a: Sequence[PredictionRow], rows_b: Sequence[PredictionRow]) -> bool:
    """True when both runs predicted the same items in the same splits, folds and repeats."""
    a, b = _by_key(rows_a), _by_key(rows_b)
    return a.keys() == b.keys() and all(a[k].fold == b[k].fold and a[k].gold == b[k].gold for k in a)


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
    if not paired(rows, baseline_rows):
        return None
    ids = sorted({r.id for r in rows})
    order_a, counts_a = stats.item_counts([r.id for r in rows], [r.gold for r in rows], [r.predicted for r in rows])
    order_b, counts_b = stats.item_counts(
        [r.id for r in baseline_rows], [r.gold for r in baseline_rows], [r.predicted for r in baseline_rows]
    )
    position_b = {sid: i for i, sid in enumerate(order_b)}
    aligned_b = counts_b[[position_b[sid] for sid in order_a]]
    permutation = stats.paired_permutation(counts_a, aligned_b, n_permutations=PERMUTATIONS, seed=seed)
    correct_a, correct_b = _majority_correct(rows), _majority_correct(baseline_rows)
    mcnemar = stats.mcnemar_exact([correct_a[s] for s in ids], [correct_b[s] for s in ids])
    identical = bool((counts_a == aligned_b).all())
    # The paired sd is 0 for identical predictions; then the unpaired sd, which ignores
    # the runs' correlation and so errs large, is the only usable scale.
    differences = stats.paired_bootstrap(counts_a, aligned_b, seed=seed)
    sd = float(np.std(differences, ddof=1))
    if identical:
        sd = float(np.hypot(*(stats.bootstrap_sd(c, seed=seed) for c in (counts_a, aligned_b))))
    return Comparison(
        n_items=len(ids),
        macro_f1_difference=permutation["difference"],
        difference_ci=tuple(float(x) for x in np.percentile(differences, [2.5, 97.5])),
        permutation_p=permutation["p_value"],
        n_permutations=PERMUTATIONS,
        mcnemar_p=mcnemar["p_value"],
        only_run_right=mcnemar["only_a_right"],
        only_baseline_right=mcnemar["only_b_right"],
        n_disagree=int((counts_a != aligned_b).any(axis=(1, 2)).sum()),
        minimum_detectable_difference=stats.minimum_detectable_difference(sd),
        verdict=verdict(permutation["difference"], permutation["p_value"], identical),
    )
