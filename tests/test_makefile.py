"""The Makefile's pipeline: what `make evaluate` and `make study` decide to (re)build,
checked with `make -n` on a copy of the repo whose every run is up to date."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from stance.config import compose, load_config
from stance.models import MODELS
from stance.study import load_study, make_dependencies

REPO = Path(__file__).resolve().parents[1]
STUDIES = [REPO / "configs/study/headline.yaml", REPO / "configs/study/full.yaml"]
FULL_RUNS = load_study(STUDIES[1]).runs
HEADLINE_RUNS = load_study(STUDIES[0]).runs

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def trained(root: Path, target: str, *what_if: str) -> set[str]:
    """The runs `make -n target` would train, if each `what_if` file had just changed."""
    flags = [arg for path in what_if for arg in ("-W", path)]
    result = subprocess.run(["make", "-n", *flags, target], cwd=root, capture_output=True, text=True, check=True)
    return set(re.findall(r"stance train --config configs/(\S+)\.yaml", result.stdout))


def _touch(path: Path, when: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, (when, when))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The Makefile over the repo's own configs, code and seeds (linked), a set-up .venv
    stamp, and every run of both studies trained, scored and reported after the last change."""
    root = tmp_path_factory.mktemp("project")
    shutil.copy(REPO / "Makefile", root / "Makefile")
    for name in ("configs", "stance", "seeds"):
        (root / name).symlink_to(REPO / name)
    past, future = time.time() - 3600, time.time() + 3600
    _touch(root / "pyproject.toml", past)
    _touch(root / ".venv/.installed", future)
    cwd = os.getcwd()
    os.chdir(root)  # make-deps writes paths relative to where make runs
    try:
        deps = make_dependencies([Path("configs/study/headline.yaml"), Path("configs/study/full.yaml")])
    finally:
        os.chdir(cwd)
    (root / "experiments/.make").mkdir(parents=True)
    (root / "experiments/.make/deps.mk").write_text(deps)
    _touch(root / "experiments/.make/deps.mk", future)
    for run in FULL_RUNS:
        for name in ("predictions.jsonl", "metrics.json"):
            _touch(root / "experiments" / run / name, future)
    for report in ("experiments/REPORT.md", "experiments/study/REPORT.md"):
        _touch(root / report, future + 60)
    return root


def runs_of_type(model_type: str) -> set[str]:
    return {run for run in FULL_RUNS if load_config(REPO / "configs" / f"{run}.yaml").model.type == model_type}


def test_an_up_to_date_pipeline_does_nothing(project):
    assert trained(project, "study") == set()


def test_evaluate_trains_the_headline_study_only(project):
    assert trained(project, "evaluate", "stance/train.py") == set(HEADLINE_RUNS)
    assert {"majority_grouped", "tfidf_logreg_grouped", "embeddings_grouped", "transformer_grouped"} == set(
        HEADLINE_RUNS
    )


@pytest.mark.parametrize("model_type", list(MODELS))
def test_a_change_to_a_model_module_retrains_exactly_the_runs_of_that_type(project, model_type):
    module = Path(*MODELS[model_type].__module__.split(".")).with_suffix(".py")
    assert runs_of_type(model_type), f"no run of {model_type} in the full study"
    assert trained(project, "study", str(module)) == runs_of_type(model_type)


def test_a_change_to_the_training_code_or_the_seeds_retrains_every_run(project):
    assert trained(project, "study", "stance/train.py") == set(FULL_RUNS)
    seed_file = next(p for p in (REPO / "seeds/sets").rglob("*") if p.is_file()).relative_to(REPO)
    assert trained(project, "study", str(seed_file)) == set(FULL_RUNS)


def test_a_change_to_a_model_config_retrains_the_runs_that_name_it(project):
    component = (REPO / "configs/model/tfidf_svm.yaml").resolve()
    naming = {
        run for run in FULL_RUNS if component in {p.resolve() for p in compose(REPO / "configs" / f"{run}.yaml")[2]}
    }
    assert naming and trained(project, "study", "configs/model/tfidf_svm.yaml") == naming


def test_a_change_to_the_scoring_code_rescores_without_retraining(project):
    # (stance/evaluation/metrics.py is scoring code that training imports too: it does both.)
    result = subprocess.run(
        ["make", "-n", "-W", "stance/report/summary.py", "evaluate"], cwd=project, capture_output=True, text=True
    )
    assert "stance train" not in result.stdout
    assert set(re.findall(r"stance evaluate --run experiments/(\S+)", result.stdout)) == set(HEADLINE_RUNS)
    assert "stance report --study configs/study/headline.yaml" in result.stdout


def test_the_package_has_no_relative_imports_which_the_training_code_search_would_miss():
    import ast

    for path in (REPO / "stance").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        relative = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0]
        assert not relative, f"{path}: relative import on line {relative[0]}"
