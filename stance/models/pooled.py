"""The fine-tuned transformer's network: a pretrained encoder, pooled the way its
checkpoint was trained, under one linear head.

AutoModelForSequenceClassification puts its head on BERT's pooler, a dense layer over
[CLS]. A sentence-transformers checkpoint such as all-MiniLM-L6-v2 was trained through
mean pooling: its pooler weights are left over from the base model and were never
trained by the sentence objective, so a head put there starts from features the
checkpoint never learned. Here the pooling is a config choice whose default is the
checkpoint's own.

torch is imported by this module: import it inside functions, as transformer.py does.
"""

import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers.modeling_outputs import SequenceClassifierOutput

# mean: the mask-weighted mean of the last hidden states (sentence-transformers' mean);
# cls: the last hidden state of [CLS] (sentence-transformers' cls);
# pooler: BERT's own pooler over [CLS], as AutoModelForSequenceClassification does.
POOLINGS = ("mean", "cls", "pooler")
HEAD_WEIGHTS, HEAD_CONFIG = "classifier.safetensors", "classifier.json"


def saved_head(folder: Path) -> dict | None:
    """What a run's model folder says of its head ({"pooling", "labels"}), or None for a plain encoder."""
    path = Path(folder) / HEAD_CONFIG
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def is_old_classifier(folder: Path) -> bool:
    """A run's model folder from before the pooled head: a saved AutoModelForSequenceClassification,
    whose trained head would be dropped if it were read as a plain encoder."""
    config = Path(folder) / "config.json"
    if not config.is_file():
        return False
    architectures = json.loads(config.read_text(encoding="utf-8")).get("architectures") or []
    return any(name.endswith("ForSequenceClassification") for name in architectures)


def checkpoint_pooling(folder: Path) -> str:
    """The pooling the checkpoint was trained with: a run's saved head, else its
    sentence-transformers pooling config, else mean (the one a plain encoder folder
    of this project's tests and most sentence encoders use)."""
    folder = Path(folder)
    head = saved_head(folder)
    if head is not None:
        return head["pooling"]
    pooling_dir = folder / "1_Pooling"
    modules = folder / "modules.json"
    if modules.is_file():
        for module in json.loads(modules.read_text(encoding="utf-8")):
            if str(module.get("type", "")).endswith("Pooling"):
                pooling_dir = folder / module["path"]
    config = pooling_dir / "config.json"
    if config.is_file() and json.loads(config.read_text(encoding="utf-8")).get("pooling_mode_cls_token"):
        return "cls"
    return "mean"


class PooledClassifier(nn.Module):
    """encoder -> pooling -> dropout -> linear head, returning logits like a HF classifier.

    A plain nn.Module: the HF Trainer accepts one, saves and restores its state dict for
    early stopping, and wraps it for data-parallel training under `accelerate launch`.
    """

    def __init__(self, encoder, n_labels: int, pooling: str):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling {pooling!r} is not one of {POOLINGS}")
        if pooling == "pooler" and getattr(encoder, "pooler", None) is None:
            raise ValueError("pooling 'pooler' needs an encoder with a pooler layer (BERT has one)")
        if pooling != "pooler" and getattr(encoder, "pooler", None) is not None:
            # Weights that get no gradient would stall data-parallel training's gradient sync.
            encoder.pooler = None
        self.encoder, self.pooling = encoder, pooling
        config = encoder.config
        self.dropout = nn.Dropout(getattr(config, "hidden_dropout_prob", 0.1))
        self.head = nn.Linear(config.hidden_size, n_labels)
        # BERT's own initialisation of a classification head.
        nn.init.normal_(self.head.weight, std=getattr(config, "initializer_range", 0.02))
        nn.init.zeros_(self.head.bias)

    def pooled(self, input_ids, attention_mask, token_type_ids=None) -> torch.Tensor:
        """One vector per input: what the head sees (before dropout)."""
        extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
        outputs = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra)
        if self.pooling == "pooler":
            return outputs.pooler_output
        hidden = outputs.last_hidden_state
        if self.pooling == "cls":
            return hidden[:, 0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)

    def forward(self, input_ids, attention_mask, token_type_ids=None, labels=None) -> SequenceClassifierOutput:
        logits = self.head(self.dropout(self.pooled(input_ids, attention_mask, token_type_ids)))
        loss = None if labels is None else nn.functional.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)

    def freeze_lowest(self, n_layers: int) -> None:
        """Leave the embeddings and the lowest `n_layers` encoder layers as pretrained: no
        gradient reaches them, so backpropagation stops above them (the forward pass
        through them remains)."""
        if n_layers == 0:
            return
        for module in (self.encoder.embeddings, *self.encoder.encoder.layer[:n_layers]):
            module.requires_grad_(False)

    def set_head(self, weight: np.ndarray, bias: np.ndarray) -> None:
        """Replace the head's parameters, e.g. with a fitted linear probe (LP-FT)."""
        with torch.no_grad():
            self.head.weight.copy_(torch.as_tensor(weight, dtype=self.head.weight.dtype))
            self.head.bias.copy_(torch.as_tensor(bias, dtype=self.head.bias.dtype))

    def save(self, folder: Path, labels: tuple[str, ...]) -> None:
        """The encoder as a plain HF model folder (safetensors), the head beside it."""
        folder = Path(folder)
        self.encoder.save_pretrained(folder)
        save_file({k: v.contiguous() for k, v in self.head.state_dict().items()}, folder / HEAD_WEIGHTS)
        (folder / HEAD_CONFIG).write_text(json.dumps({"pooling": self.pooling, "labels": list(labels)}) + "\n")

    def load_head(self, folder: Path) -> None:
        self.head.load_state_dict(load_file(Path(folder) / HEAD_WEIGHTS))


def probe_weights(features: np.ndarray, label_ids: np.ndarray, n_labels: int, C: float, seed: int):
    """The class-balanced logistic regression fitted on `features`, as an (n_labels, d)
    weight matrix and bias whose softmax gives its probabilities (LP-FT: Kumar et al.
    2022, "Fine-Tuning can Distort Pretrained Features and Underperform Out-of-Distribution").

    A class absent from the training items gets zero weights and a bias far below the
    others, so the head starts by never predicting it, as the probe does.
    """
    from sklearn.linear_model import LogisticRegression

    probe = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=seed)
    probe.fit(features, label_ids)
    weight = np.zeros((n_labels, features.shape[1]))
    bias = np.zeros(n_labels)
    present = probe.classes_.astype(int)
    if len(present) == 2:
        # sklearn fits two classes as one logit; softmax over (0, z) is the same model.
        weight[present[1]], bias[present[1]] = probe.coef_[0], probe.intercept_[0]
    else:
        weight[present], bias[present] = probe.coef_, probe.intercept_
    absent = np.setdiff1d(np.arange(n_labels), present)
    bias[absent] = bias[present].min() - 20.0
    return weight, bias
