"""`stance predict`: score new sentences with a trained run's final model."""

import json
from pathlib import Path
from typing import Iterator, Sequence

from stance import runs
from stance.config import validate_config
from stance.errors import DataError, where
from stance.labels import LABELS
from stance.models import MODELS, StanceModel

import yaml


def load_run_model(run_dir: Path) -> StanceModel:
    """The final model of a run, rebuilt from its saved config and weights."""
    runs.require_run(run_dir, runs.CONFIG_FILE, runs.MODEL_DIR)
    config_path = run_dir / runs.CONFIG_FILE
    config = validate_config(yaml.safe_load(config_path.read_text(encoding="utf-8")), str(config_path))
    return MODELS[config.model.type].load(run_dir / runs.MODEL_DIR, config.model, config.seed)


def read_inputs(path: Path) -> list[str]:
    """Sentences from a .txt file (one a line) or a .jsonl file with a "text" field."""
    if not path.is_file():
        raise DataError(f"{path}: input file not found")
    if path.suffix not in (".txt", ".jsonl"):
        raise DataError(f"{path}: expected a .txt or .jsonl file")
    texts = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        if path.suffix == ".txt":
            texts.append(line.strip())
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(f"{where(path, line_no)}: malformed JSON ({err.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
            raise DataError(f"{where(path, line_no)}: expected an object with a non-empty \"text\" string")
        texts.append(row["text"])
    return texts


def predictions(model: StanceModel, texts: Sequence[str], batch_size: int = 256) -> Iterator[dict]:
    """One output row per text: the text, its label, and the probability of each label."""
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        for text, proba in zip(batch, model.predict_proba(batch)):
            yield {
                "text": text,
                "label": LABELS[int(proba.argmax())],
                "probabilities": {label: round(float(p), 6) for label, p in zip(LABELS, proba)},
            }


def format_jsonl(rows: Iterator[dict]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"
