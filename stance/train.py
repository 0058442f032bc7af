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
from stance.data import load_dataset
from stance.errors import ConfigError
from stance.evaluate import evaluate_run
from stance.labels import LABELS
from stance.models import MODELS, StanceModel
from stance.protocol import Fold, make_folds, model_seed


@dataclass(frozen=True)
class Examples:
    """The dataset's columns as arrays that fold indices can select from."""

    ids: np.ndarray
    texts: np.ndarray
    labels: np.ndarray
    articles: np.ndarray
    rationales: np.ndarray

    @classmethod
    def from_dataset(cls, data: Dataset) -> "Examples":
        column = lambda name: np.asarray(list(data[name]), dtype=object)  # noqa: E731
        return cls(column("id"), column("text"), column("label"), column("article"), column("rationale"))


def build_model(config: ExperimentConfig, seed: int) -> StanceModel:
    return MODELS[config.model.type](config.model, seed)


def cross_validate(
    config: ExperimentConfig,
    examples: Examples,
    folds: list[Fold],
    labels: np.ndarray | None = None,
    training_subset: Callable[[Fold], np.ndarray] | None = None,
    desc: str = "folds",
) -> tuple[list[dict], list[float]]:
    """Out-of-fold prediction rows for every sentence in every repeat, and fit times.

    `labels` replaces the gold labels (the permutation null); `training_subset` picks the
    training indices of a fold (the learning curve).
    """
    labels = examples.labels if labels is None else labels
    rows, fit_seconds = [], []
    for fold in tqdm(folds, desc=f"{config.name}: {desc}", unit="fold", disable=None):
        train = fold.train if training_subset is None else training_subset(fold)
        model = build_model(config, model_seed(config.seed, fold))  # fresh per fold: nothing leaks
        started = time.perf_counter()
        model.fit(examples.texts[train].tolist(), labels[train].tolist())
        fit_seconds.append(time.perf_counter() - started)
        for i, proba in zip(fold.test, model.predict_proba(examples.texts[fold.test].tolist())):
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
                    "rationale": examples.rationales[i],
                }
            )
    return rows, fit_seconds


def prepare(config: ExperimentConfig, config_source: str) -> tuple[Examples, list[Fold]]:
    """Load and validate the data, folds and model source: every check before any work."""
    examples = Examples.from_dataset(load_dataset(config.data.seeds_dir))
    try:
        folds = make_folds(examples.labels.tolist(), config.protocol, config.seed, groups=examples.articles.tolist())
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
    rows, fit_seconds = cross_validate(config, examples, folds)
    cv_seconds = time.perf_counter() - started
    final_started = time.perf_counter()
    final_model = build_model(config, config.seed).fit(examples.texts.tolist(), examples.labels.tolist())
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
                "seeds_dir": str(config.data.seeds_dir),
                "sha256": seeds.fingerprint(config.data.seeds_dir),
                "n_sentences": len(examples.ids),
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
