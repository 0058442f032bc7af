"""Cross-validation folds: pure functions of the labels, the protocol and the seed."""

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from sklearn.model_selection import LeaveOneGroupOut, LeaveOneOut, RepeatedStratifiedKFold, train_test_split

from stance.errors import ConfigError
from stance.protocol_config import ProtocolConfig


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


DEFAULT_DEV_FRACTION = 0.1


def holdout_fold(labels: Sequence[str], strata: Sequence[str], is_test: np.ndarray, dev_fraction: float, seed: int) -> Fold:
    """Train minus a dev split stratified by `strata` (target + label), and the test split."""
    train_pool = np.flatnonzero(~is_test)
    stratum, count = min(Counter(np.asarray(strata, dtype=object)[train_pool]).items(), key=lambda item: item[1])
    if count < 2:
        raise ConfigError(f"protocol.dev_fraction: a stratified dev split needs 2+ training items per target and label; '{stratum}' has {count}")
    train, dev = train_test_split(
        train_pool, test_size=dev_fraction, stratify=np.asarray(strata, dtype=object)[train_pool], random_state=seed
    )
    return Fold(0, 0, np.sort(train), np.flatnonzero(is_test), dev=np.sort(dev))


def make_folds(
    labels: Sequence[str],
    protocol: ProtocolConfig,
    seed: int,
    groups: Sequence[str] | None = None,
    is_test: np.ndarray | None = None,
) -> list[Fold]:
    """Every fold of `protocol` over `labels`; each repeat tests every item exactly once.

    `groups` (the article, or target, of each item) drives leave-one-article-out and the
    holdout dev split; `is_test` marks a dataset's own test split. Cross-validation
    protocols use only the items that are not test items.
    """
    if protocol.type == "holdout":
        if is_test is None or not is_test.any():
            raise ConfigError("protocol.type: holdout needs data with a test split (e.g. data.source: semeval2016)")
        strata = [f"{g}|{label}" for g, label in zip(groups, labels)]
        return [holdout_fold(labels, strata, is_test, protocol.dev_fraction or DEFAULT_DEV_FRACTION, seed)]
    if is_test is not None and is_test.any():
        raise ConfigError(f"protocol.type: {protocol.type} cross-validates one split; use type 'holdout' for data with a test split")
    n, dummy_x = len(labels), np.zeros(len(labels))
    if protocol.type == "loo":
        if n < 2:
            raise ConfigError(f"protocol.type: leave-one-out needs at least 2 sentences, got {n}")
        splits = list(LeaveOneOut().split(dummy_x))
        return [Fold(r, i, train, test) for r in range(protocol.repeats) for i, (train, test) in enumerate(splits)]
    if protocol.type == "loao":
        n_groups = len(set(groups or []))
        if n_groups < 2:
            raise ConfigError(f"protocol.type: leave-one-article-out needs at least 2 articles, found {n_groups}")
        return [Fold(0, i, train, test) for i, (train, test) in enumerate(LeaveOneGroupOut().split(dummy_x, groups=groups))]
    smallest, count = min(Counter(labels).items(), key=lambda item: item[1])
    if protocol.n_splits > count:
        raise ConfigError(
            f"protocol.n_splits: {protocol.n_splits} folds exceed the smallest class count "
            f"({smallest}: {count}); stratification needs n_splits <= {count}"
        )
    splitter = RepeatedStratifiedKFold(n_splits=protocol.n_splits, n_repeats=protocol.n_repeats, random_state=seed)
    return [
        Fold(i // protocol.n_splits, i % protocol.n_splits, train, test)
        for i, (train, test) in enumerate(splitter.split(dummy_x, list(labels)))
    ]
