"""Nested tuning with Optuna: the settings of each outer fold's model are chosen by a
study scored only on that fold's own training items.

Inside an outer fold, every trial is a model setting scored by family-grouped stratified
k-fold over the fold's training items (or, under holdout, by the fold's dev split). The
outer test items never reach a trial. Under the family-grouped outer protocols
(grouped_kfold, loo with test_sources) the outer training items hold no contrast edit of
a test item either; under plain loo or repeated k-fold they may, as they do for the
untuned model. The outer scores then estimate "this model type with this tuning
procedure", which is what a comparison between model types claims.

Budgets are equal by construction: a study's choice is the best of its first `trials`
complete trials, by trial number, whatever else is in the study (an interrupted trial,
or one that a second worker started when the budget was all but full).

Storage: every study lives in an Optuna storage, one study per outer fold plus one for
the final model. By default a journal file, copied into the run folder as tuning.journal
(`optuna-dashboard experiments/<run>/tuning.journal`). `--storage URL` (an RDB URL, or a
journal file shared by processes of one machine) lets `stance tune` workers on several
machines fill the same studies before `stance train` reads them.
"""

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from stance import protocol, provenance, search_space
from stance.config import ExperimentConfig, SearchChoices
from stance.data import Examples
from stance.errors import ConfigError, RunError
from stance.evaluation.metrics import scores
from stance.labels import LABELS
from stance.protocol import Fold
from stance.runs import StudyRecord, TrialRecord, TuningRecord

log = logging.getLogger("stance")
optuna.logging.set_verbosity(optuna.logging.WARNING)  # a line per trial would drown the run's own log

# fit(config, examples, train items, seed, dev items) -> a fitted model: train.fit_one.
Fit = Callable[..., object]


def _drop_dangling_lock(journal: Path) -> None:
    """Optuna's journal lock is a symlink to the journal itself; one whose target is gone
    (the journal was deleted after a worker was killed holding it) can belong to no live
    worker, and Optuna would spin on it forever (it cannot stat it, so never times it out)."""
    lock = journal.with_name(journal.name + ".lock")
    if lock.is_symlink() and not lock.exists():
        lock.unlink()
        log.warning("%s: removed a stale lock left by a killed worker", lock)


def open_storage(url: str | None, scratch: Path):
    """An Optuna storage: `url` (an RDB URL, or a journal file path), else a journal in `scratch`."""
    try:
        if url is not None and "://" in url:
            return _rdb_storage(url)
        path = Path(url) if url is not None else scratch / "tuning.journal"
        _drop_dangling_lock(path)
        return JournalStorage(JournalFileBackend(str(path)))
    except Exception as err:  # noqa: BLE001 - SQLAlchemy and the file backend each raise their own
        problem = (str(err).strip().splitlines() or [""])[0][:200]
        raise ConfigError(f"--storage {url}: cannot open it ({type(err).__name__}: {problem})") from None


def _rdb_storage(url: str, attempts: int = 5) -> optuna.storages.RDBStorage:
    """An RDB storage. Workers that start together on an empty database race to create
    Optuna's tables, and the loser's CREATE fails on a unique constraint (seen on
    PostgreSQL): it tries again, and then finds the tables made."""
    from sqlalchemy.exc import IntegrityError

    for attempt in range(attempts):
        try:
            return optuna.storages.RDBStorage(url)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def study_name(config: ExperimentConfig, fold: Fold | None) -> str:
    """`<run>/repeat-1/fold-3`, or `<run>/final` for the model trained on every item."""
    return f"{config.name}/final" if fold is None else f"{config.name}/repeat-{fold.repeat + 1}/fold-{fold.index + 1}"


def inner_folds(config: ExperimentConfig, examples: Examples, train: np.ndarray, dev: np.ndarray | None) -> list[Fold]:
    """The folds a trial is scored on: the outer fold's dev split under holdout, else
    family-grouped stratified k-fold over the outer fold's training items only."""
    if dev is not None:
        return [Fold(0, 0, train, dev, dev=dev)]  # dev also drives early stopping, as in the outer fit
    k = config.tune.inner_splits
    smallest = min(np.unique(examples.label[train], return_counts=True)[1])
    if smallest < k:
        raise ConfigError(
            f"tune.inner_splits: {k} inner folds need {k}+ training items of each class in every outer fold; "
            f"one has {smallest}"
        )
    inner = protocol.grouped_folds(examples.label[train].tolist(), examples.family[train], k, 1, _seed(config))
    return [Fold(0, f.index, train[f.train], train[f.test]) for f in inner]


def studies(config: ExperimentConfig, folds: Sequence[Fold]) -> list[Fold | None]:
    """The folds a tuned config has a study for: each outer fold, then (None) the final
    model's, when the protocol refits one on every item.

    Under `reshuffle: false` every repeat reruns the first repeat's folds, so those folds'
    studies serve every repeat: the repeats then differ only in the seed of the outer fit,
    and the spread they show is that seed's variance, not the tuning's."""
    distinct = list(folds) if config.protocol.reshuffle else [fold for fold in folds if fold.repeat == 0]
    return [*distinct, None] if config.protocol.refits_final_model else distinct


def settings_per_fold(config: ExperimentConfig, folds: Sequence[Fold], chosen: Sequence[StudyRecord]) -> list[dict]:
    """Each outer fold's settings: the choice of its study (its own, or under `reshuffle:
    false` the first repeat's study of the same fold)."""
    by_place = {(study.repeat, study.fold): study.settings for study in chosen if study.fold is not None}
    return [by_place[(fold.repeat if config.protocol.reshuffle else 0, fold.index)] for fold in folds]


def training_items(examples: Examples, fold: Fold | None) -> np.ndarray:
    """What a study tunes on: its outer fold's training items, or every item for the final model."""
    return protocol.final_training_items(examples.is_test) if fold is None else fold.train


def model_seed(config: ExperimentConfig, fold: Fold | None) -> int:
    """The seed of every fit of a study's trials: the outer fold's model seed."""
    return config.seed if fold is None else protocol.model_seed(config.seed, fold)


def check(config: ExperimentConfig, examples: Examples, folds: Sequence[Fold], location: str) -> None:
    """Every study's inner folds can be built and train on two classes: checked before any work."""
    for fold in studies(config, folds):
        inner = inner_folds(config, examples, training_items(examples, fold), None if fold is None else fold.dev)
        protocol.check_training_classes(inner, examples.label, f"{location} (tune: {study_name(config, fold)})")


def _seed(config: ExperimentConfig) -> int:
    return config.seed if config.tune.seed is None else config.tune.seed


def _sampler(config: ExperimentConfig, fold: Fold | None, worker: int) -> optuna.samplers.TPESampler:
    # One stream per study and worker: folds explore apart, and parallel workers do not
    # all propose the same first trials. `stance train` is worker 0, so it is reproducible.
    place = [0, 0, 0] if fold is None else [1, fold.repeat, fold.index]
    stream = np.random.SeedSequence([_seed(config), *place, worker]).generate_state(1)[0]
    # TPE models the good trials once it has some: half the budget (at most 10) is random first.
    return optuna.samplers.TPESampler(seed=int(stream), n_startup_trials=max(1, min(10, config.tune.trials // 2)))


def _suggest(trial: optuna.Trial, config: ExperimentConfig) -> dict:
    settings = {}
    for key, dimension in search_space.space_of(config).items():
        if isinstance(dimension, SearchChoices):
            encoded = trial.suggest_categorical(key, [search_space.encode_choice(c) for c in dimension.choices])
            settings[key] = search_space.decode_choice(dimension, encoded)
        elif search_space.is_integer(config.model, key):
            settings[key] = trial.suggest_int(key, int(dimension.low), int(dimension.high), log=dimension.log)
        else:
            settings[key] = trial.suggest_float(key, dimension.low, dimension.high, log=dimension.log)
    return settings


def inner_score(config: ExperimentConfig, examples: Examples, inner: list[Fold], seed: int, fit: Fit) -> float:
    """The tuning metric over the pooled predictions of every inner fold."""
    gold, predicted = [], []
    for fold in inner:
        model = fit(config, examples, fold.train, seed, fold.dev)
        proba = model.predict_proba(examples.texts(fold.test), examples.targets(fold.test))
        gold += examples.labels(fold.test)
        predicted += [LABELS[i] for i in np.argmax(proba, axis=1)]
    return scores(gold, predicted)[config.tune.metric]


def _complete(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return sorted(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)), key=lambda t: t.number)


def fingerprint(config: ExperimentConfig, examples: Examples, legacy: bool = False) -> str:
    """What a study's trials depend on: the labelled items, folds, model, space and seeds.
    Not the run's name, and not the budget, which may grow (the first N trials are chosen
    from). Nor the number of repeats and whether they reshuffle: those decide which
    studies a run has, not what a named study sees (a repeat's folds do not depend on how
    many follow). They are set to their one-repeat values rather than dropped, so that the
    fingerprints of studies filled before this rule with `n_repeats: 1` still match;
    `legacy` gives the fingerprint as it was before the rule, for the others."""
    relevant = config.model_dump(mode="json", exclude={"name"})
    relevant["tune"].pop("trials")
    if not legacy:
        relevant["protocol"].update(n_repeats=1, reshuffle=True)  # unset n_repeats is one repeat too
    relevant["items"] = hashlib.sha256(
        "\n".join(map(str, zip(examples.id, examples.text, examples.label))).encode()
    ).hexdigest()
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def _claim(study: optuna.Study, config: ExperimentConfig, examples: Examples) -> None:
    """Mark a new study with the config it is for; refuse to reuse one filled for another,
    whose trials would otherwise be read as this config's (a shared storage, an edited config)."""
    mine, theirs = fingerprint(config, examples), study.user_attrs.get("config")
    if theirs is None:
        study.set_user_attr("config", mine)
    elif theirs not in (mine, fingerprint(config, examples, legacy=True)):
        raise ConfigError(
            f"--storage: study {study.study_name} holds trials of another version of this config "
            f"(fingerprint {theirs}, this one {mine}); give the run another name or use another storage"
        )


def fill(config: ExperimentConfig, examples: Examples, fold: Fold | None, storage, fit: Fit, worker: int = 0) -> None:
    """Run trials until the study has its budget of complete trials (other workers'
    included). An interrupted or failed trial is marked failed and not counted; so is a
    trial whose worker was killed outright, left running: it is simply never complete."""
    name = study_name(config, fold)
    study = optuna.create_study(
        storage=storage,
        study_name=name,
        direction="maximize",
        sampler=_sampler(config, fold, worker),
        load_if_exists=True,
    )
    _claim(study, config, examples)
    inner = inner_folds(config, examples, training_items(examples, fold), None if fold is None else fold.dev)
    while len(_complete(study)) < config.tune.trials:
        trial = study.ask()
        started = time.perf_counter()
        try:
            settings = _suggest(trial, config)
            score = inner_score(
                search_space.config_with(config, settings), examples, inner, model_seed(config, fold), fit
            )
        except BaseException:
            study.tell(trial, state=TrialState.FAIL)
            raise
        trial.set_user_attr("settings", settings)
        trial.set_user_attr("seconds", time.perf_counter() - started)
        study.tell(trial, score)
        log.info("%s trial %d: %s = %.3f (%s)", name, trial.number, config.tune.metric, score, settings)


def chosen(config: ExperimentConfig, fold: Fold | None, n_train: int, storage) -> StudyRecord:
    """The study's choice: the best of its first `trials` complete trials (ties: the earlier)."""
    name = study_name(config, fold)
    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        raise RunError(f"tune: no study {name} in the storage; fill it with `stance tune` first") from None
    trials = _complete(study)[: config.tune.trials]
    if len(trials) < config.tune.trials:
        raise RunError(
            f"tune: study {name} has {len(trials)} complete trials of {config.tune.trials}; the others are still "
            "running in another worker (wait for it, then train again)"
        )
    best = max(trials, key=lambda t: (t.value, -t.number))
    return StudyRecord(
        study=name,
        repeat=None if fold is None else fold.repeat,
        fold=None if fold is None else fold.index,
        n_train=n_train,
        settings=best.user_attrs["settings"],
        score=best.value,
        trials=[
            TrialRecord(
                number=t.number, settings=t.user_attrs["settings"], score=t.value, seconds=t.user_attrs["seconds"]
            )
            for t in trials
        ],
    )


def tune_fold(config, examples, fold: Fold | None, storage, fit: Fit, worker: int = 0) -> StudyRecord:
    """Fill the fold's study to its budget and return its choice."""
    fill(config, examples, fold, storage, fit, worker)
    return chosen(config, fold, len(training_items(examples, fold)), storage)


def run_studies(config, examples, folds: Sequence[Fold], storage, fit: Fit, worker: int = 0) -> list[StudyRecord]:
    """Every study of a tuned config, filled to its budget, and their choices.

    Under `accelerate launch` each process would run trials of its own in one data-parallel
    group: there the studies must already be full (`stance tune` first), and are only read.
    """
    if provenance.world_size() > 1:
        return [chosen(config, fold, len(training_items(examples, fold)), storage) for fold in studies(config, folds)]
    return [tune_fold(config, examples, fold, storage, fit, worker) for fold in studies(config, folds)]


def record(config: ExperimentConfig, studies: list[StudyRecord], storage_url: str | None) -> TuningRecord:
    return TuningRecord(
        metric=config.tune.metric,
        trials=config.tune.trials,
        inner_splits=config.tune.inner_splits,
        space=search_space.describe(search_space.space_of(config)),
        storage=storage_url or "run folder only",
        studies=studies,
    )


def save_journal(storage, scratch: Path, destination: Path, studies: list[str]) -> None:
    """tuning.journal in the run folder: the scratch journal itself, or a copy of the
    run's studies from a shared storage."""
    local = scratch / "tuning.journal"
    if local.is_file():
        shutil.copyfile(local, destination)
        return
    target = JournalStorage(JournalFileBackend(str(destination)))
    for name in studies:
        optuna.copy_study(from_study_name=name, from_storage=storage, to_storage=target, to_study_name=name)
