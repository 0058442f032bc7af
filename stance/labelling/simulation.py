"""Does ordering pay? Pool-based active learning simulated on the labelled items.

For each seed, a family-grouped stratified quarter of the items is held out for scoring
(contrast edits stay with their article unit); the rest is the pool. Every strategy
starts from the same stratified random seed set, then queries `batch` items a round
from the pool by its order, retrains and scores, until `budget` labels. The gold labels
stand in for the annotator. The cheap models only (TF-IDF and the frozen probe): every
round retrains, and the probe's vectors are encoded once.
"""

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

from stance import files
from stance.config import load_config
from stance.data import open_source
from stance.errors import ConfigError
from stance.evaluation.metrics import scores
from stance.labelling import strategies
from stance.labelling.suggest import frozen_vectors
from stance.train import build_model


class SimulationConfig(BaseModel):
    """configs/simulation/*.yaml: which runs' models and data, which strategies, what budget."""

    model_config = ConfigDict(extra="forbid")

    runs: list[str] = Field(min_length=1, description="run configs (configs/<name>.yaml) whose data and model are used")
    strategies: list[str] = Field(min_length=1)
    seed_size: int = Field(ge=3, description="labels before the first query: stratified random")
    batch: int = Field(ge=1, description="items queried a round")
    budget: int = Field(description="labels at the end")
    seeds: int = Field(ge=2, description="repetitions: held-out split, seed set and random order differ")
    test_fraction_folds: int = Field(4, ge=2, description="1/k of the items held out for scoring")

    @field_validator("strategies")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        unknown = [n for n in names if n not in strategies.STRATEGIES]
        if unknown:
            raise ValueError(f"unknown strategy {unknown[0]!r} (expected one of {', '.join(strategies.STRATEGIES)})")
        if "random" not in names:
            raise ValueError("the control, random, must be one of them")
        return names


class CurvePoint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    run: str
    strategy: str
    seed: int
    n_labels: int
    macro_f1: float


def load_simulation(path: Path) -> SimulationConfig:
    from pydantic import ValidationError

    raw = files.read_yaml(Path(path), ConfigError)
    try:
        config = SimulationConfig.model_validate(raw)
    except ValidationError as err:
        problem = err.errors()[0]
        raise ConfigError(f"{path}: {'.'.join(map(str, problem['loc'])) or 'file'}: {problem['msg']}") from None
    if config.budget <= config.seed_size:
        raise ConfigError(f"{path}: budget: must exceed seed_size ({config.seed_size}), got {config.budget}")
    return config


def _split(labels: np.ndarray, families: np.ndarray, folds: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(pool, held-out) indices: one family-grouped stratified fold held out."""
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    pool, held_out = next(splitter.split(np.zeros(len(labels)), labels, families))
    return pool, held_out


def _curve(run_config, examples, vectors, pool, held_out, start, strategy, sim, seed) -> list[tuple[int, float]]:
    """(labels, held-out macro-F1) after the seed set and after each round of `strategy`."""
    texts, labels = examples.text, examples.label
    labelled, points = list(start), []
    while True:
        model = build_model(run_config, seed).fit(list(texts[labelled]), list(labels[labelled]))
        predicted = model.predict(list(texts[held_out]))
        points.append((len(labelled), scores(list(labels[held_out]), predicted)["macro_f1"]))
        if len(labelled) >= sim.budget:
            return points
        rest = np.setdiff1d(pool, labelled)  # sorted, so every strategy sees the same order
        proba = model.predict_proba(list(texts[rest]))
        batch = min(sim.batch, sim.budget - len(labelled))
        chosen = strategies.order(strategy, proba, seed * 1000 + len(labelled), vectors=vectors[rest], batch=batch)
        labelled += [int(i) for i in rest[chosen[:batch]]]


def simulate(sim: SimulationConfig, configs_dir: Path = Path("configs")) -> list[CurvePoint]:
    """Every strategy's learning curve, for every run's model and every seed."""
    points = []
    for name in sim.runs:
        run_config = load_config(configs_dir / f"{name}.yaml")
        examples = open_source(run_config.data).load()
        vectors = (
            frozen_vectors(list(examples.text), strategies_checkpoint(run_config))
            if "diversity" in sim.strategies
            else np.zeros((len(examples.text), 1))
        )
        for seed in range(sim.seeds):
            pool, held_out = _split(examples.label, examples.family, sim.test_fraction_folds, seed)
            start, _ = train_test_split(
                pool, train_size=sim.seed_size, stratify=examples.label[pool], random_state=seed
            )
            for strategy in sim.strategies:
                curve = _curve(run_config, examples, vectors, pool, held_out, start, strategy, sim, seed)
                points += [CurvePoint(run=name, strategy=strategy, seed=seed, n_labels=n, macro_f1=f) for n, f in curve]
    return points


def strategies_checkpoint(run_config) -> str:
    """The frozen encoder the diversity strategy clusters with: the run's own, else MiniLM."""
    from stance.config import DEFAULT_CHECKPOINT

    return getattr(run_config.model, "checkpoint", DEFAULT_CHECKPOINT)
