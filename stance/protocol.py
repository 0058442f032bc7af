"""Folds, and the variations of them the small-data analyses train on. Pure functions.

The permutation null and the learning curve are not hooks into training: they are other
inputs (permuted labels, folds with fewer training items) to the same `fit_predict`.
"""

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import reduce

import numpy as np
from sklearn.model_selection import (
    LeaveOneGroupOut,
    LeaveOneOut,
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
    train_test_split,
)

from stance.config import AnalysisConfig, ProtocolConfig
from stance.errors import ConfigError, DataError

# Offsets keep the analyses' random streams apart from the protocol's own seed.
CHANCE_SEED_OFFSET, CURVE_SEED_OFFSET = 10_000, 20_000


@dataclass(frozen=True)
class Fold:
    """One train/test split; `repeat` numbers the full passes over the data."""

    repeat: int
    index: int
    train: np.ndarray
    test: np.ndarray
    dev: np.ndarray | None = None  # holdout only: for early stopping and model choice


def model_seed(seed: int, fold: Fold) -> int:
    """Each repeat trains with its own seed, so repeats also measure seed variance."""
    return seed + fold.repeat


def holdout_fold(strata: Sequence[str], is_test: np.ndarray, dev_fraction: float, seed: int) -> Fold:
    """Train minus a dev split stratified by `strata` (group + label), and the test split."""
    train_pool = np.flatnonzero(~is_test)
    pool_strata = np.asarray(strata, dtype=object)[train_pool]
    stratum, count = min(Counter(pool_strata).items(), key=lambda item: item[1])
    if count < 2:
        raise ConfigError(
            "protocol.dev_fraction: a stratified dev split needs 2+ training items per group and label; "
            f"'{stratum}' has {count}"
        )
    train, dev = train_test_split(train_pool, test_size=dev_fraction, stratify=pool_strata, random_state=seed)
    return Fold(0, 0, np.sort(train), np.flatnonzero(is_test), dev=np.sort(dev))


def make_folds(
    labels: Sequence[str],
    protocol: ProtocolConfig,
    seed: int,
    groups: Sequence[str],
    is_test: np.ndarray,
    sources: Sequence[str] | None = None,
    families: Sequence[str] | None = None,
) -> list[Fold]:
    """Every fold of `protocol` over `labels`; each repeat tests every tested item exactly once.

    `groups` (the article, set or target of each item) drives leave-one-group-out and the
    holdout dev split; `is_test` marks a data set's own test split. `sources` and
    `families` (default: one source, each item its own family) drive the protocols over
    several labelled sources. Cross-validation protocols use only the non-test items.
    """
    n = len(labels)
    sources = np.asarray(sources if sources is not None else [""] * n, dtype=object)
    families = np.asarray(families if families is not None else [str(i) for i in range(n)], dtype=object)
    if protocol.type == "holdout":
        if not is_test.any():
            raise ConfigError("protocol.type: holdout needs data with a test split (e.g. data.source: semeval2016)")
        strata = [f"{g}|{label}" for g, label in zip(groups, labels)]
        return [holdout_fold(strata, is_test, protocol.dev_fraction, seed)]
    if is_test.any():
        raise ConfigError(
            f"protocol.type: {protocol.type} cross-validates one split; use type 'holdout' for data with a test split"
        )
    for key in ("train_sources", "test_sources"):
        missing = sorted(set(getattr(protocol, key) or ()) - set(sources))
        if missing:
            raise ConfigError(f"protocol.{key}: no loaded items come from {missing} (loaded: {sorted(set(sources))})")
    dummy_x = np.zeros(n)
    if protocol.type == "loo" and protocol.test_sources:
        return family_folds(sources, families, protocol.test_sources)
    if protocol.type == "loo":
        if n < 2:
            raise ConfigError(f"protocol.type: leave-one-out needs at least 2 items, got {n}")
        splits = list(LeaveOneOut().split(dummy_x))
        return [Fold(r, i, train, test) for r in range(protocol.repeats) for i, (train, test) in enumerate(splits)]
    if protocol.type == "loao":
        n_groups = len(set(groups))
        if n_groups < 2:
            raise ConfigError(
                f"protocol.type: leave-one-group-out needs at least 2 groups (articles), found {n_groups}"
            )
        return [
            Fold(0, i, train, test) for i, (train, test) in enumerate(LeaveOneGroupOut().split(dummy_x, groups=groups))
        ]
    if protocol.type == "cross_set":
        # No family is held out: a contrast set tests a model that has seen the units it
        # was made from (Gardner et al. 2020); the sources themselves never overlap.
        train = np.flatnonzero(np.isin(sources, protocol.train_sources))
        return [Fold(0, 0, train, np.flatnonzero(np.isin(sources, protocol.test_sources)))]
    smallest, count = min(Counter(labels).items(), key=lambda item: item[1])
    if protocol.n_splits > count:
        raise ConfigError(
            f"protocol.n_splits: {protocol.n_splits} folds exceed the smallest class count "
            f"({smallest}: {count}); stratification needs n_splits <= {count}"
        )
    if protocol.type == "grouped_kfold":
        folds = grouped_folds(list(labels), families, protocol.n_splits, protocol.repeats, seed)
    else:
        splitter = RepeatedStratifiedKFold(n_splits=protocol.n_splits, n_repeats=protocol.n_repeats, random_state=seed)
        folds = [
            Fold(i // protocol.n_splits, i % protocol.n_splits, train, test)
            for i, (train, test) in enumerate(splitter.split(dummy_x, list(labels)))
        ]
    return folds if protocol.reshuffle else same_folds_each_repeat(folds)


def same_folds_each_repeat(folds: list[Fold]) -> list[Fold]:
    """Every repeat on the first repeat's folds: the repeats then differ in the model's seed only."""
    first = [fold for fold in folds if fold.repeat == 0]
    repeats = sorted({fold.repeat for fold in folds})
    return [replace(fold, repeat=repeat) for repeat in repeats for fold in first]


def family_folds(sources: np.ndarray, families: np.ndarray, test_sources: Sequence[str]) -> list[Fold]:
    """One fold per family of the tested sources: test its tested items, train on everything
    outside the family. A held-out unit's contrast edits are never in its training fold."""
    tested = np.isin(sources, test_sources)
    folds = []
    for i, family in enumerate(dict.fromkeys(families[tested])):
        in_family = families == family
        folds.append(Fold(0, i, np.flatnonzero(~in_family), np.flatnonzero(in_family & tested)))
    return folds


def grouped_folds(labels: list[str], families: np.ndarray, n_splits: int, repeats: int, seed: int) -> list[Fold]:
    """Stratified k-fold by label whose groups are families, reshuffled per repeat."""
    dummy_x = np.zeros(len(labels))
    folds = []
    for repeat in range(repeats):
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + repeat)
        for i, (train, test) in enumerate(splitter.split(dummy_x, labels, groups=families)):
            folds.append(Fold(repeat, i, train, test))
    return folds


def shared_training_items(folds: list[Fold]) -> np.ndarray:
    """The items every fold trains on. Each fold's test items are outside its own training
    set, so none of these is tested in any fold: a model fitted on them once may be
    shared by all folds without leakage."""
    return reduce(np.intersect1d, (fold.train for fold in folds))


def final_training_items(is_test: np.ndarray) -> np.ndarray:
    """What a cross-validated run's saved model is refitted on: every item that is not test."""
    return np.flatnonzero(~is_test)


# --- the permutation null's input -----------------------------------------------------------


def permuted_labels(labels: np.ndarray, n_permutations: int, seed: int) -> Iterator[np.ndarray]:
    """`n_permutations` shuffles of `labels`, from their own random stream."""
    rng = np.random.default_rng(seed + CHANCE_SEED_OFFSET)
    for _ in range(n_permutations):
        yield rng.permutation(labels)


def check_training_classes(folds: list[Fold], labels: np.ndarray, location: str) -> None:
    """Every fold trains on two classes or more, checked before any fit: with one class
    there is nothing to learn, and sklearn fails only inside the first fold."""
    counts = Counter(labels.tolist())
    if len(counts) < 2:
        raise DataError(f"{location}: the labels hold one class only ({_counted(counts)}); a classifier needs two")
    for fold in folds:
        in_fold = Counter(labels[fold.train].tolist())
        if len(in_fold) < 2:
            raise DataError(
                f"{location}: fold {fold.index + 1} of repeat {fold.repeat + 1} trains on one class only "
                f"({_counted(in_fold)}); a classifier needs two"
            )


def check_permuted_training_classes(folds: list[Fold], permuted: np.ndarray, location: str) -> None:
    """The permutation null's check: under each of its label shuffles (rows of `permuted`),
    every fold still trains on two classes or more. Checked for all shuffles at once,
    before any work, since a failing one would surface only after the whole protocol."""
    if len(permuted) == 0:
        return
    for fold in folds:
        train = permuted[:, fold.train]
        one_class = (train == train[:, :1]).all(axis=1)
        if one_class.any():
            shuffle = int(np.flatnonzero(one_class)[0]) + 1
            raise DataError(
                f"{location}: under label shuffle {shuffle} of analysis.chance_permutations, fold {fold.index + 1} "
                f"of repeat {fold.repeat + 1} trains on one class only; with labels this skewed, set "
                "analysis.chance_permutations: 0 (the report then shuffles gold labels against the predictions)"
            )


def _counted(counts: Counter) -> str:
    return ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))


# --- the learning curve's input -------------------------------------------------------------


def check_curve_sizes(analysis: AnalysisConfig, folds: list[Fold]) -> None:
    smallest_train = min(len(f.train) for f in folds)
    for size in analysis.curve_sizes:
        if not 2 <= size < smallest_train:
            raise ConfigError(
                f"analysis.curve_sizes: {size} must be at least 2 and below the smallest training fold "
                f"({smallest_train}); the full-size point comes from the run itself"
            )


def subsample(train: np.ndarray, labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` training indices, one of each class first (while size allows), the rest at random."""
    shuffled = rng.permutation(train)
    first_of_class = list({labels[i]: i for i in shuffled[::-1]}.values())[:size]
    chosen = set(first_of_class)
    rest = [i for i in shuffled if i not in chosen]
    return np.array(first_of_class + rest[: size - len(first_of_class)])


def curve_folds(folds: list[Fold], labels: np.ndarray, size: int, subset: int, seed: int) -> list[Fold]:
    """The folds with `size` random training items each: subset number `subset` of that size."""
    rng = np.random.default_rng([seed + CURVE_SEED_OFFSET, size, subset])
    return [replace(fold, train=subsample(fold.train, labels, size, rng)) for fold in folds]
