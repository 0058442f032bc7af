"""Majority-class baseline: the floor every real model must clear."""

from typing import Literal

from pydantic import Field

from sklearn.dummy import DummyClassifier

from stance.models.base import ModelConfig
from stance.models.sklearn_model import SklearnModel


class MajorityConfig(ModelConfig):
    type: Literal["majority"]
    per_target: bool = Field(False, description="one majority class per stance target (SemEval's baseline)")


class MajorityModel(SklearnModel):
    """Predicts the training fold's most frequent label, with class priors as probabilities."""

    Config = MajorityConfig

    def build_estimator(self) -> DummyClassifier:
        # "prior" predicts the majority class like "most_frequent", but reports the
        # class priors rather than a one-hot vector as probabilities.
        return DummyClassifier(strategy="prior")
