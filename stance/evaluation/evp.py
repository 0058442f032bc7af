"""Expected validation performance (Dodge et al. 2019, "Show Your Work: Improved
Reporting of Experimental Results"): the expected best validation score after n trials.

Pure functions. Given N observed trial scores, the best of n trials drawn at random with
replacement from them has the expectation sum_i v_(i) [(i/N)^n - ((i-1)/N)^n], over the
scores sorted ascending. It is exact for random search; for TPE, whose trials are not
independent draws, it reads the observed trials as if they were.
"""

from collections.abc import Sequence

import numpy as np


def expected_max(scores: Sequence[float], n: int) -> tuple[float, float]:
    """Mean and standard deviation of the best of `n` trials drawn from `scores`."""
    values = np.sort(np.asarray(scores, dtype=float))
    total = len(values)
    ranks = np.arange(1, total + 1)
    weights = (ranks / total) ** n - ((ranks - 1) / total) ** n  # P(the max is the i-th smallest)
    mean = float(weights @ values)
    variance = float(weights @ values**2) - mean**2
    return mean, float(np.sqrt(max(variance, 0.0)))


def curve(studies: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Expected best score for n = 1..N trials, averaged over studies (one per outer fold),
    with the mean of the studies' standard deviations as its band."""
    budget = min(len(scores) for scores in studies)
    points = np.array([[expected_max(scores[:budget], n) for n in range(1, budget + 1)] for scores in studies])
    return points[:, :, 0].mean(axis=0), points[:, :, 1].mean(axis=0)
