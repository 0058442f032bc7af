"""What nested tuning may search: each model type's default space, and checks that a
config's space names real model keys with values those keys accept.

Plain data and validation, no Optuna: configs are checked before any work, and cheaply.
"""

import json
from typing import Any

from pydantic import ValidationError

from stance.config import ExperimentConfig, ModelConfig, SearchChoices, SearchRange
from stance.errors import ConfigError

Dimension = SearchRange | SearchChoices


def _choices(*values) -> SearchChoices:
    return SearchChoices(choices=values)


# The spaces the issue names, per model type. Ranges span what the field uses for data of
# this size: C over four decades either side of sklearn's 1, learning rates around the
# 2e-5..1e-4 that BERT-size fine-tuning uses, epochs up to the ~115 updates that a
# 355-item fold gets at 5 epochs of batch 16.
DEFAULT_SPACES: dict[str, dict[str, Dimension]] = {
    "tfidf": {
        "C": SearchRange(low=0.01, high=100, log=True),
        "word_ngram_range": _choices([1, 1], [1, 2], [1, 3]),
        "char_ngram_range": _choices([2, 4], [2, 5], [3, 5]),
        "min_df": _choices(1, 2),
        "sublinear_tf": _choices(True, False),
    },
    "embeddings": {"C": SearchRange(low=0.01, high=100, log=True)},
    "transformer": {
        "learning_rate": SearchRange(low=1e-5, high=2e-4, log=True),
        "epochs": _choices(2, 3, 5),
        "warmup_fraction": _choices(0.0, 0.1, 0.2),
        "pooling": _choices("mean", "cls", "pooler"),
        "head_init": _choices("probe", "random"),
    },
    # The pair budget stays at 1-2 pairs per item and iteration: one iteration over a
    # 355-item fold is ~40 s on 2 CPU cores, so SetFit's own default of 20 would make one
    # trial cost more than a whole untuned run.
    "setfit": {
        "body_learning_rate": SearchRange(low=5e-6, high=1e-4, log=True),
        "num_iterations": _choices(1, 2),
        "C": SearchRange(low=0.01, high=100, log=True),
    },
}


def space_of(config: ExperimentConfig) -> dict[str, Dimension]:
    """The space a tuned config searches: its own `tune.space`, else its model type's default."""
    if config.tune is None:
        return {}
    if config.tune.space is not None:
        return dict(config.tune.space)
    return DEFAULT_SPACES.get(config.model.type, {})


def is_integer(model: ModelConfig, key: str) -> bool:
    return type(model).model_fields[key].annotation is int


def model_with(model: ModelConfig, settings: dict[str, Any]) -> ModelConfig:
    """The model section with `settings` applied and validated (model_copy would not validate)."""
    return type(model).model_validate({**model.model_dump(), **settings})


def config_with(config: ExperimentConfig, settings: dict[str, Any]) -> ExperimentConfig:
    """The config whose model section has `settings` (a trial's, or a study's choice) applied."""
    return config.model_copy(update={"model": model_with(config.model, settings)})


def check_space(config: ExperimentConfig, source: str) -> None:
    """Every key of the space is a key of the model type, and every value it can take is
    one that key accepts; otherwise one ConfigError naming the file and `tune.space.<key>`."""
    if config.tune is None:
        return
    space = space_of(config)
    if not space:
        raise ConfigError(f"{source}: tune: model type '{config.model.type}' has nothing to tune; give tune.space")
    model = config.model
    for key, dimension in space.items():
        where = f"{source}: tune.space.{key}"
        if key == "type" or key not in type(model).model_fields:
            raise ConfigError(f"{where}: not a key of model type '{model.type}'")
        values = dimension.choices if isinstance(dimension, SearchChoices) else (dimension.low, dimension.high)
        if isinstance(dimension, SearchRange) and is_integer(model, key):
            if not all(float(v).is_integer() for v in values):
                raise ConfigError(f"{where}: model.{key} is an integer; low and high must be integers")
            values = tuple(int(v) for v in values)
        for value in values:
            try:
                model_with(model, {key: value})
            except ValidationError as err:
                raise ConfigError(f"{where}: {value!r} is not a valid model.{key} ({err.errors()[0]['msg']})") from None


def encode_choice(value: Any) -> Any:
    """Optuna's categorical values must be scalars; a list choice ([1, 3]) is its JSON text."""
    return value if value is None or isinstance(value, bool | int | float | str) else json.dumps(value)


def decode_choice(dimension: SearchChoices, encoded: Any) -> Any:
    return next(choice for choice in dimension.choices if encode_choice(choice) == encoded)


def describe(space: dict[str, Dimension]) -> str:
    """`C: 0.01–100 (log); min_df: 1 | 2`: a space as the report prints it."""
    parts = []
    for key, dimension in space.items():
        if isinstance(dimension, SearchRange):
            parts.append(f"{key}: {dimension.low:g}–{dimension.high:g}{' (log)' if dimension.log else ''}")
        else:
            parts.append(f"{key}: {' | '.join(str(encode_choice(c)) for c in dimension.choices)}")
    return "; ".join(parts)
