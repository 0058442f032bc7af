"""MLflow tracking against a real SQLite store: each run folder copied in after it is
written, found again by its folder, and never put at risk by the store."""

import json
import subprocess
import sys

import pytest
from conftest import free_port, running_server, train_and_score, wait_for

from stance.cli import main
from stance.runs import Run
from stance.tracking import EXPERIMENT, FOLDER_TAG

mlflow = pytest.importorskip("mlflow")


@pytest.fixture
def store(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("STANCE_TRACKING", uri)
    return mlflow.MlflowClient(tracking_uri=uri)


def runs_in(client, kind="run"):
    experiment = client.get_experiment_by_name(EXPERIMENT)
    return client.search_runs([experiment.experiment_id], filter_string=f"tags.`stance.kind` = '{kind}'")


def test_a_trained_and_evaluated_run_is_one_mlflow_run_with_its_params_metrics_tags_and_folds(
    store, write_config, tmp_path
):
    run_dir = tmp_path / "experiments" / "toy"
    assert train_and_score(write_config(model={"type": "tfidf", "C": 0.5}), run_dir) == 0
    (tracked,) = runs_in(store)  # train logged it, evaluate found it again
    run = Run.open(run_dir)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert tracked.data.params["model.C"] == "0.5" and tracked.data.params["protocol.type"] == "loo"
    assert tracked.data.metrics["macro_f1"] == pytest.approx(metrics["macro_f1"])
    assert tracked.data.metrics["macro_f1_ci_low"] == pytest.approx(metrics["ci95"]["macro_f1"][0])
    assert tracked.data.tags[FOLDER_TAG] == str(run_dir.resolve())
    assert tracked.data.tags["stance.created_at"] == run.record.created_at
    assert tracked.data.tags["stance.data_sha256"] == run.record.data.sha256
    folds = runs_in(store, "fold")
    assert len(folds) == len({(r.repeat, r.fold) for r in run.test_predictions})
    assert {f.data.tags["mlflow.parentRunId"] for f in folds} == {tracked.info.run_id}
    recorded = {(f.repeat, f.fold): f for f in run.record.folds}
    for child in folds:
        repeat, fold = map(int, child.data.tags["stance.fold"].split("."))
        assert child.data.metrics["n_train"] == recorded[repeat, fold].n_train
        assert child.data.metrics["fit_seconds"] == pytest.approx(recorded[repeat, fold].fit_seconds)
    artifacts = {a.path for a in store.list_artifacts(tracked.info.run_id)}
    assert {"config.yaml", "run.json", "report.md"} <= artifacts
    assert (tmp_path / "mlartifacts").is_dir()  # beside the store, not wherever the command ran


def test_tracking_a_run_again_updates_it_and_a_retrained_folder_is_a_new_run(store, write_config, tmp_path):
    run_dir, config = tmp_path / "experiments" / "toy", write_config()
    assert train_and_score(config, run_dir) == 0
    assert main(["track", "--run", str(run_dir)]) == 0
    assert len(runs_in(store)) == 1
    assert train_and_score(config, run_dir, "--overwrite") == 0
    assert len(runs_in(store)) == 2


def test_a_store_that_cannot_be_written_costs_one_line_and_leaves_the_run_whole(
    write_config, tmp_path, monkeypatch, capsys
):
    bad = tmp_path / "not-a-database.db"
    bad.write_text("this is not SQLite\n" * 100)
    monkeypatch.setenv("STANCE_TRACKING", f"sqlite:///{bad}")
    run_dir = tmp_path / "experiments" / "toy"
    assert train_and_score(write_config(), run_dir) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "tracking" in line]
    assert len(warnings) == 2 and all(w.startswith(f"warning: tracking to sqlite:///{bad} failed") for w in warnings)
    run = Run.open(run_dir)
    assert run.is_evaluated and (run_dir / "predictions.jsonl").is_file()


def test_two_trains_at_once_log_to_one_store(store, write_config, tmp_path):
    track_init = [sys.executable, "-m", "stance", "track", "--init"]
    subprocess.run(track_init, check=True, capture_output=True)
    configs = [write_config(name=name) for name in ("one", "two")]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "stance", "train", "--config", str(c), "--out", str(tmp_path / "runs" / c.stem)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in configs
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0 and "warning: tracking" not in err, err
    assert sorted(r.data.tags["stance.name"] for r in runs_in(store)) == ["one", "two"]


@pytest.mark.slow
def test_mlflow_ui_on_the_store_serves_the_run_through_its_rest_api(store, write_config, tmp_path):
    """`make ui`: the real MLflow UI on the SQLite store, on localhost, lists the run through
    its REST API; stopped by its pid (and the workers in its process group), pass or fail."""
    import os
    import urllib.request

    run_dir = tmp_path / "experiments" / "toy"
    assert train_and_score(write_config(), run_dir) == 0
    port, uri = free_port(), os.environ["STANCE_TRACKING"]
    ui = os.path.join(os.path.dirname(sys.executable), "mlflow")
    command = [ui, "ui", "--backend-store-uri", uri, "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    experiment_id = store.get_experiment_by_name(EXPERIMENT).experiment_id
    body = json.dumps({"experiment_ids": [experiment_id], "filter": "tags.`stance.kind` = 'run'"}).encode()

    def search():
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/2.0/mlflow/runs/search",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())["runs"]

    with running_server(command, tmp_path / "ui.log") as server:
        runs, waited = wait_for(server, search, 90, tmp_path / "ui.log")
        print(f"mlflow ui answered after {waited:.1f} s")
        (found,) = runs
        tags = {tag["key"]: tag["value"] for tag in found["data"]["tags"]}
        assert tags[FOLDER_TAG] == str(run_dir.resolve())


def test_a_report_is_tracked_with_its_headline_numbers_and_files(store, write_config, tmp_path):
    experiments = tmp_path / "experiments"
    for name, model in (("tfidf_logreg", {"type": "tfidf"}), ("majority", {"type": "majority"})):
        assert train_and_score(write_config(name=name, model=model), experiments / name) == 0
    assert main(["report", "--experiments", str(experiments)]) == 0
    (report,) = runs_in(store, "report")
    assert report.data.tags["stance.report"] == str((experiments / "REPORT.md").resolve())
    artifacts = {a.path for a in store.list_artifacts(report.info.run_id)}
    assert {"REPORT.md", "REPORT.html", "figures"} <= artifacts
    assert main(["report", "--experiments", str(experiments)]) == 0
    assert len(runs_in(store, "report")) == 1  # written again, tracked as the same report


def test_the_reports_headline_numbers_reach_the_store(store, write_config, with_sets, tiny_bert, tmp_path):
    experiments = tmp_path / "experiments"
    data = {"seeds_dir": str(with_sets), "sets": ["constructed", "contrast"]}
    folds = {"type": "grouped_kfold", "n_splits": 2, "n_repeats": 1}
    transformer = {"type": "transformer", "checkpoint": str(tiny_bert), "epochs": 1, "batch_size": 4, "max_length": 32}
    for name, model in (("tfidf_logreg_grouped", {"type": "tfidf"}), ("transformer_grouped", transformer)):
        path = write_config(name=name, data=data, protocol=folds, model=model)
        assert train_and_score(path, experiments / name) == 0
    assert main(["report", "--experiments", str(experiments)]) == 0
    (report,) = runs_in(store, "report")
    text = (experiments / "REPORT.md").read_text()
    delta = float(text.split("**Answer.**")[1].split("| Δ macro-F1")[1].split("**")[1].split(" ")[0])
    assert report.data.tags["stance.challenger"] == "transformer_grouped"
    assert 100 * report.data.metrics["delta_macro_f1"] == pytest.approx(delta, abs=0.05)


def test_an_unreachable_server_costs_one_line_within_seconds_not_minutes(write_config, tmp_path):
    """MLflow's own retries would wait about four minutes on a closed port; tracking bounds them."""
    import os

    config, run_dir = write_config(), tmp_path / "experiments" / "toy"
    env = {**os.environ, "STANCE_TRACKING": "http://127.0.0.1:9"}  # the discard port: nothing listens
    train = [sys.executable, "-m", "stance", "train", "--config", str(config), "--out", str(run_dir)]
    result = subprocess.run(train, env=env, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: tracking")]
    assert len(warnings) == 1 and "http://127.0.0.1:9" in warnings[0]
    assert (run_dir / "predictions.jsonl").is_file() and Run.open(run_dir).record.folds


def test_a_fine_tuned_folds_loss_per_step_is_in_its_fold_run_once(store, write_config, with_sets, tiny_bert, tmp_path):
    data = {"seeds_dir": str(with_sets), "sets": ["constructed", "contrast"]}
    model = {"type": "transformer", "checkpoint": str(tiny_bert), "epochs": 2, "batch_size": 4, "max_length": 32}
    config = write_config(data=data, protocol={"type": "grouped_kfold", "n_splits": 2}, model=model)
    run_dir = tmp_path / "experiments" / "toy"
    assert train_and_score(config, run_dir) == 0
    run = Run.open(run_dir)
    for fold in run.record.folds:  # a log entry per optimisation step of every fold
        steps = [s for s in run.training_log if (s.repeat, s.fold) == (fold.repeat, fold.fold)]
        assert [s.step for s in steps] == list(range(1, 2 * -(-fold.n_train // 4) + 1))
        assert all(s.values["loss"] > 0 and "learning_rate" in s.values for s in steps)
    assert main(["track", "--run", str(run_dir)]) == 0  # a third time: still one point per step
    for child in runs_in(store, "fold"):
        repeat, fold = map(int, child.data.tags["stance.fold"].split("."))
        logged = [s for s in run.training_log if (s.repeat, s.fold) == (repeat, fold)]
        history = sorted(store.get_metric_history(child.info.run_id, "loss"), key=lambda m: m.step)
        assert [(m.step, m.value) for m in history] == [(s.step, pytest.approx(s.values["loss"])) for s in logged]


def test_each_tuning_trial_is_a_child_of_its_studys_run(store, write_config, with_sets, tmp_path):
    data = {"seeds_dir": str(with_sets), "sets": ["constructed", "contrast"]}
    protocol, tune = {"type": "grouped_kfold", "n_splits": 2}, {"trials": 3, "inner_splits": 2}
    config = write_config(data=data, protocol=protocol, tune=tune, model={"type": "tfidf"})
    run_dir = tmp_path / "experiments" / "toy"
    assert train_and_score(config, run_dir) == 0
    (parent,) = runs_in(store)
    folds = {f.data.tags["stance.fold"]: f.info.run_id for f in runs_in(store, "fold")}
    trials = runs_in(store, "trial")
    studies = Run.open(run_dir).record.tuning.studies
    assert len(trials) == sum(len(s.trials) for s in studies)
    for study in studies:
        mine = [t for t in trials if t.data.tags["stance.study"] == study.study]
        expected_parent = parent.info.run_id if study.fold is None else folds[f"{study.repeat}.{study.fold}"]
        assert {t.data.tags["mlflow.parentRunId"] for t in mine} == {expected_parent}
        for trial in study.trials:
            (tracked,) = [t for t in mine if t.data.tags["stance.trial"] == str(trial.number)]
            assert tracked.data.metrics["inner_macro_f1"] == pytest.approx(trial.score)
            assert tracked.data.params == {k: str(v) for k, v in trial.settings.items()}
        (chosen,) = [t for t in mine if t.data.tags["stance.chosen"] == "true"]
        assert chosen.data.metrics["inner_macro_f1"] == pytest.approx(study.score)


def test_a_store_on_a_full_disk_costs_one_line_and_leaves_the_run_whole(
    write_config, small_disk, tmp_path, monkeypatch, capsys
):
    mount, fill = small_disk
    uri = f"sqlite:///{mount / 'mlflow.db'}"
    monkeypatch.setenv("STANCE_TRACKING", uri)
    assert main(["track", "--init"]) == 0  # the store exists, as make creates it; then the disk fills
    fill()
    run_dir = tmp_path / "experiments" / "toy"
    assert train_and_score(write_config(), run_dir) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "tracking" in line]
    assert len(warnings) == 2 and all(w.startswith(f"warning: tracking to {uri} failed") for w in warnings), warnings
    assert "full" in warnings[0]  # sqlite3.OperationalError: database or disk is full
    run = Run.open(run_dir)
    assert run.is_evaluated and len(run.test_predictions) == run.record.n_predictions


def test_a_store_another_process_holds_locked_costs_one_line_and_tracks_once_released(
    store, write_config, tmp_path, monkeypatch, capsys
):
    import sqlite3

    from stance import tracking

    run_dir = tmp_path / "experiments" / "toy"
    assert main(["track", "--init"]) == 0
    monkeypatch.setenv("STANCE_TRACKING", "none")
    assert train_and_score(write_config(), run_dir) == 0
    monkeypatch.setattr(tracking, "LOCK_RETRIES", 1)  # one try, not two: each waits 20 s for the lock
    holder = sqlite3.connect(tmp_path / "mlflow.db")
    holder.execute("BEGIN EXCLUSIVE")  # as a process writing to the store would hold it, for longer
    try:
        assert tracking.track(run_dir, uri=f"sqlite:///{tmp_path / 'mlflow.db'}") is None
    finally:
        holder.rollback()
        holder.close()
    (warning,) = capsys.readouterr().err.splitlines()
    assert warning.startswith("warning: tracking to sqlite:///") and "locked" in warning and str(run_dir) in warning
    assert Run.open(run_dir).is_evaluated
    assert tracking.track(run_dir, uri=f"sqlite:///{tmp_path / 'mlflow.db'}") is not None
    assert len(runs_in(store)) == 1


def test_train_with_no_track_leaves_the_run_to_the_evaluate_that_follows(store, write_config, tmp_path):
    run_dir = tmp_path / "experiments" / "toy"
    assert main(["train", "--config", str(write_config()), "--out", str(run_dir), "--no-track"]) == 0
    assert main(["track", "--init"]) == 0 and runs_in(store) == []
    assert main(["evaluate", "--run", str(run_dir)]) == 0
    (tracked,) = runs_in(store)
    assert "macro_f1" in tracked.data.metrics
