"""What the pretrained-encoder model types share: checkpoint checks, device, batching,
truncation warnings, and the frozen sentence encoder.

torch is imported inside the functions so that importing the model registry stays cheap.
"""

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
from tqdm.auto import tqdm

from stance.config import EncoderConfig
from stance.models import checkpoints
from stance.models.base import StanceModel
from stance.models.text import preprocess
from stance.threads import quiet_library_progress, show_progress

log = logging.getLogger("stance")

# Inputs at least this long get a progress bar when predicted.
PROGRESS_BAR_MIN_TEXTS = 1000


class EncoderModel(StanceModel):
    """A model type built on a pretrained encoder: its checkpoint is checked before any work."""

    def __init__(self, config: EncoderConfig, seed: int):
        super().__init__(config, seed)
        quiet_library_progress()

    @classmethod
    def preflight(cls, config: EncoderConfig) -> None:
        checkpoints.resolve(config.checkpoint)

    @classmethod
    def provenance(cls, config: EncoderConfig) -> dict:
        return checkpoints.describe(config.checkpoint)


def device():
    """The GPU when one is present, the CPU otherwise: no config change needed."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def batches(items: Sequence, batch_size: int, desc: str = "predict") -> Iterator[Sequence]:
    """`items` in consecutive slices, with a progress bar for large inputs."""
    starts = range(0, len(items), batch_size)
    show = len(items) >= PROGRESS_BAR_MIN_TEXTS and show_progress()
    for start in tqdm(starts, desc=desc, unit="batch", disable=not show):
        yield items[start : start + batch_size]


def token_lengths(tokenizer, texts: Sequence[str], pairs_with: Sequence[str] | None = None) -> np.ndarray:
    """Untruncated token count of each text (or of each (pairs_with, text) pair), special tokens included."""
    if pairs_with is None:
        encoded = tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
    else:
        encoded = tokenizer(list(pairs_with), list(texts), add_special_tokens=True, truncation=False, verbose=False)
    return np.array([len(ids) for ids in encoded["input_ids"]], dtype=int)


def warn_if_truncated(lengths: np.ndarray, max_length: int) -> None:
    """Log one warning naming how many texts exceed the model's token limit."""
    too_long = int((lengths > max_length).sum())
    if too_long:
        log.warning(
            "%d of %d texts exceed %d tokens (longest %d) and are truncated",
            too_long,
            len(lengths),
            max_length,
            lengths.max(),
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


def model_inputs(texts: Sequence[str], targets: Sequence[str] | None, config: EncoderConfig) -> list[str]:
    """The texts after the config's preprocessing, as `target: text` when the config asks
    for the target and the data has one."""
    texts = preprocess(texts, config.text_preprocessing)
    if not config.use_target or targets is None:
        return texts
    return [f"{target}: {text}" for target, text in zip(targets, texts)]


def load_sentence_encoder(folder: str):
    """A SentenceTransformer from a local folder; a plain BERT folder gets mean pooling.

    The folder must be absolute: a relative name sends sentence-transformers to the Hub.
    """
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(folder, device=str(device()), local_files_only=True)


class CachedEncoder:
    """A frozen sentence encoder that encodes each distinct text once.

    The folds, permutations and learning-curve points of a run show the probe the same
    texts again and again, and the encoder never changes: only the labels and the
    subsets do. Encoding each text once turns the probe's permutation null from minutes
    of encoder passes into seconds of logistic regressions.
    """

    def __init__(self, encoder):
        self.encoder = encoder
        self._vectors: dict[tuple[int, str], np.ndarray] = {}

    def encode(self, texts: Sequence[str], batch_size: int, max_length: int) -> np.ndarray:
        new = [text for text in dict.fromkeys(texts) if (max_length, text) not in self._vectors]
        if new:
            self._vectors.update(zip(((max_length, t) for t in new), embed(self.encoder, new, batch_size, max_length)))
        return np.stack([self._vectors[(max_length, text)] for text in texts])


@lru_cache(maxsize=2)
def frozen_encoder(checkpoint: str) -> CachedEncoder:
    """One shared, never-trained encoder per checkpoint: folds reuse it and its vectors."""
    return CachedEncoder(load_sentence_encoder(checkpoints.resolve(checkpoint)))


def embed(encoder, texts: Sequence[str], batch_size: int, max_length: int) -> np.ndarray:
    """Sentence embeddings, truncated at `max_length` tokens with a warning."""
    encoder.max_seq_length = max_length  # set on every call: the frozen encoder is shared
    warn_if_truncated(token_lengths(encoder.tokenizer, texts), max_length)
    return encoder.encode(
        list(texts),
        batch_size=batch_size,
        convert_to_numpy=True,
        show_progress_bar=len(texts) >= PROGRESS_BAR_MIN_TEXTS and show_progress(),
    )
