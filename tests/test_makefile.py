"""The Makefile's pipeline: what `make evaluate` decides to (re)build, checked with `make -n`."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def dry_run(root: Path, target: str) -> str:
    result = subprocess.run(["make", "-n", target], cwd=root, capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture
def project(tmp_path):
    """The Makefile beside a set-up .venv stamp, one config with its run, and a report."""
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    for path in ("pyproject.toml", ".venv/.installed", "stance/runs.py", "configs/old.yaml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    for path in ("experiments/old/predictions.jsonl", "experiments/old/metrics.json", "experiments/REPORT.md"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    return tmp_path


def test_an_up_to_date_pipeline_does_nothing(project):
    assert "stance" not in dry_run(project, "evaluate")


def test_a_config_older_than_the_report_is_still_trained_when_its_run_is_missing(project):
    new = project / "configs" / "new.yaml"
    new.write_text("")
    report = project / "experiments" / "REPORT.md"
    os.utime(new, (report.stat().st_mtime - 60,) * 2)  # e.g. copied with its mtime kept

    commands = dry_run(project, "evaluate")
    assert "stance train --config configs/new.yaml" in commands
    assert "stance evaluate --run experiments/new" in commands
    assert "configs/old.yaml" not in commands
