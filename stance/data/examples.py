"""The one data type every stage uses, and the interface every data source implements."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

TRAIN, TEST = "train", "test"


@dataclass(frozen=True)
class Examples:
    """Labelled texts as parallel columns that fold indices select from.

    `group` is what a per-group breakdown and leave-one-group-out use: the article of a
    sentence, the labelled set of an item, or the target of a SemEval tweet. `split` is "test" only for a data set's
    own test split (SemEval); cross-validated data is all "train". `rationale` is None
    where the source has none.
    """

    id: np.ndarray
    text: np.ndarray
    label: np.ndarray
    group: np.ndarray
    target: np.ndarray
    split: np.ndarray
    rationale: np.ndarray
    source: np.ndarray  # "article", a labelled set's name, or the external data set's name
    family: np.ndarray  # the article unit an item was made from (contrast edits), else its own id
    tags: np.ndarray  # phenomenon tags (labelled sets), else an empty tuple

    @classmethod
    def from_rows(cls, rows: Sequence[dict[str, Any]]) -> "Examples":
        """Examples from dicts with one key per column."""

        def column(name: str) -> np.ndarray:
            values = np.empty(len(rows), dtype=object)  # object, so tuples stay one cell each
            values[:] = [row[name] for row in rows]
            return values

        return cls(**{name: column(name) for name in cls.__dataclass_fields__})

    def __len__(self) -> int:
        return len(self.id)

    @property
    def is_test(self) -> np.ndarray:
        return self.split == TEST

    def with_labels(self, labels: np.ndarray) -> "Examples":
        """The same examples with other labels (the permutation null's input)."""
        return replace(self, label=np.asarray(labels, dtype=object))

    def texts(self, rows: np.ndarray) -> list[str]:
        return self.text[rows].tolist()

    def labels(self, rows: np.ndarray) -> list[str]:
        return self.label[rows].tolist()

    def targets(self, rows: np.ndarray) -> list[str]:
        return self.target[rows].tolist()


class DataSource(ABC):
    """Where labelled examples come from: load them, and fingerprint what was loaded."""

    name: ClassVar[str]

    def __init__(self, config):
        self.config = config

    @abstractmethod
    def load(self) -> Examples:
        """Every example, validated: the first problem raises one DataError naming the file."""

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the examples were read from, as a run records it."""

    @abstractmethod
    def fingerprint(self) -> str:
        """sha256 over every file that defines the examples, recorded in each run."""
