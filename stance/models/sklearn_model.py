"""Shared plumbing for model types that are one scikit-learn estimator."""

from abc import abstractmethod
from pathlib import Path
from typing import Sequence

import joblib
import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator

from stance.labels import LABELS
from stance.models.base import ModelConfig, StanceModel

ESTIMATOR_FILE = "estimator.joblib"


def align_to_labels(scores: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Place per-class columns (in `classes` order) into LABELS order, zeros elsewhere."""
    aligned = np.zeros((scores.shape[0], len(LABELS)))
    for column, label in enumerate(classes):
        aligned[:, LABELS.index(label)] = scores[:, column]
    return aligned


class SklearnModel(StanceModel):
    """A StanceModel backed by one estimator, saved whole (vectorizer included)."""

    def __init__(self, config: ModelConfig, seed: int, estimator: BaseEstimator | None = None):
        super().__init__(config, seed)
        self.estimator = estimator if estimator is not None else self.build_estimator()

    @abstractmethod
    def build_estimator(self) -> BaseEstimator:
        """A fresh, unfitted estimator for this config and seed."""

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "SklearnModel":
        self.estimator.fit(list(texts), list(labels))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        classes = list(self.estimator.classes_)
        if hasattr(self.estimator, "predict_proba"):
            return align_to_labels(self.estimator.predict_proba(texts), classes)
        # Margin classifiers (LinearSVC) have no probabilities; a softmax over the
        # decision scores ranks classes the same way. These are not calibrated.
        scores = self.estimator.decision_function(texts)
        if scores.ndim == 1:  # two classes: sklearn returns the score of classes[1]
            scores = np.column_stack([-scores, scores])
        return align_to_labels(softmax(scores, axis=1), classes)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.estimator, directory / ESTIMATOR_FILE)

    @classmethod
    def load(cls, directory: Path, config: ModelConfig, seed: int) -> "SklearnModel":
        return cls(config, seed, estimator=joblib.load(directory / ESTIMATOR_FILE))
