"""Shared plumbing for model types that are one scikit-learn estimator."""

from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator

from stance.config import SklearnConfig
from stance.errors import StanceError
from stance.labels import LABELS
from stance.models.base import StanceModel, Targets

ESTIMATOR_FILE = "estimator.joblib"


def align_to_labels(scores: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Place per-class columns (in `classes` order) into LABELS order, zeros elsewhere."""
    aligned = np.zeros((scores.shape[0], len(LABELS)))
    for column, label in enumerate(classes):
        aligned[:, LABELS.index(label)] = scores[:, column]
    return aligned


class SklearnModel(StanceModel):
    """A StanceModel backed by one estimator, saved whole (vectorizer included).

    With `per_target: true` in its config it keeps one estimator per stance target,
    as the SemEval-2016 baselines do.
    """

    def __init__(self, config: SklearnConfig, seed: int, estimators: dict | None = None):
        super().__init__(config, seed)
        self.estimators = estimators or {}

    @abstractmethod
    def build_estimator(self) -> BaseEstimator:
        """A fresh, unfitted estimator for this config and seed."""

    def _groups(self, n: int, targets: Targets) -> dict[str | None, np.ndarray]:
        if not self.config.per_target:
            return {None: np.arange(n)}
        if targets is None:
            raise StanceError("model.per_target: true needs data with a target per text (e.g. SemEval)")
        targets = np.asarray(targets, dtype=object)
        return {target: np.flatnonzero(targets == target) for target in dict.fromkeys(targets)}

    def fit(self, texts: Sequence[str], labels: Sequence[str], targets: Targets = None, dev=None) -> "SklearnModel":
        texts, labels = np.asarray(texts, dtype=object), np.asarray(labels, dtype=object)
        self.estimators = {
            key: self.build_estimator().fit(texts[rows].tolist(), labels[rows].tolist())
            for key, rows in self._groups(len(texts), targets).items()
        }
        return self

    def predict_proba(self, texts: Sequence[str], targets: Targets = None) -> np.ndarray:
        texts = np.asarray(texts, dtype=object)
        proba = np.zeros((len(texts), len(LABELS)))
        for key, rows in self._groups(len(texts), targets).items():
            if key not in self.estimators:
                raise StanceError(f"no model was trained for target {key!r}")
            if len(rows):
                proba[rows] = _estimator_proba(self.estimators[key], texts[rows].tolist())
        return proba

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.estimators, directory / ESTIMATOR_FILE)

    @classmethod
    def load(cls, directory: Path, config: SklearnConfig, seed: int) -> "SklearnModel":
        return cls(config, seed, estimators=joblib.load(directory / ESTIMATOR_FILE))


def _estimator_proba(estimator: BaseEstimator, texts: list[str]) -> np.ndarray:
    classes = list(estimator.classes_)
    if hasattr(estimator, "predict_proba"):
        return align_to_labels(estimator.predict_proba(texts), classes)
    # Margin classifiers (LinearSVC) have no probabilities; a softmax over the
    # decision scores ranks classes the same way. These are not calibrated.
    scores = estimator.decision_function(texts)
    if scores.ndim == 1:  # two classes: sklearn returns the score of classes[1]
        scores = np.column_stack([-scores, scores])
    return align_to_labels(softmax(scores, axis=1), classes)
