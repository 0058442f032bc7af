"""The multi-process path: `accelerate launch --num_processes 2` trains data-parallel (gloo
on the CPU here, the same code path as several GPUs with NCCL) and one process writes the run."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import constructed_items, write_set

from stance.labels import LABELS
from stance.predict import load_run_model
from stance.runs import Run

ACCELERATE = shutil.which("accelerate", path=str(Path(sys.executable).parent))


@pytest.mark.slow
@pytest.mark.skipif(ACCELERATE is None, reason="accelerate's launcher is not installed")
def test_two_processes_train_one_run_that_validates_and_predicts_as_its_model(seeds_dir, tiny_bert, tmp_path):
    # cross_set keeps its fold model as the run's model, so the run's predictions come
    # from the very model it saved.
    write_set(seeds_dir, "constructed", "constructed", constructed_items())
    config = tmp_path / "ddp.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "seed": 7,
                "data": {"seeds_dir": str(seeds_dir), "sets": ["constructed"]},
                "protocol": {"type": "cross_set", "train_sources": ["article"], "test_sources": ["constructed"]},
                "model": {"type": "transformer", "checkpoint": str(tiny_bert), "epochs": 2, "batch_size": 2,
                          "max_length": 32},
            }
        )
    )  # fmt: skip
    run_dir = tmp_path / "run"
    # `--cpu` would run one process (accelerate 1.x starts several CPU processes only
    # through mpirun); `--multi_gpu` starts them with torchrun, and on a machine without
    # GPUs torch.distributed then uses gloo on the CPU.
    launch = [ACCELERATE, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1"]
    launch += ["--mixed_precision", "no"]
    launch += ["--dynamo_backend", "no", "-m", "stance", "train", "--config", str(config), "--out", str(run_dir)]
    done = subprocess.run(launch, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]

    assert done.stdout.count("wrote ") == 1, done.stdout  # one process writes, and says so
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no staging left
    run = Run.open(run_dir)
    assert run.record.world_size == 2
    assert len(run.predictions) == run.record.n_predictions == len(constructed_items())

    model = load_run_model(run)
    tested = run.test_predictions
    expected = model.predict_proba([row.text for row in tested])
    saved = np.array([[row.probabilities[label] for label in LABELS] for row in tested])
    assert np.allclose(saved, expected, atol=1e-5)
    assert json.loads((run_dir / "run.json").read_text())["command"][-4:] == [
        "--config",
        str(config),
        "--out",
        str(run_dir),
    ]


def test_gpu_check_says_in_one_line_that_it_needs_a_gpu(monkeypatch, capsys, tmp_path):
    import torch

    from stance import gpu_check

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu_check.main(["--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "error: no CUDA GPU visible to torch; make gpu-check needs one\n"
    assert not (tmp_path / "gpu.md").exists()
