"""Ensemble: a weighted average of the probabilities of already-trained runs.

Built by `stance ensemble` from runs scored on identical folds, never trained by
`stance train`: its members carry their own configs and weights.
"""

from pathlib import Path
from typing import Literal, Sequence

import numpy as np
from pydantic import Field

from stance.errors import StanceError
from stance.models.base import ModelConfig, StanceModel


class EnsembleConfig(ModelConfig):
    type: Literal["ensemble"]
    members: tuple[str, ...] = Field(description="run folders whose final models are averaged")
    weights: tuple[float, ...] = Field(description="one non-negative weight per member, summing to 1")


class EnsembleModel(StanceModel):
    """Averages its member runs' probabilities with the recorded weights."""

    Config = EnsembleConfig

    def __init__(self, config: EnsembleConfig, seed: int, members: list[StanceModel] | None = None):
        super().__init__(config, seed)
        self.members = members

    def fit(self, texts, labels, targets=None, dev=None):
        raise StanceError("model.type: ensemble is built from trained runs with `stance ensemble`, not trained")

    def predict_proba(self, texts: Sequence[str], targets=None) -> np.ndarray:
        return sum(w * m.predict_proba(texts, targets) for w, m in zip(self.config.weights, self.members))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)  # the members' run folders hold the weights

    @classmethod
    def load(cls, directory: Path, config: EnsembleConfig, seed: int) -> "EnsembleModel":
        from stance.predict import load_run_model

        return cls(config, seed, members=[load_run_model(Path(run)) for run in config.members])
