"""Loading and running a sentence-transformers encoder (mean pooling), offline."""

from functools import lru_cache
from typing import Sequence

import numpy as np

from stance import checkpoints
from stance.models.hf_common import PROGRESS_BAR_MIN_TEXTS, device, token_lengths, warn_if_truncated


def load_encoder(folder: str):
    """A SentenceTransformer from a local folder; a plain BERT folder gets mean pooling.

    The folder must be absolute: a relative name sends sentence-transformers to the Hub.
    """
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(folder, device=str(device()), local_files_only=True)


@lru_cache(maxsize=2)
def frozen_encoder(checkpoint: str):
    """One shared, never-trained encoder per checkpoint: folds reuse it instead of reloading."""
    return load_encoder(checkpoints.resolve(checkpoint))


def embed(encoder, texts: Sequence[str], batch_size: int, max_length: int) -> np.ndarray:
    """Sentence embeddings, truncated at `max_length` tokens with a warning."""
    encoder.max_seq_length = max_length  # set on every call: the frozen encoder is shared
    warn_if_truncated(token_lengths(encoder.tokenizer, texts), max_length)
    return encoder.encode(
        list(texts),
        batch_size=batch_size,
        convert_to_numpy=True,
        show_progress_bar=len(texts) >= PROGRESS_BAR_MIN_TEXTS,
    )
