"""Extra training for the small-data report: a label-permutation null and a learning curve.

Both rerun the run's own protocol (same folds, same model type), so they cost whole
protocol reruns; budgets come from the config's `analysis:` section.
"""

from typing import Callable

import numpy as np

from stance.config import AnalysisConfig, ExperimentConfig
from stance.errors import ConfigError
from stance.metrics import scores
from stance.protocol import Fold

# Offsets keep the analysis' random streams apart from the protocol's own seed.
CHANCE_SEED_OFFSET, CURVE_SEED_OFFSET = 10_000, 20_000


def chance_null(config: ExperimentConfig, examples, folds: list[Fold], cross_validate: Callable) -> dict | None:
    """macro-F1 of the protocol retrained on permuted labels, `chance_permutations` times.

    Like sklearn's permutation_test_score, but through this project's protocol, so it
    works for every model type.
    """
    n = config.analysis.chance_permutations
    if n == 0:
        return None
    rng = np.random.default_rng(config.seed + CHANCE_SEED_OFFSET)
    null = []
    for i in range(n):
        permuted = rng.permutation(examples.labels)
        rows, _, _ = cross_validate(config, examples, folds, labels=permuted, desc=f"chance {i + 1}/{n}")
        tested = [r for r in rows if r["split"] == "test"]
        null.append(scores([r["gold"] for r in tested], [r["predicted"] for r in tested])["macro_f1"])
    return {"metric": "macro_f1", "n_permutations": n, "null": null}


def check_curve_sizes(analysis: AnalysisConfig, folds: list[Fold]) -> None:
    smallest_train = min(len(f.train) for f in folds)
    for size in analysis.curve_sizes:
        if not 2 <= size < smallest_train:
            raise ConfigError(
                f"analysis.curve_sizes: {size} must be at least 2 and below the smallest training fold ({smallest_train}); "
                "the full-size point comes from the run itself"
            )


def subsample(train: np.ndarray, labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` training indices, one of each class first (while size allows), the rest at random."""
    shuffled = rng.permutation(train)
    first_of_class = list({labels[i]: i for i in shuffled[::-1]}.values())[:size]
    chosen = set(first_of_class)
    rest = [i for i in shuffled if i not in chosen]
    return np.array(first_of_class + rest[: size - len(first_of_class)])


def learning_curve(config: ExperimentConfig, examples, folds: list[Fold], cross_validate: Callable) -> list[dict]:
    """Out-of-fold rows for each smaller training size, `curve_repeats` random subsets each."""
    curve = []
    for size in config.analysis.curve_sizes:
        for repeat in range(config.analysis.curve_repeats):
            rng = np.random.default_rng([config.seed + CURVE_SEED_OFFSET, size, repeat])
            rows, _, _ = cross_validate(
                config, examples, folds,
                training_subset=lambda fold, size=size, rng=rng: subsample(fold.train, examples.labels, size, rng),
                desc=f"curve n={size} #{repeat + 1}",
            )
            curve += [{**row, "size": size, "curve_repeat": repeat} for row in rows if row["split"] == "test"]
    return curve
