"""The one interface every model type implements, and the base of its config."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, NamedTuple

import numpy as np

from stance.config import ModelConfig
from stance.labels import LABELS

Targets = Sequence[str] | None


class DevSet(NamedTuple):
    """Held-out training data for early stopping (holdout protocol only)."""

    texts: Sequence[str]
    labels: Sequence[str]
    targets: Targets = None


class StanceModel(ABC):
    """fit / predict / predict_proba / save / load over raw sentence texts.

    Probabilities are always an (n, len(LABELS)) array in LABELS order, whatever
    classes the training fold happened to contain. `targets` (one stance target per
    text) is given for multi-target data such as SemEval and None for the articles;
    model types that do not use it ignore it.
    """

    Config: ClassVar[type[ModelConfig]]
    # Whether `fit_from` is implemented, i.e. protocol.shared_pretraining is accepted.
    continues_training: ClassVar[bool] = False

    def __init__(self, config: ModelConfig, seed: int):
        self.config = config
        self.seed = seed
        # What the last fit logged per optimisation step ({"step", "loss", ...}); models
        # trained by the HF Trainer fill it, the others have no steps to log.
        self.training_log: list[dict[str, float]] = []

    @classmethod  # noqa: B027 - an optional hook: most model types point at nothing to check
    def preflight(cls, config: ModelConfig) -> None:
        """Check what the config points at (e.g. a checkpoint) before any work starts."""

    @classmethod
    def provenance(cls, config: ModelConfig) -> dict | None:
        """What a run must record about the model's inputs beyond its config (e.g. weights)."""
        return None

    @abstractmethod
    def fit(
        self, texts: Sequence[str], labels: Sequence[str], targets: Targets = None, dev: DevSet | None = None
    ) -> "StanceModel":
        """Train on `texts` with gold `labels`; `dev` may drive early stopping. Returns self."""

    def fit_from(
        self, base: "StanceModel", texts: Sequence[str], labels: Sequence[str], targets: Targets, is_new: np.ndarray
    ) -> "StanceModel":
        """Train on one fold's `texts`, continuing from `base`, a model of this type fitted
        once on the items every fold shares; `is_new` marks the texts `base` has not seen.
        Each model type decides what continuing means. Returns self."""
        raise NotImplementedError(f"{type(self).__name__} cannot continue training")

    @abstractmethod
    def predict_proba(self, texts: Sequence[str], targets: Targets = None) -> np.ndarray:
        """Class probabilities (or normalised scores) in LABELS order."""

    def predict(self, texts: Sequence[str], targets: Targets = None) -> list[str]:
        """The most probable label of each text."""
        return [LABELS[i] for i in self.predict_proba(texts, targets).argmax(axis=1)]

    @abstractmethod
    def save(self, directory: Path) -> None:
        """Write everything needed to score raw text into `directory`."""

    @classmethod
    @abstractmethod
    def load(cls, directory: Path, config: ModelConfig, seed: int) -> "StanceModel":
        """Rebuild a model written by `save`."""
