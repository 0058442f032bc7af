"""Fine-tuned transformer: a pretrained encoder, pooled as its checkpoint was trained, under
a linear head started from a linear probe (stance/models/pooled.py), trained with the HF Trainer.

Training goes through `transformers.Trainer`, so it uses a GPU when present and runs
data-parallel under `accelerate launch` with no code change. torch and transformers are
imported inside the methods: configs and the other model types never pay for them.
"""

import copy
import json
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stance.config import TransformerConfig
from stance.errors import ConfigError
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


# The linear probe's inverse regularisation, as in the embeddings model type (sklearn's default).
PROBE_C = 1.0


# The Trainer's timings and throughput differ from one run of a config to the next; a
# training log that repeats them could not be reproduced.
_TIMING_SUFFIXES = ("_runtime", "_per_second", "total_flos")


def _numbers(entry: dict) -> dict[str, float]:
    """One log_history entry (a training step's loss, gradient norm and learning rate, or an
    epoch's dev scores under early stopping), without its timings."""
    return {
        key: float(value)
        for key, value in entry.items()
        if isinstance(value, int | float) and not key.endswith(_TIMING_SUFFIXES)
    }


def _keep_logs_off_the_console(trainer) -> None:
    """The Trainer prints every log entry (PrinterCallback, or through its progress bar);
    with a log each step that would bury the run's own lines. The bar itself stays."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    class QuietProgress(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            pass

    for callback in (PrinterCallback, ProgressCallback):
        trainer.remove_callback(callback)
    if show_progress():
        trainer.add_callback(QuietProgress)


class TransformerModel(EncoderModel):
    """A pretrained encoder and a linear head over its pooled vectors, fully fine-tuned."""

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
            # Each step's loss, gradient norm and learning rate reach trainer.state.log_history
            # (kept as the fold's training log, which tracking copies into the fold's MLflow
            # run); nothing is reported live, so a tracking store never touches a fit.
            logging_strategy="steps",
            logging_steps=1,
            report_to="none",
            disable_tqdm=not show_progress(),
            dataloader_pin_memory=device().type == "cuda",  # pinning is a no-op (and a warning) on CPU
            # Every trained parameter gets a gradient (PooledClassifier drops an unused pooler,
            # frozen layers train nothing), so data-parallel training need not search the
            # graph for unused ones each step.
            ddp_find_unused_parameters=False,
            bf16=cfg.bf16,
            use_cpu=cfg.bf16 and device().type == "cpu",  # the Trainer's way to allow bf16 without a GPU
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

    @classmethod
    def pooling_of(cls, config: TransformerConfig) -> str:
        """The pooling a run of this config uses: the config's, else the checkpoint's own."""
        from stance.models import pooled

        own = pooled.checkpoint_pooling(Path(checkpoints.resolve(config.checkpoint)))
        return config.pooling or own

    @classmethod
    def preflight(cls, config: TransformerConfig) -> None:
        from stance.models import pooled

        folder = Path(checkpoints.resolve(config.checkpoint))
        if (folder / "config.json").is_file():
            cls.check_layers(config, folder)
        head = pooled.saved_head(folder)
        if head is None:
            if pooled.is_old_classifier(folder):
                raise ConfigError(
                    f"model.checkpoint: {folder} is a run saved before the pooled head "
                    "(AutoModelForSequenceClassification); train that run again"
                )
            return
        if head.get("labels") != list(LABELS):
            raise ConfigError(f"model.checkpoint: {folder} has a head over {head.get('labels')}, not {list(LABELS)}")
        if config.pooling not in (None, head["pooling"]):
            raise ConfigError(
                f"model.pooling: the head in {folder} was trained on '{head['pooling']}' pooling, "
                f"not '{config.pooling}'; leave model.pooling out to keep it"
            )

    @classmethod
    def check_layers(cls, config: TransformerConfig, folder: Path) -> None:
        layers = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("num_hidden_layers")
        if layers is not None and config.frozen_layers >= layers:
            raise ConfigError(
                f"model.frozen_layers: {config.frozen_layers} would freeze every layer of the {layers} in {folder}; "
                "an embeddings run (type: embeddings) trains only the head"
            )

    @classmethod
    def provenance(cls, config: TransformerConfig) -> dict:
        return {**super().provenance(config), "pooling": cls.pooling_of(config), "head_init": config.head_init}

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], targets=None, dev: DevSet | None = None
    ) -> "TransformerModel":
        import transformers
        from transformers import AutoModel, AutoTokenizer

        from stance.models import pooled

        transformers.set_seed(self.seed)
        source = Path(checkpoints.resolve(self.config.checkpoint))
        self.tokenizer = AutoTokenizer.from_pretrained(str(source))
        with quiet_transformers():  # a plain encoder folder has no pooler or head: expected
            encoder = AutoModel.from_pretrained(str(source))
        self.network = pooled.PooledClassifier(encoder, len(LABELS), self.pooling_of(self.config))
        self.network.freeze_lowest(self.config.frozen_layers)
        if pooled.saved_head(source) is not None:
            # A run's model folder (e.g. the SemEval model, for transfer) keeps its head.
            self.network.load_head(source)
        elif self.config.head_init == "probe" and self.config.epochs > 0:
            self._start_head_from_probe(texts, labels, targets)
        return self._train(texts, labels, targets, dev)

    def _start_head_from_probe(self, texts: Sequence[str], labels: Sequence[str], targets) -> None:
        """LP-FT: fit the linear probe on the frozen pooled vectors of the training items
        and copy it into the head, so fine-tuning starts from a head that already fits."""
        from stance.models import pooled

        features = self._outputs(texts, targets, lambda network, encoded: network.pooled(**encoded))
        label_ids = np.array([LABEL2ID[label] for label in labels])
        weight, bias = pooled.probe_weights(features, label_ids, len(LABELS), C=PROBE_C, seed=self.seed)
        self.network.set_head(weight, bias)

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
            _keep_logs_off_the_console(trainer)
            trainer.train()
        self.training_log = [_numbers(entry) for entry in trainer.state.log_history if "train_runtime" not in entry]
        # Under bf16, accelerate wraps the network's forward in autocast; unwrapped, the
        # fold's predictions are computed in float32, as the saved model's will be.
        from accelerate.utils import extract_model_from_parallel

        self.network = extract_model_from_parallel(trainer.model, keep_fp32_wrapper=False)
        return self

    def _outputs(self, texts: Sequence[str], targets, forward) -> np.ndarray:
        """`forward(network, encoded_batch)` over every text in eval mode, one row per text.

        Batches are sorted by length, so each pads to similar lengths; one untruncated
        tokenization gives every length, and the truncation warning.
        """
        import torch

        cfg, texts = self.config, list(texts)
        targets = None if targets is None else list(targets)
        lengths = self._lengths(texts, targets)
        warn_if_truncated(lengths, cfg.max_length)
        target = device()
        self.network.to(target).eval()
        rows_out = None
        for rows in batches(np.argsort(lengths, kind="stable"), cfg.predict_batch_size):
            batch_targets = None if targets is None else [targets[i] for i in rows]
            encoded = self._encode([texts[i] for i in rows], batch_targets, padding=True, return_tensors="pt")
            with torch.inference_mode():
                values = forward(self.network, encoded.to(target)).float().cpu().numpy()
            if rows_out is None:
                rows_out = np.zeros((len(texts), values.shape[1]))
            rows_out[rows] = values
        return rows_out if rows_out is not None else np.zeros((0, len(LABELS)))

    def predict_proba(self, texts: Sequence[str], targets=None) -> np.ndarray:
        import torch

        return self._outputs(texts, targets, lambda network, encoded: torch.softmax(network(**encoded).logits, -1))

    def save(self, directory: Path) -> None:
        self.network.save(directory, LABELS)  # safetensors
        self.tokenizer.save_pretrained(directory)

    @classmethod
    def load(cls, directory: Path, config: TransformerConfig, seed: int) -> "TransformerModel":
        from transformers import AutoModel, AutoTokenizer

        from stance.models import pooled

        folder = Path(directory).resolve()
        head = pooled.saved_head(folder)
        if head is None:
            raise FileNotFoundError(f"no {pooled.HEAD_CONFIG}: saved before the pooled head (train it again)")
        with quiet_transformers():
            encoder = AutoModel.from_pretrained(str(folder))
        network = pooled.PooledClassifier(encoder, len(LABELS), head["pooling"])
        network.load_head(folder)
        return cls(config, seed, network=network, tokenizer=AutoTokenizer.from_pretrained(str(folder)))
