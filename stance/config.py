"""Experiment configs: one YAML file per experiment, validated into typed objects.

Validation happens in full before any work starts. Every error names the file and
the dotted key (or the `--set` override that introduced it).
"""

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, SerializeAsAny, ValidationError

from stance.errors import ConfigError, yaml_problem
from stance.models import MODELS
from stance.models.base import ModelConfig
from stance.protocol_config import ProtocolConfig
from stance.schema import StrictConfig


class DataConfig(StrictConfig):
    source: Literal["seeds", "semeval2016"] = Field("seeds", description="the labelled articles, or SemEval-2016 Task 6")
    seeds_dir: Path = Field(Path("seeds"), description="folder holding articles/<id>/")
    semeval_dir: Path | None = Field(None, description="SemEval-2016 Task 6 folder (default: $STANCE_SEMEVAL_DIR)")


class AnalysisConfig(StrictConfig):
    """Extra training that the small-data report needs; each costs whole protocol reruns."""

    chance_permutations: int = Field(0, ge=0, description="label permutations retrained through the protocol (0: skip)")
    curve_sizes: tuple[int, ...] = Field((), description="smaller training-set sizes for the learning curve")
    curve_repeats: int = Field(3, ge=1, description="random training subsets per size and fold")


class ExperimentConfig(StrictConfig):
    name: str = Field(description="run name; the run folder is experiments/<name>")
    seed: int = Field(description="seeds fold shuffling and every model")
    data: DataConfig = DataConfig()
    protocol: ProtocolConfig
    analysis: AnalysisConfig = AnalysisConfig()
    # Validated against MODELS[model.type].Config by `validate_config`.
    model: SerializeAsAny[ModelConfig]

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def parse_override(text: str) -> tuple[list[str], Any]:
    """`model.C=0.5` -> (["model", "C"], 0.5); the value is parsed as YAML."""
    key, sep, value = text.partition("=")
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set {text}: expected KEY=VALUE with a dotted key, e.g. model.C=0.5")
    return key.split("."), yaml.safe_load(value)


def apply_override(raw: dict, keys: list[str], value: Any, text: str) -> None:
    node = raw
    for depth, key in enumerate(keys[:-1]):
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ConfigError(f"--set {text}: '{'.'.join(keys[: depth + 1])}' is not a section")
    node[keys[-1]] = value


def _describe(error: dict, prefix: tuple = ()) -> tuple[str, str]:
    loc = ".".join(str(part) for part in prefix + tuple(error["loc"]))
    if error["type"] == "extra_forbidden":
        return loc, "unknown key"
    if error["type"] == "missing":
        return loc, "missing required key"
    return loc, f"{error['msg']} (got {error['input']!r})"


def _fail(source: str, err: ValidationError, overrides: dict[str, str], prefix: tuple = ()) -> ConfigError:
    loc, problem = _describe(err.errors()[0], prefix)
    origin = f"--set {overrides[loc]}" if loc in overrides else source
    return ConfigError(f"{origin}: {loc}: {problem}")


def validate_config(raw: Any, source: str, overrides: dict[str, str] | None = None) -> ExperimentConfig:
    """Turn a parsed YAML mapping into an ExperimentConfig, or raise one ConfigError."""
    overrides = overrides or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of config sections")
    model_raw = raw.get("model")
    if not isinstance(model_raw, dict) or model_raw.get("type") not in MODELS:
        got = model_raw.get("type") if isinstance(model_raw, dict) else model_raw
        raise ConfigError(f"{source}: model.type: unknown model type {got!r} (known: {', '.join(MODELS)})")
    try:
        model = MODELS[model_raw["type"]].Config.model_validate(model_raw)
    except ValidationError as err:
        raise _fail(source, err, overrides, prefix=("model",)) from None
    try:
        return ExperimentConfig.model_validate({**raw, "model": model})
    except ValidationError as err:
        raise _fail(source, err, overrides) from None


def load_config(path: Path, overrides: list[str] = ()) -> ExperimentConfig:
    """Read `path`, apply `--set` overrides, and validate. The name defaults to the file stem."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(yaml_problem(path, err)) from None
    if isinstance(raw, dict):
        raw.setdefault("name", path.stem)
    applied = {}
    for text in overrides:
        keys, value = parse_override(text)
        if not isinstance(raw, dict):
            break
        apply_override(raw, keys, value, text)
        applied[".".join(keys)] = text
    return validate_config(raw, str(path), applied)
