"""SemEval-2016 Task 6, subtask A: the organizers' files -> Examples grouped by target.

The files may not be redistributed, so they are never in this repository: the loader
reads them from `data.semeval_dir` in the config or the STANCE_SEMEVAL_DIR variable.
Obtain them from http://www.saifmohammad.com/WebPages/StanceDataset.htm.

Format (from the organizers' release): tab-separated with a header row, CRLF line
endings, latin-1 safe (two training tweets hold non-UTF-8 bytes), and every tweet ends
in the marker hashtag `#SemST`, which annotators never saw and which is stripped here.
"""

import hashlib
import os
import re
from pathlib import Path

from stance.data.examples import TEST, TRAIN, DataSource, Examples
from stance.errors import DataError, where
from stance.labels import LABELS

ENV_VAR = "STANCE_SEMEVAL_DIR"
OBTAIN = "obtain the files from http://www.saifmohammad.com/WebPages/StanceDataset.htm"
TRIAL_FILE = "trialdata-all-annotations.txt"
TRAINING_FILE = "semeval2016-task6-trainingdata.txt"
TEST_FILE = "SemEval2016-Task6-subtaskA-testdata-gold.txt"
SPLIT_FILES = {TRAIN: (TRIAL_FILE, TRAINING_FILE), TEST: (TEST_FILE,)}
COLUMNS = ("ID", "Target", "Tweet", "Stance")
MARKER = re.compile(r"\s*#SemST\s*$")


def resolve_dir(configured: Path | None) -> Path:
    """The data folder from the config, else the environment; a clear error if neither exists."""
    folder = configured or (Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else None)
    if folder is None:
        raise DataError(
            f"data.semeval_dir: not set (nor {ENV_VAR}); point it at the SemEval-2016 Task 6 folder; {OBTAIN}"
        )
    if not folder.is_dir():
        raise DataError(f"data.semeval_dir: {folder} does not exist; {OBTAIN}")
    return folder


def read_file(path: Path) -> list[dict]:
    """Rows of one organizers' file (4 columns, or 6 for the 'all annotations' release)."""
    if not path.is_file():
        raise DataError(f"{path}: missing SemEval file; {OBTAIN}")
    # splitlines() drops the CRLF endings; latin-1 decodes every byte, so nothing is lost.
    lines = path.read_text(encoding="latin-1").splitlines()
    header = lines[0].split("\t")
    if tuple(header[:4]) != COLUMNS:
        raise DataError(f"{where(path, 1)}: expected header columns {list(COLUMNS)}, got {header}")
    rows = []
    for line_no, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise DataError(f"{where(path, line_no)}: expected {len(header)} tab-separated fields, got {len(fields)}")
        tweet_id, target, tweet, stance = fields[:4]
        if stance not in LABELS:
            raise DataError(f"{where(path, line_no)}: unknown label '{stance}' (expected one of {', '.join(LABELS)})")
        text = MARKER.sub("", tweet).strip()
        if not text:
            raise DataError(f"{where(path, line_no)}: empty tweet")
        rows.append({"id": f"semeval-{tweet_id}", "target": target, "text": text, "label": stance})
    return rows


def load_split(folder: Path, split: str) -> list[dict]:
    """Example rows of train (trial + training, 2,914 tweets) or test (subtask-A gold, 1,249)."""
    rows = [row for name in SPLIT_FILES[split] for row in read_file(folder / name)]
    seen = set()
    for row in rows:
        if row["id"] in seen:
            raise DataError(f"{folder}: duplicate tweet id {row['id']} in split '{split}'")
        seen.add(row["id"])
    # A tweet's group is its target: the report breaks results down per target.
    return [
        {
            **row,
            "group": row["target"],
            "split": split,
            "rationale": None,
            "source": SemEvalSource.name,
            "family": row["id"],
            "tags": (),
        }
        for row in rows
    ]


class SemEvalSource(DataSource):
    """SemEval-2016 Task 6 from `data.semeval_dir`: train, then the official test split."""

    name = "semeval2016"

    def load(self) -> Examples:
        folder = resolve_dir(self.config.semeval_dir)
        return Examples.from_rows(load_split(folder, TRAIN) + load_split(folder, TEST))

    @property
    def location(self) -> str:
        return str(resolve_dir(self.config.semeval_dir))

    def fingerprint(self) -> str:
        """sha256 over the files the loader reads, in a fixed order."""
        folder = resolve_dir(self.config.semeval_dir)
        digest = hashlib.sha256()
        for name in (*SPLIT_FILES[TRAIN], *SPLIT_FILES[TEST]):
            digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
        return digest.hexdigest()
