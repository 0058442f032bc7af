"""What a run records about the environment that produced it: commit, packages, machine."""

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

RECORDED_PACKAGES = (
    "stance", "numpy", "scipy", "scikit-learn", "datasets", "pysbd", "pydantic",
    "torch", "transformers", "accelerate", "sentence-transformers", "setfit",
)  # fmt: skip


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


def world_size() -> int:
    """Processes training together under `accelerate launch` / torchrun (1 otherwise)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    """False in the extra processes of `accelerate launch` / torchrun, which must not write."""
    return os.environ.get("RANK", "0") == "0"


def environment() -> dict:
    """The RunRecord fields that describe the code and machine, not the experiment."""
    return {
        "world_size": world_size(),
        "git": git_commit(),
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def machine() -> str:
    """This machine in one line, measured: architecture, usable cores, GPU if any, Python."""
    description = f"{platform.machine()} {platform.system()}, {len(os.sched_getaffinity(0))} CPU cores"
    try:
        import torch

        description += f", {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ", no GPU"
    except ImportError:
        pass
    return f"{description}, Python {platform.python_version()}"
