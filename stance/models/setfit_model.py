"""SetFit: contrastive fine-tuning of the sentence encoder, then a logistic-regression head.

SetFit's published few-shot results (Tunstall et al. 2022) make it the strong choice at
about 8 examples per class, which is the size of this data. setfit is imported inside
the methods: configs and the other model types never pay for it.
"""

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score

from stance.config import SetFitConfig
from stance.labels import ID2LABEL, LABEL2ID
from stance.models import checkpoints
from stance.models.encoder import CachedEncoder, EncoderModel, device, model_inputs, token_lengths, warn_if_truncated
from stance.models.sklearn_model import align_to_labels
from stance.threads import show_progress


def _accuracy(y_pred, y_true) -> dict:
    # SetFit's default metric is fetched from the Hub; a sklearn one needs no network.
    return {"accuracy": accuracy_score(y_true, y_pred)}


class SetFitStanceModel(EncoderModel):
    """A SetFit model; labels are trained as LABELS ids so the head's classes are known."""

    Config = SetFitConfig
    continues_training = True

    def __init__(self, config: SetFitConfig, seed: int, model=None):
        super().__init__(config, seed)
        self.model = model
        self._body_vectors: CachedEncoder | None = None  # set when other folds continue from this model

    def _head_params(self) -> dict:
        return {"C": self.config.C, "class_weight": "balanced", "max_iter": 5000, "random_state": self.seed}

    def fit(self, texts: Sequence[str], labels: Sequence[str], targets=None, dev=None) -> "SetFitStanceModel":
        import transformers
        from datasets import Dataset
        from setfit import SetFitModel, Trainer
        from transformers import ProgressCallback

        cfg = self.config
        transformers.set_seed(self.seed)
        self.model = SetFitModel.from_pretrained(
            checkpoints.resolve(cfg.checkpoint),  # absolute path: no Hub metadata lookup
            local_files_only=True,
            device=str(device()),
            head_params=self._head_params(),
        )
        self.model.model_body.max_seq_length = cfg.max_length  # the encoder truncates here
        texts = model_inputs(texts, targets, cfg)
        warn_if_truncated(token_lengths(self.model.model_body.tokenizer, texts), cfg.max_length)
        train_set = Dataset.from_dict({"text": list(texts), "label": [LABEL2ID[label] for label in labels]})
        with tempfile.TemporaryDirectory(prefix="setfit-") as scratch:
            trainer = Trainer(
                model=self.model, args=self._training_args(scratch), train_dataset=train_set, metric=_accuracy
            )
            if not show_progress():  # show_progress_bar does not reach the body's own trainer
                trainer.st_trainer.remove_callback(ProgressCallback)
            trainer.train()
        return self

    def fit_from(self, base: "SetFitStanceModel", texts, labels, targets, is_new: np.ndarray) -> "SetFitStanceModel":
        """Keep `base`'s contrastively trained body; fit a fresh head on all the fold's items.

        The body is trained once, on the shared items: a second contrastive pass per fold
        would cost as much as the first. The head, a logistic regression, sees every
        training item of the fold, whose body vectors are computed once across folds.
        """
        from setfit import SetFitModel
        from sklearn.linear_model import LogisticRegression

        cfg = self.config
        if base._body_vectors is None:
            base._body_vectors = CachedEncoder(base.model.model_body)
        inputs = model_inputs(texts, targets, cfg)
        head = LogisticRegression(**self._head_params())
        vectors = base._body_vectors.encode(inputs, cfg.predict_batch_size, cfg.max_length)
        head.fit(vectors, [LABEL2ID[label] for label in labels])
        self.model = SetFitModel(
            model_body=base.model.model_body, model_head=head, normalize_embeddings=base.model.normalize_embeddings
        )
        return self

    def _training_args(self, output_dir: str):
        from setfit import TrainingArguments

        cfg = self.config
        return TrainingArguments(
            output_dir=output_dir,
            batch_size=cfg.batch_size,
            num_epochs=cfg.epochs,
            num_iterations=cfg.num_iterations,
            max_steps=cfg.max_steps,
            body_learning_rate=cfg.body_learning_rate,
            max_length=cfg.max_length,
            seed=self.seed,
            report_to="none",
            save_strategy="no",
            show_progress_bar=show_progress(),
        )

    def predict_proba(self, texts: Sequence[str], targets=None) -> np.ndarray:
        texts = model_inputs(texts, targets, self.config)
        warn_if_truncated(token_lengths(self.model.model_body.tokenizer, texts), self.config.max_length)
        proba = self.model.predict_proba(list(texts), batch_size=self.config.predict_batch_size, as_numpy=True)
        classes = [ID2LABEL[int(c)] for c in self.model.model_head.classes_]
        return align_to_labels(np.asarray(proba, dtype=float), classes)

    def save(self, directory: Path) -> None:
        self.model.save_pretrained(str(directory))

    @classmethod
    def load(cls, directory: Path, config: SetFitConfig, seed: int) -> "SetFitStanceModel":
        from setfit import SetFitModel

        model = SetFitModel.from_pretrained(str(Path(directory).resolve()), local_files_only=True, device=str(device()))
        model.model_body.max_seq_length = config.max_length
        return cls(config, seed, model=model)
