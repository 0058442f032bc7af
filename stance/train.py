"""`stance train`: cross-validate a config, fit a final model, and write a run folder."""

import time
from pathlib import Path

import numpy as np
from datasets import Dataset
from tqdm.auto import tqdm

from stance import runs, seeds
from stance.config import ExperimentConfig
from stance.data import load_dataset
from stance.errors import ConfigError
from stance.evaluate import evaluate_run
from stance.labels import LABELS
from stance.models import MODELS, StanceModel
from stance.protocol import Fold, make_folds


def build_model(config: ExperimentConfig) -> StanceModel:
    return MODELS[config.model.type](config.model, config.seed)


def cross_validate(config: ExperimentConfig, data: Dataset, folds: list[Fold]) -> tuple[list[dict], list[float]]:
    """Out-of-fold prediction rows for every sentence in every repeat, and fit times."""
    ids = list(data["id"])
    texts, labels = np.asarray(list(data["text"]), dtype=object), np.asarray(list(data["label"]), dtype=object)
    rows, fit_seconds = [], []
    for fold in tqdm(folds, desc=f"{config.name}: folds", unit="fold", disable=None):
        model = build_model(config)  # fresh per fold: nothing fitted leaks across folds
        started = time.perf_counter()
        model.fit(texts[fold.train].tolist(), labels[fold.train].tolist())
        fit_seconds.append(time.perf_counter() - started)
        probabilities = model.predict_proba(texts[fold.test].tolist())
        for i, proba in zip(fold.test, probabilities):
            rows.append(
                {
                    "id": ids[i],
                    "text": texts[i],
                    "gold": labels[i],
                    "predicted": LABELS[int(np.argmax(proba))],
                    "probabilities": dict(zip(LABELS, map(float, proba))),
                    "repeat": fold.repeat,
                    "fold": fold.index,
                }
            )
    return rows, fit_seconds


def train(config: ExperimentConfig, config_source: str, run_dir: Path, overwrite: bool = False) -> Path:
    """Validate everything, then run the protocol and write `run_dir` atomically."""
    data = load_dataset(config.data.seeds_dir)
    try:
        folds = make_folds(list(data["label"]), config.protocol, config.seed)
        MODELS[config.model.type].preflight(config.model)
    except ConfigError as err:
        raise ConfigError(f"{config_source}: {err}") from None
    runs.check_can_write(run_dir, overwrite)

    started = time.perf_counter()
    rows, fit_seconds = cross_validate(config, data, folds)
    cv_seconds = time.perf_counter() - started
    final_started = time.perf_counter()
    final_model = build_model(config).fit(list(data["text"]), list(data["label"]))
    final_seconds = time.perf_counter() - final_started
    if not runs.is_main_process():
        return run_dir  # under accelerate launch every process trains; one writes the run

    with runs.staged(run_dir, overwrite) as staging:
        final_model.save(staging / runs.MODEL_DIR)
        (staging / runs.CONFIG_FILE).write_text(config.to_yaml(), encoding="utf-8")
        seeds.write_jsonl(staging / runs.PREDICTIONS_FILE, rows)
        record = {
            "name": config.name,
            "config_source": config_source,
            "seed": config.seed,
            "data": {"seeds_dir": str(config.data.seeds_dir), "sha256": seeds.fingerprint(config.data.seeds_dir), "n_sentences": len(data)},
            "n_folds": len(folds),
            "seconds": {
                "cross_validation": cv_seconds,
                "fit_per_fold_mean": float(np.mean(fit_seconds)),
                "final_fit": final_seconds,
                "total": time.perf_counter() - started,
            },
            **runs.provenance(),
        }
        runs.write_json(staging / runs.RUN_FILE, record)
        evaluate_run(staging)
    return run_dir
