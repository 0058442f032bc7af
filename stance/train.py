"""`stance train`: run a config's protocol and write a run folder with its predictions.

`fit_predict` is the one training loop. The run itself, the permutation null and the
learning curve all call it, with different inputs. Scoring is a later stage
(`stance evaluate`); training writes no metrics and no report.
"""

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from stance import protocol, provenance, staging
from stance.config import ExperimentConfig
from stance.data import Examples, open_source
from stance.errors import ConfigError
from stance.evaluation.metrics import scores
from stance.labels import LABELS
from stance.models import MODELS, StanceModel
from stance.models.base import DevSet
from stance.protocol import Fold
from stance.runs import (
    ChanceNull,
    CurveRow,
    DataRecord,
    FoldRecord,
    PredictionRow,
    RunRecord,
    Seconds,
    TrainingStep,
)
from stance.search_space import config_with
from stance.threads import show_progress

# protocol.shared_pretraining: the model fitted once for every fold, and the items it saw.
SharedModel = tuple[StanceModel | None, np.ndarray]
NO_SHARED_MODEL: SharedModel = (None, np.array([], dtype=int))


class FitPredict(NamedTuple):
    rows: list[PredictionRow]
    fit_seconds: list[float]  # per fold
    shared_fit_seconds: float
    last_model: StanceModel
    base: SharedModel
    training_log: list[TrainingStep]  # every fold's logged steps, when its model logs any


def build_model(config: ExperimentConfig, seed: int) -> StanceModel:
    return MODELS[config.model.type](config.model, seed)


def _rows(model: StanceModel, examples: Examples, fold: Fold, split: str, items: np.ndarray) -> list[PredictionRow]:
    probabilities = model.predict_proba(examples.texts(items), examples.targets(items))
    return [
        PredictionRow(
            id=examples.id[i],
            group=examples.group[i],
            text=examples.text[i],
            gold=examples.label[i],
            predicted=LABELS[int(np.argmax(proba))],
            probabilities=dict(zip(LABELS, map(float, proba))),
            repeat=fold.repeat,
            fold=fold.index,
            split=split,
            rationale=examples.rationale[i],
            source=examples.source[i],
            family=examples.family[i],
            tags=examples.tags[i],
        )
        for i, proba in zip(items, probabilities)
    ]


def fit_shared(config: ExperimentConfig, examples: Examples, folds: list[Fold]) -> SharedModel:
    """With protocol.shared_pretraining, the model fitted once on the items every fold
    trains on, and those items; otherwise (None, no items)."""
    if not config.protocol.shared_pretraining:
        return NO_SHARED_MODEL
    shared = protocol.shared_training_items(folds)
    base = build_model(config, config.seed)
    return base.fit(examples.texts(shared), examples.labels(shared), examples.targets(shared)), shared


def fit_one(
    config: ExperimentConfig,
    examples: Examples,
    train: np.ndarray,
    seed: int,
    dev: np.ndarray | None = None,
    base: SharedModel = NO_SHARED_MODEL,
) -> StanceModel:
    """A fresh model fitted on the `train` items, continuing from a shared base if given."""
    model = build_model(config, seed)
    texts, labels, targets = examples.texts(train), examples.labels(train), examples.targets(train)
    shared_model, shared = base
    if shared_model is not None:
        return model.fit_from(shared_model, texts, labels, targets, is_new=~np.isin(train, shared))
    dev_set = None if dev is None else DevSet(examples.texts(dev), examples.labels(dev), examples.targets(dev))
    return model.fit(texts, labels, targets, dev=dev_set)


def fit_predict(
    config: ExperimentConfig,
    examples: Examples,
    folds: list[Fold],
    desc: str = "folds",
    settings: list[dict] | None = None,
) -> FitPredict:
    """Out-of-fold prediction rows for every test item of every fold, fit times, last model.

    A fresh model per fold, so nothing leaks between folds; with shared pretraining each
    continues from one model fitted on items that no fold tests. A fold with a dev split
    (holdout) gives it to the model for early stopping and predicts it too, in rows of
    split "dev". `settings` (nested tuning's choice per fold) update each fold's model section.
    """
    started = time.perf_counter()
    base = fit_shared(config, examples, folds)
    shared_fit_seconds = time.perf_counter() - started
    rows, fit_seconds, training_log = [], [], []
    for i, fold in enumerate(tqdm(folds, desc=f"{config.name}: {desc}", unit="fold", disable=not show_progress())):
        started = time.perf_counter()
        fold_config = config if settings is None else config_with(config, settings[i])
        model = fit_one(fold_config, examples, fold.train, protocol.model_seed(config.seed, fold), fold.dev, base)
        fit_seconds.append(time.perf_counter() - started)
        training_log += [
            TrainingStep(repeat=fold.repeat, fold=fold.index, step=int(entry.pop("step")), values=entry)
            for entry in map(dict, model.training_log)
        ]
        rows += _rows(model, examples, fold, "test", fold.test)
        if fold.dev is not None:
            rows += _rows(model, examples, fold, "dev", fold.dev)
    return FitPredict(rows, fit_seconds, shared_fit_seconds, model, base, training_log)


def chance_null(config: ExperimentConfig, examples: Examples, folds: list[Fold]) -> ChanceNull | None:
    """macro-F1 of the protocol retrained on permuted labels, `chance_permutations` times.

    Like sklearn's permutation_test_score, but through this project's protocol, so it
    works for every model type.
    """
    n = config.analysis.chance_permutations
    if n == 0:
        return None
    null = []
    for i, labels in enumerate(protocol.permuted_labels(examples.label, n, config.seed)):
        rows = fit_predict(config, examples.with_labels(labels), folds, desc=f"chance {i + 1}/{n}").rows
        tested = [r for r in rows if r.split == "test"]
        null.append(scores([r.gold for r in tested], [r.predicted for r in tested])["macro_f1"])
    return ChanceNull(n_permutations=n, null=null)


def learning_curve(config: ExperimentConfig, examples: Examples, folds: list[Fold]) -> list[CurveRow]:
    """Out-of-fold rows for each smaller training size, `curve_repeats` random subsets each."""
    curve = []
    for size in config.analysis.curve_sizes:
        for subset in range(config.analysis.curve_repeats):
            smaller = protocol.curve_folds(folds, examples.label, size, subset, config.seed)
            rows = fit_predict(config, examples, smaller, desc=f"curve n={size} #{subset + 1}").rows
            curve += [
                CurveRow(**row.model_dump(), size=size, curve_repeat=subset) for row in rows if row.split == "test"
            ]
    return curve


def prepare(config: ExperimentConfig, config_source: str):
    """Load and validate the data, folds and model source: every check before any work."""
    source = open_source(config.data)
    examples = source.load()
    try:
        folds = protocol.make_folds(
            examples.label.tolist(),
            config.protocol,
            config.seed if config.protocol.split_seed is None else config.protocol.split_seed,
            examples.group.tolist(),
            examples.is_test,
            sources=examples.source,
            families=examples.family,
        )
        model_type = MODELS[config.model.type]
        model_type.preflight(config.model)
        if config.protocol.shared_pretraining and not model_type.continues_training:
            able = sorted(name for name, cls in MODELS.items() if cls.continues_training)
            raise ConfigError(
                f"protocol.shared_pretraining: model type '{config.model.type}' cannot continue training; "
                f"types that can: {', '.join(able)}"
            )
        protocol.check_curve_sizes(config.analysis, folds)
    except ConfigError as err:
        raise ConfigError(f"{config_source}: {err}") from None
    protocol.check_training_classes(folds, examples.label, source.location)
    if config.tune is not None:
        from stance import tuning  # Optuna is imported only by tuned runs

        try:
            tuning.check(config, examples, folds, source.location)
        except ConfigError as err:
            raise ConfigError(f"{config_source}: {err}") from None
    n_permutations = config.analysis.chance_permutations
    permuted = protocol.permuted_labels(examples.label, n_permutations, config.seed)
    protocol.check_permuted_training_classes(folds, np.array(list(permuted)), source.location)
    return source, examples, folds


def fill_studies(config: ExperimentConfig, config_source: str, storage_url: str) -> list[str]:
    """`stance tune`: run trials in every study of a tuned config until each has its budget.
    Several workers may do this at once on one storage; `stance train` then reads the choices."""
    if config.tune is None:
        raise ConfigError(f"{config_source}: no tune: section, so there is nothing to tune")
    from stance import tuning

    _, examples, folds = prepare(config, config_source)
    storage = tuning.open_storage(storage_url, Path("."))
    # Each worker samples its own stream; its pid is as good a worker number as any.
    tuning.run_studies(config, examples, folds, storage, fit_one, worker=os.getpid())
    return [tuning.study_name(config, fold) for fold in tuning.studies(config, folds)]


def train(
    config: ExperimentConfig,
    config_source: str,
    run_dir: Path,
    overwrite: bool = False,
    command_started: float | None = None,
    storage_url: str | None = None,
    on_written: Callable[[], None] | None = None,
) -> Path:
    """Validate everything, then run the protocol and write `run_dir` atomically.

    `command_started` (a perf_counter time) is when the command began, for the setup stage.
    `storage_url` is where a tuned config's studies live (default: a journal in the run).
    `on_written` is called the moment the new run is in place (stance.staging.staged).
    """
    clock = time.perf_counter()
    setup_seconds = clock - command_started if command_started is not None else 0.0
    source, examples, folds = prepare(config, config_source)
    with staging.reserved(run_dir, overwrite) as run_dir, tempfile.TemporaryDirectory() as scratch:
        # reserved before any work: lock, clean up, check
        tuned_at = time.perf_counter()
        data_seconds = tuned_at - clock
        studies, storage = None, None
        if config.tune is not None:
            from stance import tuning

            storage = tuning.open_storage(storage_url, Path(scratch))
            studies = tuning.run_studies(config, examples, folds, storage, fit_one)
        started = time.perf_counter()
        tune_seconds = started - tuned_at
        settings = None if studies is None else tuning.settings_per_fold(config, folds, studies)
        rows, fit_seconds, shared_fit_seconds, final_model, base, training_log = fit_predict(
            config, examples, folds, settings=settings
        )
        cv_seconds = time.perf_counter() - started
        # The saved model's config: a tuned run's is the last study's choice (the final
        # model's study, or under holdout the one fold's).
        saved_config = config if studies is None else config_with(config, studies[-1].settings)
        if config.protocol.refits_final_model:
            everything = protocol.final_training_items(examples.is_test)
            final_model = fit_one(saved_config, examples, everything, config.seed, base=base)
        final_seconds = time.perf_counter() - started - cv_seconds
        chance = chance_null(config, examples, folds)
        curve = learning_curve(config, examples, folds)
        writing = time.perf_counter()
        analysis_seconds = writing - started - cv_seconds - final_seconds
        if not provenance.is_main_process():
            return run_dir  # under accelerate launch every process trains; one writes the run

        with staging.staged(run_dir, overwrite, on_written) as run:
            final_model.save(run.model_dir)
            run.write_config(config)
            run.write_predictions(rows)
            if chance is not None:
                run.write_chance(chance)
            if curve:
                run.write_curve(curve)
            if training_log:
                run.write_training_log(training_log)
            if studies is not None:
                tuning.save_journal(storage, Path(scratch), run.tuning_journal, [study.study for study in studies])
            now = time.perf_counter()  # one reading, so that the stages add up to the total
            run.write_record(
                RunRecord(
                    name=config.name,
                    config_source=config_source,
                    seed=config.seed,
                    data=DataRecord(
                        source=source.name,
                        location=source.location,
                        sha256=source.fingerprint(),
                        absolute_location=str(Path(source.location).resolve()),
                    ),
                    n_folds=len(folds),
                    folds=[
                        FoldRecord(repeat=fold.repeat, fold=fold.index, n_train=len(fold.train), fit_seconds=seconds)
                        for fold, seconds in zip(folds, fit_seconds)
                    ],
                    n_predictions=len(rows),
                    mean_train_size=float(np.mean([len(f.train) for f in folds])),
                    seconds=Seconds(
                        setup=setup_seconds,
                        data=data_seconds,
                        fit=shared_fit_seconds + sum(fit_seconds) + final_seconds,
                        # the rest of the protocol: predicting each fold's test items, and their rows
                        predict=cv_seconds - shared_fit_seconds - sum(fit_seconds),
                        tune=tune_seconds,
                        analysis=analysis_seconds,
                        write=now - writing,
                        total=setup_seconds + now - clock,
                        cross_validation=cv_seconds,
                        fit_per_fold_mean=float(np.mean(fit_seconds)),
                        final_fit=final_seconds,
                    ),
                    model=MODELS[config.model.type].provenance(saved_config.model),
                    tuning=None if studies is None else tuning.record(config, studies, storage_url),
                    **provenance.environment(),
                )
            )
    return run_dir
