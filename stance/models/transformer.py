"""Fine-tuned transformer: AutoModelForSequenceClassification trained with the HF Trainer.

Training goes through `transformers.Trainer`, so it uses a GPU when present and runs
data-parallel under `accelerate launch` with no code change. torch and transformers are
imported inside the methods: configs and the other model types never pay for them.
"""

import copy
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stance.config import TransformerConfig
from stance.labels import ID2LABEL, LABEL2ID, LABELS
from stance.models import checkpoints
from stance.models.base import DevSet
from stance.models.encoder import (
    EncoderModel,
    balanced_class_weights,
    batches,
    device,
    quiet_transformers,
    token_lengths,
    warn_if_truncated,
)
from stance.models.text import preprocess
from stance.threads import show_progress


def _dev_scores(prediction) -> dict:
    """F_avg and macro-F1 on the dev set, for choosing the best epoch."""
    from stance.evaluation.metrics import scores

    predicted = prediction.predictions.argmax(axis=-1)
    result = scores([ID2LABEL[int(i)] for i in prediction.label_ids], [ID2LABEL[int(i)] for i in predicted])
    return {"f_avg": result["f_avg"], "macro_f1": result["macro_f1"]}


def _weighted_loss(weights):
    import torch

    def loss(outputs, labels, num_items_in_batch=None):
        logits = outputs.logits
        return torch.nn.functional.cross_entropy(logits, labels, weight=weights.to(logits.device))

    return loss


class TransformerModel(EncoderModel):
    """A pretrained encoder with a fresh classification head, fully fine-tuned."""

    Config = TransformerConfig
    continues_training = True

    def __init__(self, config: TransformerConfig, seed: int, network=None, tokenizer=None):
        super().__init__(config, seed)
        self.network, self.tokenizer = network, tokenizer

    def _training_args(self, output_dir: str, n_train: int, early_stopping: bool):
        from transformers import TrainingArguments

        cfg = self.config
        steps = cfg.epochs * math.ceil(n_train / cfg.batch_size)
        # Early stopping evaluates on the dev set every epoch and keeps the best epoch;
        # otherwise nothing is evaluated or checkpointed during training.
        per_epoch = "epoch" if early_stopping else "no"
        return TrainingArguments(
            output_dir=output_dir,
            num_train_epochs=cfg.epochs,
            per_device_train_batch_size=cfg.batch_size,
            learning_rate=cfg.learning_rate,
            warmup_steps=math.ceil(cfg.warmup_fraction * steps),
            weight_decay=cfg.weight_decay,
            seed=self.seed,
            full_determinism=cfg.deterministic,
            eval_strategy=per_epoch,
            save_strategy=per_epoch,  # the run saves the final model; checkpoints are scratch
            save_total_limit=2 if early_stopping else None,
            load_best_model_at_end=early_stopping,
            metric_for_best_model="f_avg" if early_stopping else None,
            greater_is_better=True,
            per_device_eval_batch_size=cfg.predict_batch_size,
            logging_strategy="no",
            report_to="none",
            disable_tqdm=not show_progress(),
            dataloader_pin_memory=device().type == "cuda",  # pinning is a no-op (and a warning) on CPU
        )

    def _pairs_with(self, targets) -> Sequence[str] | None:
        """The first segment of each input: the target, when the config and the data have one."""
        return list(targets) if self.config.use_target and targets is not None else None

    def _encode(self, texts: Sequence[str], targets, **kwargs):
        """Tokenize texts, after the config's preprocessing, as (target, text) pairs when the
        config and the data have targets."""
        texts = preprocess(texts, self.config.text_preprocessing)
        first = self._pairs_with(targets)
        if first is not None:
            return self.tokenizer(
                first, list(texts), truncation="only_second", max_length=self.config.max_length, **kwargs
            )
        return self.tokenizer(list(texts), truncation=True, max_length=self.config.max_length, **kwargs)

    def _lengths(self, texts: Sequence[str], targets) -> np.ndarray:
        """Token counts of exactly the sequences `_encode` builds, before truncation."""
        texts = preprocess(texts, self.config.text_preprocessing)
        return token_lengths(self.tokenizer, texts, pairs_with=self._pairs_with(targets))

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], targets=None, dev: DevSet | None = None
    ) -> "TransformerModel":
        import transformers
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        transformers.set_seed(self.seed)
        source = checkpoints.resolve(self.config.checkpoint)
        self.tokenizer = AutoTokenizer.from_pretrained(source)
        # A checkpoint with a 3-way head of these labels (e.g. a run's model folder) keeps
        # it; any other gets a fresh head, which is always "newly initialized": expected.
        with quiet_transformers():
            self.network = AutoModelForSequenceClassification.from_pretrained(
                source, num_labels=len(LABELS), id2label=ID2LABEL, label2id=LABEL2ID
            )
        return self._train(texts, labels, targets, dev)

    def fit_from(self, base: "TransformerModel", texts, labels, targets, is_new: np.ndarray) -> "TransformerModel":
        """Fine-tune a copy of `base` further on the fold's items that `base` has not seen."""
        import transformers

        transformers.set_seed(self.seed)
        self.tokenizer, self.network = base.tokenizer, copy.deepcopy(base.network)
        new = np.flatnonzero(is_new)
        texts, labels = [texts[i] for i in new], [labels[i] for i in new]
        targets = None if targets is None else [targets[i] for i in new]
        return self._train(texts, labels, targets, dev=None)

    def _train(self, texts: Sequence[str], labels: Sequence[str], targets, dev: DevSet | None) -> "TransformerModel":
        """`self.network` trained for the configured epochs; 0 epochs leaves it as it is."""
        from datasets import Dataset
        from transformers import DataCollatorWithPadding, EarlyStoppingCallback, Trainer

        cfg = self.config
        if cfg.epochs == 0 or not texts:
            return self
        label_ids = [LABEL2ID[label] for label in labels]
        warn_if_truncated(self._lengths(texts, targets), cfg.max_length)
        train_set = Dataset.from_dict({**self._encode(texts, targets), "labels": label_ids})
        early_stopping = dev is not None and cfg.early_stopping_patience > 0
        dev_set = None
        if early_stopping:
            dev_set = Dataset.from_dict(
                {**self._encode(dev.texts, dev.targets), "labels": [LABEL2ID[label] for label in dev.labels]}
            )
        loss = (
            _weighted_loss(balanced_class_weights(label_ids, len(LABELS))) if cfg.class_weight == "balanced" else None
        )
        with tempfile.TemporaryDirectory() as scratch:
            trainer = Trainer(
                model=self.network,
                args=self._training_args(scratch, len(texts), early_stopping),
                train_dataset=train_set,
                eval_dataset=dev_set,
                processing_class=self.tokenizer,
                data_collator=DataCollatorWithPadding(self.tokenizer),
                compute_loss_func=loss,
                compute_metrics=_dev_scores if early_stopping else None,
                callbacks=[EarlyStoppingCallback(cfg.early_stopping_patience)] if early_stopping else None,
            )
            trainer.train()
        self.network = trainer.model
        return self

    def predict_proba(self, texts: Sequence[str], targets=None) -> np.ndarray:
        import torch

        cfg, texts = self.config, list(texts)
        targets = None if targets is None else list(targets)
        # One untruncated tokenization gives every length: for the truncation warning,
        # and for batching by length so that each batch pads to similar lengths.
        lengths = self._lengths(texts, targets)
        warn_if_truncated(lengths, cfg.max_length)
        target = device()
        self.network.to(target).eval()
        proba = np.zeros((len(texts), len(LABELS)))
        for rows in batches(np.argsort(lengths, kind="stable"), cfg.predict_batch_size):
            batch_targets = None if targets is None else [targets[i] for i in rows]
            encoded = self._encode([texts[i] for i in rows], batch_targets, padding=True, return_tensors="pt")
            with torch.inference_mode():
                logits = self.network(**encoded.to(target)).logits
            proba[rows] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        return proba

    def save(self, directory: Path) -> None:
        self.network.save_pretrained(directory)  # safetensors
        self.tokenizer.save_pretrained(directory)

    @classmethod
    def load(cls, directory: Path, config: TransformerConfig, seed: int) -> "TransformerModel":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = str(Path(directory).resolve())
        network = AutoModelForSequenceClassification.from_pretrained(folder)
        return cls(config, seed, network=network, tokenizer=AutoTokenizer.from_pretrained(folder))
