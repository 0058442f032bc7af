"""Linear probe: frozen MiniLM sentence embeddings + logistic regression.

The ablation that shows what fine-tuning adds: the encoder never changes, only a
linear head is fitted on each training fold.
"""

from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression

from stance.config import EmbeddingsConfig
from stance.models.encoder import CachedEncoder, EncoderModel, frozen_encoder, load_sentence_encoder, model_inputs
from stance.models.sklearn_model import align_to_labels

ENCODER_DIR, HEAD_FILE = "encoder", "head.joblib"


class EmbeddingsModel(EncoderModel):
    """Mean-pooled, normalised sentence embeddings into a class-balanced logistic regression."""

    Config = EmbeddingsConfig

    def __init__(self, config: EmbeddingsConfig, seed: int, encoder=None, head=None):
        super().__init__(config, seed)
        self.encoder, self.head = encoder, head

    def fit(self, texts: Sequence[str], labels: Sequence[str], targets=None, dev=None) -> "EmbeddingsModel":
        self.encoder = frozen_encoder(self.config.checkpoint)
        self.head = LogisticRegression(C=self.config.C, class_weight="balanced", max_iter=5000, random_state=self.seed)
        inputs = model_inputs(texts, targets, self.config)
        self.head.fit(self._features(inputs), list(labels))
        return self

    def _features(self, inputs: list[str]) -> np.ndarray:
        return self.encoder.encode(inputs, self.config.predict_batch_size, self.config.max_length)

    def predict_proba(self, texts: Sequence[str], targets=None) -> np.ndarray:
        inputs = model_inputs(texts, targets, self.config)
        return align_to_labels(self.head.predict_proba(self._features(inputs)), list(self.head.classes_))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.encoder.encoder.save(str(directory / ENCODER_DIR))
        joblib.dump(self.head, directory / HEAD_FILE)

    @classmethod
    def load(cls, directory: Path, config: EmbeddingsConfig, seed: int) -> "EmbeddingsModel":
        encoder = CachedEncoder(load_sentence_encoder(str((Path(directory) / ENCODER_DIR).resolve())))
        return cls(config, seed, encoder=encoder, head=joblib.load(Path(directory) / HEAD_FILE))
