import re

import pytest

from stance import runs, staging
from stance.cli import main
from stance.errors import RunError
from stance.runs import Run


def make_run(run_dir, content):
    with staging.staged(run_dir, overwrite=run_dir.exists()) as run:
        (run.path / "marker.txt").write_text(content)


def test_a_completed_run_is_moved_into_place(tmp_path):
    make_run(tmp_path / "exp", "one")
    assert (tmp_path / "exp" / "marker.txt").read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["exp"]  # no staging leftovers


def test_a_failed_run_leaves_nothing_behind_and_keeps_the_earlier_run(tmp_path):
    make_run(tmp_path / "exp", "one")
    with pytest.raises(RuntimeError):
        with staging.staged(tmp_path / "exp", overwrite=True) as run:
            (run.path / "marker.txt").write_text("two")
            raise RuntimeError("crashed mid-run")
    assert (tmp_path / "exp" / "marker.txt").read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["exp"]


def test_an_existing_run_is_not_overwritten_without_permission(tmp_path):
    make_run(tmp_path / "exp", "one")
    with pytest.raises(RunError, match="already exists; pass --overwrite"):
        with staging.staged(tmp_path / "exp", overwrite=False):
            pass
    assert (tmp_path / "exp" / "marker.txt").read_text() == "one"


def test_overwrite_replaces_the_run_whole(tmp_path):
    make_run(tmp_path / "exp", "one")
    (tmp_path / "exp" / "stale.txt").write_text("old file")
    make_run(tmp_path / "exp", "two")
    assert sorted(p.name for p in (tmp_path / "exp").iterdir()) == ["marker.txt"]
    assert (tmp_path / "exp" / "marker.txt").read_text() == "two"


def trained_run(write_config, tmp_path):
    path = tmp_path / "experiments" / "toy"
    assert main(["train", "--config", str(write_config()), "--out", str(path)]) == 0
    return path


@pytest.mark.parametrize(
    "name, damage, message",
    [
        (
            runs.PREDICTIONS_FILE,
            lambda text: text[: len(text) // 2],
            r"predictions.jsonl:\d+: .*the run is incomplete or corrupt",
        ),
        (
            runs.RUN_FILE,
            lambda text: text.replace('"seed"', '"sead"'),
            r"run.json: seed: Field required; the run is incomplete",
        ),
        (runs.RUN_FILE, lambda text: text[:40], r"run.json: .*Invalid JSON.*the run is incomplete or corrupt"),
        (
            runs.CONFIG_FILE,
            lambda text: text.replace("type: tfidf", "type: nope"),
            r"config.yaml: .*unknown model type 'nope'",
        ),
    ],
    ids=["half-written predictions", "run.json missing a field", "truncated run.json", "corrupt config"],
)
def test_a_damaged_run_file_is_one_clear_error_naming_it(write_config, tmp_path, capsys, name, damage, message):
    path = trained_run(write_config, tmp_path)
    (path / name).write_text(damage((path / name).read_text()))
    capsys.readouterr()
    assert main(["evaluate", "--run", str(path)]) == 2 or main(["predict", "--run", str(path), "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(message, err), err


def test_a_missing_model_folder_or_file_says_the_run_is_incomplete(write_config, tmp_path, capsys):
    path = trained_run(write_config, tmp_path)
    (path / runs.RUN_FILE).unlink()
    assert main(["evaluate", "--run", str(path)]) == 2
    assert capsys.readouterr().err == f"error: {path / runs.RUN_FILE}: missing; the run is incomplete\n"


def test_rescoring_replaces_metrics_whole(write_config, tmp_path):
    path = trained_run(write_config, tmp_path)
    assert main(["evaluate", "--run", str(path)]) == 0
    assert main(["evaluate", "--run", str(path)]) == 0
    assert Run.open(path).metrics.n_items == 10
    assert sorted(p.name for p in path.iterdir() if p.name.startswith(".")) == []  # no temporary files left
