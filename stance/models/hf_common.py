"""Plumbing shared by the pretrained-encoder model types: device, batching, truncation.

torch is imported inside the functions so that importing the model registry stays cheap.
"""

import logging
from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np
from pydantic import Field
from tqdm.auto import tqdm

from stance import checkpoints
from stance.models.base import ModelConfig, StanceModel

log = logging.getLogger("stance")


class EncoderConfig(ModelConfig):
    """Keys shared by the model types built on a pretrained encoder."""

    checkpoint: str = Field(checkpoints.DEFAULT_CHECKPOINT, description="local folder, package:<name>, or Hub id")
    use_target: bool = Field(False, description="give the model each text's stance target too (multi-target data)")
    max_length: int = Field(128, ge=8, description="tokens per text; longer texts are truncated with a warning")
    predict_batch_size: int = Field(64, ge=1, description="batch size for encoding at prediction time")


class EncoderModel(StanceModel):
    """A model type built on a pretrained encoder: its checkpoint is checked before any work."""

    @classmethod
    def preflight(cls, config: EncoderConfig) -> None:
        checkpoints.resolve(config.checkpoint)

# Inputs at least this long get a progress bar when predicted.
PROGRESS_BAR_MIN_TEXTS = 1000


def device():
    """The GPU when one is present, the CPU otherwise: no config change needed."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def batches(items: Sequence, batch_size: int, desc: str = "predict") -> Iterator[Sequence]:
    """`items` in consecutive slices, with a progress bar for large inputs."""
    starts = range(0, len(items), batch_size)
    show = len(items) >= PROGRESS_BAR_MIN_TEXTS
    for start in tqdm(starts, desc=desc, unit="batch", disable=not show):
        yield items[start : start + batch_size]


def token_lengths(tokenizer, texts: Sequence[str]) -> np.ndarray:
    """Untruncated token count of each text, special tokens included."""
    encoded = tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
    return np.array([len(ids) for ids in encoded["input_ids"]], dtype=int)


def warn_if_truncated(lengths: np.ndarray, max_length: int) -> None:
    """Log one warning naming how many texts exceed the model's token limit."""
    too_long = int((lengths > max_length).sum())
    if too_long:
        log.warning(
            "%d of %d texts exceed %d tokens (longest %d) and are truncated", too_long, len(lengths), max_length, lengths.max()
        )


def balanced_class_weights(label_ids: Sequence[int], n_classes: int):
    """sklearn's "balanced" weights, n / (classes present * count); 0 for absent classes."""
    import torch

    counts = torch.bincount(torch.as_tensor(label_ids), minlength=n_classes).double()
    present = int((counts > 0).sum())
    weights = torch.where(counts > 0, len(label_ids) / (present * counts.clamp(min=1)), torch.zeros_like(counts))
    return weights.float()


@contextmanager
def quiet_transformers():
    """Silence transformers' load report, e.g. while a fresh head is attached."""
    import transformers

    level = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()
    try:
        yield
    finally:
        transformers.logging.set_verbosity(level)


def with_targets(texts: Sequence[str], targets: Sequence[str] | None, use_target: bool) -> list[str]:
    """`target: text` when the config asks for the target and the data has one."""
    if not use_target or targets is None:
        return list(texts)
    return [f"{target}: {text}" for target, text in zip(targets, texts)]
