"""Fine-tuned transformer: AutoModelForSequenceClassification trained with the HF Trainer.

Training goes through `transformers.Trainer`, so it uses a GPU when present and runs
data-parallel under `accelerate launch` with no code change. torch and transformers are
imported inside the methods: configs and the other model types never pay for them.
"""

import math
import tempfile
from pathlib import Path
from typing import Literal, Sequence

import numpy as np
from pydantic import Field

from stance import checkpoints
from stance.labels import ID2LABEL, LABEL2ID, LABELS
from stance.models.base import ModelConfig, StanceModel
from stance.models.hf_common import (
    balanced_class_weights,
    batches,
    device,
    quiet_transformers,
    token_lengths,
    warn_if_truncated,
)


class TransformerConfig(ModelConfig):
    type: Literal["transformer"]
    checkpoint: str = Field(checkpoints.DEFAULT_CHECKPOINT, description="local folder, package:<name>, or Hub id")
    max_length: int = Field(128, ge=8, description="tokens per text; longer texts are truncated with a warning")
    epochs: int = Field(30, ge=1, description="passes over the training fold")
    batch_size: int = Field(8, ge=1, description="training batch size per device")
    learning_rate: float = Field(5e-5, gt=0, description="peak AdamW learning rate")
    warmup_fraction: float = Field(0.1, ge=0, lt=1, description="share of steps with linear warmup")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay")
    class_weight: Literal["balanced", "none"] = Field("balanced", description="weight the loss by inverse class frequency")
    predict_batch_size: int = Field(64, ge=1, description="batch size for prediction")
    deterministic: bool = Field(True, description="torch deterministic algorithms (slower on GPU)")


def _weighted_loss(weights):
    import torch

    def loss(outputs, labels, num_items_in_batch=None):
        logits = outputs.logits
        return torch.nn.functional.cross_entropy(logits, labels, weight=weights.to(logits.device))

    return loss


class TransformerModel(StanceModel):
    """A pretrained encoder with a fresh classification head, fully fine-tuned."""

    Config = TransformerConfig

    def __init__(self, config: TransformerConfig, seed: int, network=None, tokenizer=None):
        super().__init__(config, seed)
        self.network, self.tokenizer = network, tokenizer

    @classmethod
    def preflight(cls, config: TransformerConfig) -> None:
        checkpoints.resolve(config.checkpoint)

    def _training_args(self, output_dir: str, n_train: int):
        from transformers import TrainingArguments

        cfg = self.config
        steps = cfg.epochs * math.ceil(n_train / cfg.batch_size)
        return TrainingArguments(
            output_dir=output_dir,
            num_train_epochs=cfg.epochs,
            per_device_train_batch_size=cfg.batch_size,
            learning_rate=cfg.learning_rate,
            warmup_steps=math.ceil(cfg.warmup_fraction * steps),
            weight_decay=cfg.weight_decay,
            seed=self.seed,
            full_determinism=cfg.deterministic,
            save_strategy="no",  # the final model is saved by the run, not as checkpoints
            logging_strategy="no",
            report_to="none",
            disable_tqdm=False,
            dataloader_pin_memory=device().type == "cuda",  # pinning is a no-op (and a warning) on CPU
        )

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TransformerModel":
        import transformers
        from datasets import Dataset
        from transformers import AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer

        cfg = self.config
        transformers.set_seed(self.seed)
        source = checkpoints.resolve(cfg.checkpoint)
        self.tokenizer = AutoTokenizer.from_pretrained(source)
        with quiet_transformers():  # the fresh head is always "newly initialized": expected
            self.network = AutoModelForSequenceClassification.from_pretrained(
                source, num_labels=len(LABELS), id2label=ID2LABEL, label2id=LABEL2ID
            )
        label_ids = [LABEL2ID[label] for label in labels]
        warn_if_truncated(token_lengths(self.tokenizer, texts), cfg.max_length)
        encoded = self.tokenizer(list(texts), truncation=True, max_length=cfg.max_length)
        train_set = Dataset.from_dict({**encoded, "labels": label_ids})
        loss = _weighted_loss(balanced_class_weights(label_ids, len(LABELS))) if cfg.class_weight == "balanced" else None
        with tempfile.TemporaryDirectory() as scratch:
            trainer = Trainer(
                model=self.network,
                args=self._training_args(scratch, len(texts)),
                train_dataset=train_set,
                processing_class=self.tokenizer,
                data_collator=DataCollatorWithPadding(self.tokenizer),
                compute_loss_func=loss,
            )
            trainer.train()
        self.network = trainer.model
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        cfg, texts = self.config, list(texts)
        # One untruncated tokenization gives every length: for the truncation warning,
        # and for batching by length so that each batch pads to similar lengths.
        lengths = token_lengths(self.tokenizer, texts)
        warn_if_truncated(lengths, cfg.max_length)
        target = device()
        self.network.to(target).eval()
        proba = np.zeros((len(texts), len(LABELS)))
        for rows in batches(np.argsort(lengths, kind="stable"), cfg.predict_batch_size):
            encoded = self.tokenizer(
                [texts[i] for i in rows], truncation=True, max_length=cfg.max_length, padding=True, return_tensors="pt"
            )
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
