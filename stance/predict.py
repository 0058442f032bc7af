"""`stance predict`: score new sentences with a trained run's final model."""

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from stance import files
from stance.ensemble import EnsembleModel, member_runs, meta_learner
from stance.errors import DataError, RunError
from stance.labels import LABELS
from stance.models import MODELS, StanceModel
from stance.runs import Run
from stance.search_space import config_with


def load_run_model(run: Run) -> StanceModel | EnsembleModel:
    """The final model of a run, rebuilt from its saved config and weights (or its members')."""
    if run.record.ensemble is not None:
        members = [load_run_model(member) for member in member_runs(run)]
        return EnsembleModel(members, run.record.ensemble.weights, meta_learner(run))
    config = run.config
    if run.record.tuning is not None:  # the saved model was trained with its last study's choice
        config = config_with(config, run.record.tuning.studies[-1].settings)
    folder = run.model_folder()
    try:
        return MODELS[config.model.type].load(folder, config.model, config.seed)
    except Exception as err:  # noqa: BLE001 - any failure to read saved weights means a damaged run
        # joblib, torch, safetensors and transformers each raise their own errors on a
        # missing or cut file; the user's next step is the same for all of them.
        problem = (str(err).strip().splitlines() or [""])[0][:200]
        raise RunError(
            f"{folder}: cannot load the saved model ({type(err).__name__}: {problem}); "
            "the run is incomplete or corrupt (train it again)"
        ) from None


def read_inputs(path: Path) -> tuple[list[str], list[str] | None]:
    """Sentences from a .txt file (one a line) or a .jsonl file with a "text" field.

    JSONL rows may also carry a "target" (multi-target models such as SemEval's); then
    every row must.
    """
    if not path.is_file():
        raise DataError(f"{path}: input file not found")
    if path.suffix not in (".txt", ".jsonl"):
        raise DataError(f"{path}: expected a .txt or .jsonl file")
    texts, targets = [], []
    if path.suffix == ".txt":
        texts = [line.strip() for line in files.read_text(path, DataError).splitlines() if line.strip()]
    rows = files.jsonl_rows(path, DataError) if path.suffix == ".jsonl" else ()
    for line_no, row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
            raise DataError(f'{path}:{line_no}: expected an object with a non-empty "text" string')
        if texts and ("target" in row) != bool(targets):
            raise DataError(f'{path}:{line_no}: either every row has a "target" or none does')
        texts.append(row["text"])
        if "target" in row:
            targets.append(str(row["target"]))
    if not texts:
        raise DataError(f"{path}: no sentences (the file is empty or every line is blank)")
    return texts, (targets or None)


def check_output_path(path: Path) -> None:
    """Fail before any work if predictions could not be written to `path`."""
    if path.is_dir():
        raise DataError(f"{path}: --output is a folder; give a file name")
    if not path.parent.is_dir():
        raise DataError(f"{path.parent}: --output's folder does not exist")


def predictions(
    model, texts: Sequence[str], targets: Sequence[str] | None = None, batch_size: int = 256
) -> Iterator[dict]:
    """One output row per text: the text, its label, and the probability of each label."""
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        batch_targets = None if targets is None else targets[start : start + batch_size]
        for i, (text, proba) in enumerate(zip(batch, model.predict_proba(batch, batch_targets))):
            yield {
                "text": text,
                **({"target": batch_targets[i]} if batch_targets else {}),
                "label": LABELS[int(proba.argmax())],
                "probabilities": {label: round(float(p), 6) for label, p in zip(LABELS, proba)},
            }


def format_jsonl(rows: Iterator[dict]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"
