"""MLflow tracking against a real SQLite store: each run folder copied in after it is
written, found again by its folder, and never put at risk by the store."""

import json
import subprocess
import sys

import pytest
from conftest import train_and_score

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
    import signal
    import socket
    import time
    import urllib.request

    run_dir = tmp_path / "experiments" / "toy"
    assert train_and_score(write_config(), run_dir) == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ui = os.path.join(os.path.dirname(sys.executable), "mlflow")
    uri = os.environ["STANCE_TRACKING"]
    log = (tmp_path / "ui.log").open("w")
    server = subprocess.Popen(
        [ui, "ui", "--backend-store-uri", uri, "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    experiment_id = store.get_experiment_by_name(EXPERIMENT).experiment_id
    body = json.dumps({"experiment_ids": [experiment_id], "filter": "tags.`stance.kind` = 'run'"}).encode()
    started = time.monotonic()
    try:
        while True:
            assert server.poll() is None, (tmp_path / "ui.log").read_text()[-2000:]
            assert time.monotonic() - started < 90, "mlflow ui did not answer within 90 s"
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/2.0/mlflow/runs/search",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    runs = json.loads(response.read())["runs"]
                break
            except OSError:
                time.sleep(0.5)
        print(f"mlflow ui answered after {time.monotonic() - started:.1f} s")
        (found,) = runs
        tags = {tag["key"]: tag["value"] for tag in found["data"]["tags"]}
        assert tags[FOLDER_TAG] == str(run_dir.resolve())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


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
