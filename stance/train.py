"""`stance train`: cross-validate a config, fit a final model, and write a run folder."""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from datasets import Dataset
from tqdm.auto import tqdm

from stance import analysis, runs, seeds
from stance.config import ExperimentConfig
from stance.data import fingerprint, load_data
from stance.errors import ConfigError
from stance.evaluate import evaluate_run
from stance.labels import LABELS
from stance.models import MODELS, StanceModel
from stance.models.base import DevSet
from stance.protocol import Fold, make_folds, model_seed


@dataclass(frozen=True)
class Examples:
    """The dataset's columns as arrays that fold indices can select from.

    A dataset with its own test split (SemEval) is stacked train-then-test, and
    `is_test` marks the test rows. `targets` is None for single-target data.
    """

    ids: np.ndarray
    texts: np.ndarray
    labels: np.ndarray
    articles: np.ndarray
    rationales: np.ndarray
    targets: np.ndarray | None
    is_test: np.ndarray

    @classmethod
    def from_datasets(cls, train: Dataset, test: Dataset | None = None) -> "Examples":
        parts = [train] if test is None else [train, test]
        column = lambda name: np.asarray([v for part in parts for v in part[name]], dtype=object)  # noqa: E731
        targets = column("target") if "target" in train.column_names else None
        is_test = np.array([False] * len(train) + [True] * (0 if test is None else len(test)))
        return cls(column("id"), column("text"), column("label"), column("article"), column("rationale"), targets, is_test)

    def targets_of(self, rows: np.ndarray) -> list[str] | None:
        return None if self.targets is None else self.targets[rows].tolist()


def build_model(config: ExperimentConfig, seed: int) -> StanceModel:
    return MODELS[config.model.type](config.model, seed)


def cross_validate(
    config: ExperimentConfig,
    examples: Examples,
    folds: list[Fold],
    labels: np.ndarray | None = None,
    training_subset: Callable[[Fold], np.ndarray] | None = None,
    desc: str = "folds",
) -> tuple[list[dict], list[float], StanceModel]:
    """Out-of-fold prediction rows for every item in every repeat, fit times, last model.

    `labels` replaces the gold labels (the permutation null); `training_subset` picks the
    training indices of a fold (the learning curve). A fold with a dev split (holdout)
    passes it to the model and predicts it too, in rows marked `"split": "dev"`.
    """
    labels = examples.labels if labels is None else labels
    rows, fit_seconds = [], []
    for fold in tqdm(folds, desc=f"{config.name}: {desc}", unit="fold", disable=None):
        train = fold.train if training_subset is None else training_subset(fold)
        model = build_model(config, model_seed(config.seed, fold))  # fresh per fold: nothing leaks
        dev = None
        if fold.dev is not None:
            dev = DevSet(examples.texts[fold.dev].tolist(), labels[fold.dev].tolist(), examples.targets_of(fold.dev))
        started = time.perf_counter()
        model.fit(examples.texts[train].tolist(), labels[train].tolist(), examples.targets_of(train), dev=dev)
        fit_seconds.append(time.perf_counter() - started)
        scored = [("test", fold.test)] + ([("dev", fold.dev)] if fold.dev is not None else [])
        for split, indices in scored:
            rows += _prediction_rows(examples, labels, fold, split, indices, model.predict_proba(examples.texts[indices].tolist(), examples.targets_of(indices)))
    return rows, fit_seconds, model


def _prediction_rows(examples: Examples, labels: np.ndarray, fold: Fold, split: str, indices: np.ndarray, probabilities) -> list[dict]:
    rows = []
    for i, proba in zip(indices, probabilities):
        rows.append(
            {
                "id": examples.ids[i],
                "article": examples.articles[i],
                "text": examples.texts[i],
                "gold": labels[i],
                "predicted": LABELS[int(np.argmax(proba))],
                "probabilities": dict(zip(LABELS, map(float, proba))),
                "repeat": fold.repeat,
                "fold": fold.index,
                "split": split,
                "rationale": examples.rationales[i],
            }
        )
    return rows


def prepare(config: ExperimentConfig, config_source: str) -> tuple[Examples, list[Fold]]:
    """Load and validate the data, folds and model source: every check before any work."""
    examples = Examples.from_datasets(*load_data(config.data))
    try:
        folds = make_folds(
            examples.labels.tolist(), config.protocol, config.seed, groups=examples.articles.tolist(), is_test=examples.is_test
        )
        MODELS[config.model.type].preflight(config.model)
        analysis.check_curve_sizes(config.analysis, folds)
    except ConfigError as err:
        raise ConfigError(f"{config_source}: {err}") from None
    return examples, folds


def train(config: ExperimentConfig, config_source: str, run_dir: Path, overwrite: bool = False) -> Path:
    """Validate everything, then run the protocol and write `run_dir` atomically."""
    examples, folds = prepare(config, config_source)
    runs.check_can_write(run_dir, overwrite)

    started = time.perf_counter()
    rows, fit_seconds, fold_model = cross_validate(config, examples, folds)
    cv_seconds = time.perf_counter() - started
    final_started = time.perf_counter()
    if config.protocol.type == "holdout":
        final_model = fold_model  # trained on train minus dev; dev chose its epoch, test never touched it
    else:
        train_all = np.flatnonzero(~examples.is_test)
        final_model = build_model(config, config.seed).fit(
            examples.texts[train_all].tolist(), examples.labels[train_all].tolist(), examples.targets_of(train_all)
        )
    final_seconds = time.perf_counter() - final_started
    analysis_started = time.perf_counter()
    chance = analysis.chance_null(config, examples, folds, cross_validate)
    curve = analysis.learning_curve(config, examples, folds, cross_validate)
    analysis_seconds = time.perf_counter() - analysis_started
    if not runs.is_main_process():
        return run_dir  # under accelerate launch every process trains; one writes the run

    with runs.staged(run_dir, overwrite) as staging:
        final_model.save(staging / runs.MODEL_DIR)
        (staging / runs.CONFIG_FILE).write_text(config.to_yaml(), encoding="utf-8")
        seeds.write_jsonl(staging / runs.PREDICTIONS_FILE, rows)
        if chance is not None:
            runs.write_json(staging / runs.CHANCE_FILE, chance)
        if curve:
            seeds.write_jsonl(staging / runs.CURVE_FILE, curve)
        record = {
            "name": config.name,
            "config_source": config_source,
            "seed": config.seed,
            "data": {
                "source": config.data.source,
                "seeds_dir": str(config.data.seeds_dir),
                "sha256": fingerprint(config.data),
                "n_sentences": len({r["id"] for r in rows if r["split"] == "test"}),
            },
            "n_folds": len(folds),
            "mean_train_size": float(np.mean([len(f.train) for f in folds])),
            "seconds": {
                "cross_validation": cv_seconds,
                "fit_per_fold_mean": float(np.mean(fit_seconds)),
                "final_fit": final_seconds,
                "analysis": analysis_seconds,
                "total": time.perf_counter() - started,
            },
            **runs.provenance(),
        }
        runs.write_json(staging / runs.RUN_FILE, record)
        evaluate_run(staging)
    return run_dir
