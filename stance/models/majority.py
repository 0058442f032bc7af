"""Majority-class baseline: the floor every real model must clear."""

from sklearn.dummy import DummyClassifier

from stance.config import MajorityConfig
from stance.models.sklearn_model import SklearnModel


class MajorityModel(SklearnModel):
    """Predicts the training fold's most frequent label, with class priors as probabilities."""

    Config = MajorityConfig

    def build_estimator(self) -> DummyClassifier:
        # "prior" predicts the majority class like "most_frequent", but reports the
        # class priors rather than a one-hot vector as probabilities.
        return DummyClassifier(strategy="prior")
