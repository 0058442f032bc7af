"""Cross-validation folds: pure functions of the labels, the protocol and the seed."""

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from sklearn.model_selection import LeaveOneGroupOut, LeaveOneOut, RepeatedStratifiedKFold

from stance.errors import ConfigError
from stance.protocol_config import ProtocolConfig


@dataclass(frozen=True)
class Fold:
    """One train/test split; `repeat` numbers the full passes over the data."""

    repeat: int
    index: int
    train: np.ndarray
    test: np.ndarray


def model_seed(seed: int, fold: Fold) -> int:
    """Each repeat trains with its own seed, so repeats also measure seed variance."""
    return seed + fold.repeat


def make_folds(labels: Sequence[str], protocol: ProtocolConfig, seed: int, groups: Sequence[str] | None = None) -> list[Fold]:
    """Every fold of `protocol` over `labels`; each repeat tests every item exactly once.

    `groups` (the article of each sentence) is needed by leave-one-article-out.
    """
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
