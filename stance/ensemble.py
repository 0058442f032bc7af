"""`stance ensemble`: a new run from trained runs, by averaging or stacking their probabilities.

An ensemble is not a model type: no member is trained again. Its run folder holds the
combined predictions and a record of its members, stored as paths relative to the
ensemble run, so `experiments/` can move as a whole.

- average, two runs: the first run's weight is chosen on the holdout dev split;
  without one (cross-validation) the runs are weighted equally.
- average, more runs: equal weights (e.g. one model trained with several seeds).
- stack: a logistic regression over the members' probabilities, fitted on the dev
  split (stance.evaluation.stacking); the test rows never fit anything.
"""

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, ValidationError

from stance import files, provenance, staging
from stance.config import StrictConfig
from stance.errors import ConfigError, RunError
from stance.evaluation.compare import paired
from stance.evaluation.ensemble import average, choose_weight, mix
from stance.evaluation.stacking import MetaLearner, features, stack
from stance.models import StanceModel
from stance.runs import EnsembleRecord, PredictionRow, Run, Seconds, StackRecord


class EnsembleModel:
    """Scores raw text with each member run's final model, then averages the probabilities
    with fixed weights or feeds them to the stacked meta-learner."""

    def __init__(self, members: Sequence[StanceModel], weights: Sequence[float], meta: MetaLearner | None = None):
        self.members, self.weights, self.meta = list(members), list(weights), meta

    def predict_proba(self, texts: Sequence[str], targets: Sequence[str] | None = None) -> np.ndarray:
        probabilities = [m.predict_proba(texts, targets) for m in self.members]
        if self.meta is not None:
            return self.meta.predict_proba(features(probabilities))
        return sum(w * p for w, p in zip(self.weights, probabilities))


def member_runs(run: Run) -> list[Run]:
    """The runs an ensemble run was built from, resolved against the ensemble's own folder."""
    paths = [run.path / member for member in run.record.ensemble.members]
    if any(path.resolve() == run.path.resolve() for path in paths):
        raise RunError(f"{run.path / 'run.json'}: the ensemble lists itself as a member; the run is corrupt")
    return [Run.open(path) for path in paths]


def meta_learner(run: Run) -> MetaLearner | None:
    """A stacked ensemble run's meta-learner, None for an average."""
    stacked = run.record.ensemble.stack
    return None if stacked is None else MetaLearner(stacked.coef, stacked.intercept, stacked.classes)


def _combine(rows: list[list[PredictionRow]], method: str, seed: int) -> tuple[list[PredictionRow], dict]:
    """The ensemble's rows and how they were made (EnsembleRecord fields)."""
    if method == "stack":
        if not any(row.split == "dev" for row in rows[0]):
            raise RunError("--method stack needs runs with a dev split (protocol: holdout) to fit the meta-learner on")
        stacked, meta = stack(rows, seed)
        return stacked, {"weights": [], "weight_grid_dev_f_avg": {}, "stack": StackRecord(**vars(meta))}
    if len(rows) == 2:
        weight, dev_scores = choose_weight(*rows)
        return mix(*rows, weight), {"weights": [weight, round(1 - weight, 2)], "weight_grid_dev_f_avg": dev_scores}
    # More than two: equal weights. A weight grid over many runs would fit the dev split.
    weights = [1 / len(rows)] * len(rows)
    return average(rows, weights), {"weights": weights, "weight_grid_dev_f_avg": {}}


class EnsembleSpec(StrictConfig):
    name: str = Field(description="the ensemble's run folder, beside its members")
    runs: tuple[str, ...] = Field(min_length=2, description="member run folders, by name")
    method: Literal["average", "stack"] = "average"


class EnsemblesConfig(StrictConfig):
    """configs/ensemble/*.yaml: ensembles of runs in one experiments folder, built in order
    (a later one may have an earlier one as a member)."""

    ensembles: tuple[EnsembleSpec, ...] = Field(min_length=1)


def load_ensembles(path: Path) -> EnsemblesConfig:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: ensembles file not found")
    try:
        return EnsemblesConfig.model_validate(files.read_yaml(path, ConfigError))
    except ValidationError as err:
        error = err.errors()[0]
        loc = ".".join(str(part) for part in error["loc"])
        problem = {"extra_forbidden": "unknown key", "missing": "missing required key"}.get(error["type"], error["msg"])
        raise ConfigError(f"{path}: {loc}: {problem}") from None


def build_all(path: Path, experiments: Path, overwrite: bool = False) -> list[Path]:
    """Every ensemble of the file at `path`, members and outputs in `experiments`."""
    specs = load_ensembles(path).ensembles
    for spec in specs:  # every member there before any work: earlier ensembles count
        built_before = {s.name for s in specs[: specs.index(spec)]}
        for member in spec.runs:
            if member not in built_before and not (experiments / member).is_dir():
                raise RunError(f"{path}: {spec.name}: member run {experiments / member} not found (train it first)")
    return [
        build([experiments / run for run in spec.runs], experiments / spec.name, overwrite, spec.method)
        for spec in specs
    ]


def build(runs: Sequence[Path], out: Path, overwrite: bool = False, method: str = "average") -> Path:
    """Write an ensemble run of runs scored on identical folds into `out`."""
    if len(runs) < 2:
        raise RunError("--runs: an ensemble needs two or more runs")
    if any(Path(out).resolve() == Path(path).resolve() for path in runs):
        raise RunError(f"{out}: is one of the --runs; the ensemble needs a folder of its own")
    members = [Run.open(path) for path in runs]
    rows = [sorted(m.predictions, key=lambda r: (r.split, r.id, r.repeat)) for m in members]
    for path, member_rows in zip(runs[1:], rows[1:]):
        if not paired(rows[0], member_rows):
            raise RunError(f"{runs[0]} and {path} were not scored on identical folds; they cannot be ensembled")
    with staging.reserved(out, overwrite) as out:
        first = members[0].record
        combined, how = _combine(rows, method, first.seed)
        # The members' own time, stage by stage: an ensemble trains nothing itself.
        seconds = Seconds(
            **{stage: sum(getattr(m.record.seconds, stage) for m in members) for stage in Seconds.model_fields}
        )
        record = first.model_copy(
            update={
                "name": out.name,
                "n_predictions": len(combined),
                "config_source": None,
                "model": None,
                "ensemble": EnsembleRecord(
                    members=[os.path.relpath(m.path.resolve(), out.resolve()) for m in members],
                    method=method,
                    protocol=members[0].protocol,
                    member_models=[m.name for m in members],
                    **how,
                ),
                "seconds": seconds,
                **provenance.environment(),
            }
        )
        with staging.staged(out, overwrite) as run:
            run.write_predictions(combined)
            run.write_record(record)
    return out
