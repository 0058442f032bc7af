"""`stance ensemble`: a new run from trained runs, by averaging their probabilities.

An ensemble is not a model type: nothing is trained. Its run folder holds the mixed
predictions and a record of its members, stored as paths relative to the ensemble run,
so `experiments/` can move as a whole. The weight of the first run is chosen on the
holdout dev split; without one (cross-validation) the runs are weighted equally.
"""

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stance import provenance, staging
from stance.errors import RunError
from stance.evaluation.compare import paired
from stance.evaluation.ensemble import choose_weight, mix
from stance.models import StanceModel
from stance.runs import EnsembleRecord, Run, Seconds


class EnsembleModel:
    """Scores raw text with each member run's final model and averages the probabilities."""

    def __init__(self, members: Sequence[StanceModel], weights: Sequence[float]):
        self.members, self.weights = list(members), list(weights)

    def predict_proba(self, texts: Sequence[str], targets: Sequence[str] | None = None) -> np.ndarray:
        return sum(w * m.predict_proba(texts, targets) for w, m in zip(self.weights, self.members))


def member_runs(run: Run) -> list[Run]:
    """The runs an ensemble run was built from, resolved against the ensemble's own folder."""
    return [Run.open(run.path / member) for member in run.record.ensemble.members]


def build(run_a: Path, run_b: Path, out: Path, overwrite: bool = False) -> Path:
    """Write an ensemble run of two runs scored on identical folds into `out`."""
    members = [Run.open(run_a), Run.open(run_b)]
    rows = [sorted(m.predictions, key=lambda r: (r.split, r.id, r.repeat)) for m in members]
    if not paired(*rows):
        raise RunError(f"{run_a} and {run_b} were not scored on identical folds; they cannot be ensembled")
    with staging.reserved(out, overwrite) as out:
        weight, dev_scores = choose_weight(*rows)
        first = members[0].record
        # The members' own time, stage by stage: an ensemble trains nothing itself.
        seconds = Seconds(
            **{stage: sum(getattr(m.record.seconds, stage) for m in members) for stage in Seconds.model_fields}
        )
        mixed = mix(*rows, weight)
        record = first.model_copy(
            update={
                "name": out.name,
                "n_predictions": len(mixed),
                "config_source": None,
                "model": None,
                "ensemble": EnsembleRecord(
                    members=[os.path.relpath(m.path.resolve(), out.resolve()) for m in members],
                    weights=[weight, round(1 - weight, 2)],
                    weight_grid_dev_f_avg=dev_scores,
                    protocol=members[0].protocol,
                    member_models=[m.name for m in members],
                ),
                "seconds": seconds,
                **provenance.environment(),
            }
        )
        with staging.staged(out, overwrite) as run:
            run.write_predictions(mixed)
            run.write_record(record)
    return out
