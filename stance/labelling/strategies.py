"""The order in which to label items, from a model's probabilities: pure functions.

Uncertainty sampling (Settles 2009, "Active Learning Literature Survey", section 3.1)
labels first the items the model is least sure of, by one of three measures; the
diversity strategy clusters the items' frozen-encoder vectors and takes the most
uncertain item of each cluster, so that one batch does not spend its labels on near
duplicates; `random` is the control every other strategy must beat.
"""

import numpy as np

STRATEGIES = ("least_confidence", "margin", "entropy", "diversity", "random")
UNCERTAINTY = ("least_confidence", "margin", "entropy")
# What `stance label suggest` uses unless told otherwise: the strategy the simulation
# supports (stance.labelling.simulation, `make study`), by its rule fixed before it ran:
# one that beats random on every model. None did (each of the four beat it on one of the
# two models, with mean gains of 1.5 to 2.8 points of area on both), so the control is the
# default; docs/labelling.md has the table and the command behind it.
DEFAULT_STRATEGY = "random"
# The diversity strategy's batch when no --n is given: clusters for the first batch.
DEFAULT_BATCH = 10


def uncertainty(strategy: str, proba: np.ndarray) -> np.ndarray:
    """How unsure the model is of each row of `proba` (higher: label it sooner)."""
    proba = np.asarray(proba, dtype=float)
    ranked = np.sort(proba, axis=1)[:, ::-1]
    if strategy == "least_confidence":
        return 1.0 - ranked[:, 0]
    if strategy == "margin":
        return -(ranked[:, 0] - ranked[:, 1])
    if strategy == "entropy":
        return -(proba * np.log(np.clip(proba, 1e-12, 1.0))).sum(axis=1)
    raise ValueError(f"not an uncertainty strategy: {strategy}")


def _by_score(scores: np.ndarray) -> np.ndarray:
    """Indices by descending score; ties keep input order, so the order is reproducible."""
    return np.argsort(-scores, kind="stable")


def _diversity(proba: np.ndarray, vectors: np.ndarray, batch: int, seed: int) -> np.ndarray:
    """The most uncertain (entropy) item of each of `batch` k-means clusters, most uncertain
    first; then the remaining items by entropy."""
    from sklearn.cluster import KMeans  # here: `stance --help` should not pay for sklearn

    entropy = uncertainty("entropy", proba)
    k = min(batch, len(proba))
    unit = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)  # cosine geometry
    clusters = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(unit)
    picks = [members[np.argmax(entropy[members])] for members in (np.flatnonzero(clusters == c) for c in range(k))]
    picks = sorted(picks, key=lambda i: (-entropy[i], i))
    rest = [i for i in _by_score(entropy) if i not in set(picks)]
    return np.array(picks + rest, dtype=int)


def order(
    strategy: str,
    proba: np.ndarray,
    seed: int,
    vectors: np.ndarray | None = None,
    batch: int = DEFAULT_BATCH,
) -> np.ndarray:
    """Every index of `proba`'s rows, in the order to label them."""
    n = len(proba)
    if strategy == "random":
        return np.random.default_rng(seed).permutation(n)
    if strategy == "diversity":
        if vectors is None:
            raise ValueError("the diversity strategy needs the items' vectors")
        return _diversity(np.asarray(proba), np.asarray(vectors), batch, seed)
    return _by_score(uncertainty(strategy, proba))
