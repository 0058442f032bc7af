"""Run folders: their layout, their atomic creation, and the provenance they record.

A run is built in a hidden sibling folder and renamed into place only when complete,
so a crash leaves no half-written run and never damages an earlier one.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Iterator

from stance.errors import RunError

CONFIG_FILE = "config.yaml"
RUN_FILE = "run.json"
MODEL_DIR = "model"
PREDICTIONS_FILE = "predictions.jsonl"
METRICS_FILE = "metrics.json"
REPORT_FILE = "report.md"
CONFUSION_PNG = "confusion_matrix.png"
CHANCE_FILE = "chance.json"    # label-permutation null, when the config asks for one
CURVE_FILE = "curve.jsonl"     # learning-curve predictions, when the config asks for one

RECORDED_PACKAGES = (
    "stance", "numpy", "scipy", "scikit-learn", "datasets", "pysbd", "pydantic",
    "torch", "transformers", "sentence-transformers", "setfit",
)


def is_main_process() -> bool:
    """False in the extra processes of `accelerate launch` / torchrun, which must not write."""
    return os.environ.get("RANK", "0") == "0"


def check_can_write(run_dir: Path, overwrite: bool) -> None:
    """Fail before any work if `run_dir` holds a run and `overwrite` was not asked for."""
    if run_dir.exists() and not overwrite:
        raise RunError(f"{run_dir}: a run already exists; pass --overwrite to replace it")
    if run_dir.exists() and not run_dir.is_dir():
        raise RunError(f"{run_dir}: exists and is not a folder")


@contextmanager
def staged(run_dir: Path, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary folder that becomes `run_dir` if the block completes."""
    check_can_write(run_dir, overwrite)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.tmp-", dir=run_dir.parent))
    try:
        yield staging
        if run_dir.exists():
            # Move the old run aside first: until the new one is in place, one of
            # them is always complete on disk.
            retired = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.old-", dir=run_dir.parent))
            os.replace(run_dir, retired / run_dir.name)
            os.replace(staging, run_dir)
            shutil.rmtree(retired)
        else:
            os.replace(staging, run_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def require_run(run_dir: Path, *names: str) -> Path:
    """`run_dir` after checking it holds the named files."""
    if not run_dir.is_dir():
        raise RunError(f"{run_dir}: no such run folder (train one with `stance train`)")
    for name in names:
        if not (run_dir / name).exists():
            raise RunError(f"{run_dir / name}: missing; the run is incomplete")
    return run_dir


def git_commit() -> dict:
    """The commit of the code that produced a run, and whether the tree was dirty."""
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, cwd=Path(__file__).parent)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def package_versions() -> dict[str, str | None]:
    versions = {}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def provenance() -> dict:
    """Everything about the environment a run needs to record to be reproduced."""
    return {
        "git": git_commit(),
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def read_predictions(run_dir: Path) -> list[dict]:
    path = require_run(run_dir, PREDICTIONS_FILE) / PREDICTIONS_FILE
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
