"""Uncertainty and significance for small test sets. Pure functions, no I/O.

Everything works on per-item confusion counts: `counts[s]` is the 3x3 matrix
(gold x predicted, LABELS order) of item s summed over its CV repeats (or, for the
paired bootstrap, kept apart per repeat: `counts[r, s]`). Confusion counts add up, so a
bootstrap resample or a paired permutation is a weighted sum of these matrices, and
thousands of them are one matrix product.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb
from statistics import NormalDist

import numpy as np

from stance.evaluation.metrics import scores_from_confusion
from stance.labels import LABELS


def item_counts(item_ids: Sequence[str], gold: Sequence[str], predicted: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Item ids in first-seen order and their (n, 3, 3) confusion counts."""
    order = list(dict.fromkeys(item_ids))
    index = {sid: i for i, sid in enumerate(order)}
    counts = np.zeros((len(order), len(LABELS), len(LABELS)))
    for sid, g, p in zip(item_ids, gold, predicted):
        counts[index[sid], LABELS.index(g), LABELS.index(p)] += 1
    return order, counts


def _resample_weights(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """(n_resamples, n) multiplicities of a bootstrap over n items."""
    return np.random.default_rng(seed).multinomial(n, np.full(n, 1 / n), size=n_resamples)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def bootstrap_cis(
    counts: np.ndarray, n_resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> dict[str, Interval]:
    """Percentile bootstrap intervals over items for accuracy, macro-F1 and F_avg."""
    weights = _resample_weights(len(counts), n_resamples, seed)
    resampled = scores_from_confusion(np.einsum("bn,nij->bij", weights, counts))
    tail = 100 * (1 - level) / 2
    return {name: Interval(*np.percentile(values, [tail, 100 - tail])) for name, values in resampled.items()}


def mcnemar_exact(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> dict:
    """Exact (binomial) McNemar test on paired right/wrong outcomes: two-sided p-value."""
    a, b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    discordant = only_a + only_b
    return {"only_a_right": only_a, "only_b_right": only_b, "p_value": _two_sided_binomial_half(only_a, discordant)}


def _two_sided_binomial_half(k: int, n: int) -> float:
    """Exact two-sided p of k successes in n trials at p = 1/2: twice the smaller tail.

    Integer arithmetic, and no scipy.stats, whose import costs about a second of every
    `stance evaluate` (the test checks it against scipy's binomtest)."""
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(min(k, n - k) + 1))
    return min(1.0, 2 * tail / 2**n)


def paired_permutation(
    counts_a: np.ndarray, counts_b: np.ndarray, metric: str = "macro_f1", n_permutations: int = 10000, seed: int = 0
) -> dict:
    """Two-sided paired permutation test of metric(A) - metric(B), swapping A and B per item."""
    observed = float(scores_from_confusion(counts_a.sum(0))[metric] - scores_from_confusion(counts_b.sum(0))[metric])
    swaps = np.random.default_rng(seed).integers(0, 2, size=(n_permutations, len(counts_a)))
    delta = counts_b - counts_a  # what item s adds to A's total when its predictions swap
    total_a = counts_a.sum(0) + np.einsum("pn,nij->pij", swaps, delta)
    total_b = counts_b.sum(0) - np.einsum("pn,nij->pij", swaps, delta)
    null = scores_from_confusion(total_a)[metric] - scores_from_confusion(total_b)[metric]
    extreme = int((np.abs(null) >= abs(observed) - 1e-12).sum())
    return {"difference": observed, "p_value": (extreme + 1) / (n_permutations + 1), "n_permutations": n_permutations}


def paired_bootstrap(
    counts_a: np.ndarray, counts_b: np.ndarray, metric: str = "macro_f1", n_resamples: int = 1000, seed: int = 0
) -> np.ndarray:
    """metric(A) - metric(B) on `n_resamples` bootstrap resamples of the items, drawn jointly.

    Counts of shape (repeats, items, 3, 3) are resampled on both levels, the repeats (seeds
    or fold shuffles, paired by index) as well as the items, so the differences also vary
    as the repeats do. One repeat gives exactly the item bootstrap.
    """
    if counts_a.ndim == 3:
        counts_a, counts_b = counts_a[None], counts_b[None]
    items = _resample_weights(counts_a.shape[1], n_resamples, seed)
    repeats = _resample_weights(counts_a.shape[0], n_resamples, seed + 1)
    a = scores_from_confusion(np.einsum("br,bn,rnij->bij", repeats, items, counts_a))[metric]
    b = scores_from_confusion(np.einsum("br,bn,rnij->bij", repeats, items, counts_b))[metric]
    return a - b


def bootstrap_sd(counts: np.ndarray, metric: str = "macro_f1", n_resamples: int = 1000, seed: int = 0) -> float:
    """Bootstrap standard deviation of one run's metric over items."""
    weights = _resample_weights(len(counts), n_resamples, seed)
    return float(np.std(scores_from_confusion(np.einsum("bn,nij->bij", weights, counts))[metric], ddof=1))


def minimum_detectable_difference(sd_of_difference: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest true difference a two-sided test at `alpha` detects with `power` (normal approx.)."""
    z = NormalDist().inv_cdf
    return float((z(1 - alpha / 2) + z(power)) * sd_of_difference)


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979), in the input order.

    Controls the family-wise error rate over all the tests given, under any dependence
    between them: the k-th smallest p is multiplied by (m - k + 1), and the adjusted
    values are made monotone and capped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * (len(p) - np.arange(len(p)))
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


def permutation_p_value(observed: float, null: Sequence[float]) -> float:
    """One-sided p-value of `observed` against a permutation null: (1 + #null >= obs) / (1 + N)."""
    null = np.asarray(null, dtype=float)
    return float((1 + (null >= observed - 1e-12).sum()) / (1 + len(null)))


def prediction_shuffle_null(
    counts: np.ndarray, metric: str = "macro_f1", n_permutations: int = 10000, seed: int = 0
) -> np.ndarray:
    """metric when gold labels are re-dealt across items, predictions fixed.

    Items, not prediction rows, are permuted: the repeats of one item share its
    gold label, so shuffling rows would treat them as independent and understate chance.
    """
    gold = counts.sum(axis=2).argmax(axis=1)  # every row of an item has the same gold label
    predicted_counts = counts.sum(axis=1)  # (n, 3): how often each label was predicted
    rng = np.random.default_rng(seed)
    null = []
    for start in range(0, n_permutations, 500):  # chunks keep the one-hot array small on large test sets
        dealt = np.stack([rng.permutation(gold) for _ in range(min(500, n_permutations - start))])
        one_hot = np.eye(len(LABELS))[dealt]  # (chunk, n, 3)
        null.append(scores_from_confusion(np.einsum("pni,nj->pij", one_hot, predicted_counts))[metric])
    return np.concatenate(null)
