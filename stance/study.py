"""Studies: a named list of runs, the baseline their paired tests use, and where their
report goes (configs/study/*.yaml); and what make needs to keep their runs up to date.

`make evaluate` runs configs/study/headline.yaml and `make study` configs/study/full.yaml.
make learns each run's prerequisites from `stance make-deps`: its composed config files
and the code that trains it. The code is found by following the imports of
stance/train.py and of the run's model module, so a change to stance/models/tfidf.py
retrains the tfidf runs and no other; the registry stance/models/__init__.py, which
imports every model, is a prerequisite of every run but its imports are not followed.
"""

import ast
import os
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from stance import files
from stance.config import StrictConfig, compose, load_config
from stance.errors import ConfigError

PACKAGE = Path(__file__).resolve().parent
TRAINING_ENTRY = "stance.train"
MODEL_REGISTRY = "stance.models"


class StudyConfig(StrictConfig):
    name: str
    question: str | None = Field(None, description="what the study asks, the first line of its report")
    report: Path = Field(description="folder that gets REPORT.md, REPORT.html and figures/")
    baseline: tuple[str, ...] = Field(
        min_length=1, description="runs the others are tested against, each paired with the runs on its folds"
    )
    runs: tuple[str, ...] = Field(min_length=1, description="run configs, by path under configs/ without .yaml")

    @field_validator("baseline", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return (value,) if isinstance(value, str) else value


def configs_root(study_path: Path) -> Path:
    """configs/ for configs/study/x.yaml."""
    return Path(study_path).parent.parent


def load_study(path: Path) -> StudyConfig:
    """Read and check a study file: every run it names has a config, every baseline is one of its runs."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: study file not found")
    raw = files.read_yaml(path, ConfigError)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with report, baseline and runs")
    try:
        study = StudyConfig.model_validate({"name": path.stem, **raw})
    except ValidationError as err:
        error = err.errors()[0]
        loc = ".".join(str(part) for part in error["loc"])
        problem = {"extra_forbidden": "unknown key", "missing": "missing required key"}.get(error["type"], error["msg"])
        raise ConfigError(f"{path}: {loc}: {problem}") from None
    for index, run in enumerate(study.runs):
        if not run_config(path, run).is_file():
            raise ConfigError(f"{path}: runs[{index}]: no config {run_config(path, run)}")
    for name in study.baseline:
        if name not in study.runs:
            raise ConfigError(f"{path}: baseline: '{name}' is not one of the study's runs")
    return study


def run_config(study_path: Path, run: str) -> Path:
    return configs_root(study_path) / f"{run}.yaml"


# --- the code that trains a run ---------------------------------------------------------


def _module_file(module: str) -> Path | None:
    parts = module.split(".")[1:]
    candidates = [PACKAGE.joinpath(*parts).with_suffix(".py")] if parts else []
    return next((path for path in [*candidates, PACKAGE.joinpath(*parts, "__init__.py")] if path.is_file()), None)


def _imported(module: str) -> set[str]:
    """The stance modules `module` imports anywhere in its file, functions included."""
    source = _module_file(module)
    found = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from stance.models import checkpoints` imports a module; `... import MODELS`, a name.
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if _module_file(child) else node.module)
    return {name for name in found if name.split(".")[0] == "stance" and _module_file(name)}


def code_closure(module: str) -> set[Path]:
    """Files of `module` and of every stance module it imports, transitively; the model
    registry is included but not followed (it imports every model type)."""
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if current != MODEL_REGISTRY:
            todo += _imported(current)
    return {_module_file(name) for name in seen}


def training_code(model_type: str) -> list[Path]:
    """The files whose change can change the predictions of a run of `model_type`."""
    from stance.models import MODELS

    module = MODELS[model_type].__module__
    return sorted(code_closure(TRAINING_ENTRY) | code_closure(module))


# --- make's view of the studies ---------------------------------------------------------


def _relative(path: Path) -> str:
    """`path` as make, run where the configs and the package are, should name it."""
    path = Path(os.path.abspath(path))
    if path.is_relative_to(PACKAGE) and (Path.cwd() / "stance").is_dir():
        if os.path.samefile(Path.cwd() / "stance", PACKAGE):
            return str(Path("stance") / path.relative_to(PACKAGE))
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def make_dependencies(study_paths: list[Path]) -> str:
    """A makefile fragment: `<STUDY>_RUNS := ...` per study, and for each run the files
    its predictions depend on (composed configs, training code)."""
    lines = ["# Written by `stance make-deps`; make rewrites it when a config or the code changes.", ""]
    runs: dict[str, list[str]] = {}
    for path in study_paths:
        study = load_study(path)
        lines.append(f"{study.name.upper()}_RUNS := {' '.join(study.runs)}")
        for run in study.runs:
            if run not in runs:
                config_path = run_config(path, run)
                code = training_code(load_config(config_path).model.type)
                runs[run] = [_relative(p) for p in [*compose(config_path)[2], *code]]
    lines.append("")
    for run, prerequisites in runs.items():
        lines.append(f"experiments/{run}/predictions.jsonl: {' '.join(prerequisites)}")
    return "\n".join(lines) + "\n"
