"""`stance label suggest`: a run's guesses on unlabelled items, in the order to label them."""

import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from stance.config import DEFAULT_CHECKPOINT
from stance.errors import DataError
from stance.labelling import strategies
from stance.labelling.pool import Item, read_pool
from stance.labels import LABELS
from stance.runs import Run


class Suggestion(BaseModel):
    """One row of suggestions.jsonl: an item, its place in the order, and the run's guess."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rank: int  # 1: label first
    id: str
    text: str
    predicted: str
    score: float  # the run's probability of `predicted`
    probabilities: dict[str, float]  # in LABELS order
    strategy: str
    run: str


def frozen_vectors(texts: list[str], checkpoint: str) -> np.ndarray:
    """The frozen encoder's sentence vectors, for the diversity strategy."""
    from stance.models.encoder import frozen_encoder

    return frozen_encoder(checkpoint).encode(texts, batch_size=64, max_length=128)


def suggest(
    run_dir: Path,
    pool: Path,
    strategy: str = strategies.DEFAULT_STRATEGY,
    n: int | None = None,
    seed: int = 0,
    encoder: str = DEFAULT_CHECKPOINT,
) -> list[Suggestion]:
    """The pool's items ordered by `strategy` from the run's final model, the first `n`."""
    from stance.predict import load_run_model

    if n is not None and n < 1:
        raise DataError(f"--n: must be at least 1, got {n}")
    items: list[Item] = read_pool(pool)
    run = Run.open(run_dir)
    model = load_run_model(run)
    texts = [item.text for item in items]
    proba = model.predict_proba(texts, None)
    vectors = frozen_vectors(texts, encoder) if strategy == "diversity" else None
    batch = n or strategies.DEFAULT_BATCH
    ranked = strategies.order(strategy, proba, seed, vectors=vectors, batch=batch)[:n]
    return [
        Suggestion(
            rank=rank,
            id=items[i].id,
            text=items[i].text,
            predicted=LABELS[int(np.argmax(proba[i]))],
            score=round(float(np.max(proba[i])), 6),
            probabilities={label: round(float(p), 6) for label, p in zip(LABELS, proba[i])},
            strategy=strategy,
            run=run.name,
        )
        for rank, i in enumerate(ranked, 1)
    ]


def read_suggestions(path: Path) -> list[Suggestion]:
    """suggestions.jsonl as `stance label suggest` wrote it; one error line otherwise."""
    from pydantic import ValidationError

    from stance import files

    if not Path(path).is_file():
        raise DataError(f"{path}: not found; write it with stance label suggest --out {path}")
    rows = []
    for line_no, line in enumerate(files.read_text(Path(path), DataError).splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(Suggestion.model_validate_json(line))
        except ValidationError as err:
            problem = err.errors()[0]
            where = ".".join(map(str, problem["loc"])) or "row"
            raise DataError(f"{path}:{line_no}: {where}: {problem['msg']}") from None
    if not rows:
        raise DataError(f"{path}: no suggestions (the file is empty)")
    return rows


def to_jsonl(rows: list[Suggestion]) -> str:
    return "".join(json.dumps(row.model_dump(), ensure_ascii=False) + "\n" for row in rows)
