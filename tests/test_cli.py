"""End to end through the command line, in tmp_path: train, evaluate, predict, report."""

import json
import subprocess
import sys

import pytest
import yaml
from conftest import train_and_score

from stance import runs
from stance.cli import main
from stance.labels import LABELS
from stance.predict import load_run_model
from stance.runs import Run


@pytest.fixture
def experiments(tmp_path):
    return tmp_path / "experiments"


def train(config, run_dir, *extra):
    return main(["train", "--config", str(config), "--out", str(run_dir), *extra])


def test_train_writes_predictions_and_evaluate_scores_them(write_config, experiments, tmp_path, capsys):
    run = experiments / "toy"
    assert train(write_config(), run, "--set", "model.C=2.0") == 0
    for name in (runs.CONFIG_FILE, runs.RUN_FILE, runs.PREDICTIONS_FILE, runs.MODEL_DIR):
        assert (run / name).exists(), name
    assert not (run / runs.METRICS_FILE).exists()  # training writes no scores
    assert yaml.safe_load((run / runs.CONFIG_FILE).read_text())["model"]["C"] == 2.0

    predictions = Run.open(run).predictions
    assert len(predictions) == 10 and {p.fold for p in predictions} == set(range(10))
    assert (
        predictions[1].id == "toy-article.s02"
        and predictions[1].gold == "FAVOR"
        and predictions[1].group == "toy-article"
    )
    assert list(predictions[0].probabilities) == list(LABELS)

    assert main(["evaluate", "--run", str(run)]) == 0
    for name in (runs.METRICS_FILE, runs.REPORT_FILE, runs.CONFUSION_PNG):
        assert (run / name).is_file(), name
    metrics = json.loads((run / runs.METRICS_FILE).read_text())
    assert sum(map(sum, metrics["confusion_matrix"])) == 10 and metrics["n_items"] == 10
    correct = sum(p.correct for p in predictions)
    assert metrics["accuracy"] == correct / 10

    record = json.loads((run / runs.RUN_FILE).read_text())
    assert record["seed"] == 7 and len(record["data"]["sha256"]) == 64
    assert record["packages"]["scikit-learn"] and record["packages"]["accelerate"] and record["seconds"]["total"] > 0
    assert record["world_size"] == 1

    (run / runs.METRICS_FILE).unlink()
    assert main(["evaluate", "--run", str(run)]) == 0
    assert json.loads((run / runs.METRICS_FILE).read_text()) == metrics  # scoring is deterministic


def test_predict_gives_the_run_model_s_labels_and_probabilities(write_config, experiments, tmp_path, capsys):
    run = experiments / "toy"
    assert train(write_config(), run) == 0
    texts = [
        "We support cooperation with Russia.",
        "The report runs long.",
        "Russia is a dangerous threat and cannot be a partner.",
    ]
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    assert main(["predict", "--run", str(run), "--input", str(inputs), "--output", str(tmp_path / "out.jsonl")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    model = load_run_model(Run.open(run))
    assert [r["text"] for r in rows] == texts
    assert [r["label"] for r in rows] == model.predict(texts)
    assert rows[2]["label"] == "AGAINST"  # a training sentence of the final model
    expected = model.predict_proba(texts)
    assert [list(r["probabilities"].values()) for r in rows] == [[round(float(p), 6) for p in row] for row in expected]

    capsys.readouterr()
    assert main(["predict", "--run", str(run), texts[2]]) == 0
    assert json.loads(capsys.readouterr().out) == rows[2]


def test_report_lists_every_evaluated_run(write_config, experiments):
    assert train_and_score(write_config(), experiments / "toy") == 0
    assert main(["report", "--experiments", str(experiments)]) == 0
    report = (experiments / "REPORT.md").read_text()
    assert "| [toy](toy/report.md) (baseline) | tfidf (logreg) | leave-one-out |" in report
    assert (experiments / "figures" / "confusion_matrices.png").is_file()


def test_predict_reads_plain_text_files(write_config, experiments, tmp_path, capsys):
    train(write_config(model={"type": "majority"}), experiments / "maj")
    inputs = tmp_path / "in.txt"
    inputs.write_text("First sentence.\n\nSecond sentence.\n")
    capsys.readouterr()
    assert main(["predict", "--run", str(experiments / "maj"), "--input", str(inputs)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_same_config_and_seed_give_identical_predictions(write_config, experiments):
    config = write_config(protocol={"type": "repeated_kfold", "n_splits": 3, "n_repeats": 10})
    train(config, experiments / "a")
    train(config, experiments / "b")
    assert Run.open(experiments / "a").predictions == Run.open(experiments / "b").predictions
    main(["evaluate", "--run", str(experiments / "a")])
    metrics = Run.open(experiments / "a").metrics
    assert metrics.n_repeats == 10 and metrics.spread_across_repeats["macro_f1"].n == 10


def test_a_bad_config_fails_in_one_line_before_any_run_folder_exists(write_config, experiments, capsys):
    path = write_config(model={"type": "tfidf", "Cc": 1})
    assert train(path, experiments / "bad") == 2
    err = capsys.readouterr().err
    assert err == f"error: {path}: model.Cc: unknown key\n"
    assert not experiments.exists()


def test_bad_data_fails_before_any_run_folder_exists(write_config, seeds_dir, experiments, capsys):
    labels = seeds_dir / "articles" / "toy-article" / "labels.jsonl"
    labels.write_text(labels.read_text().replace('"NONE"', '"NEUTRAL"', 1))
    assert train(write_config(), experiments / "bad") == 2
    assert "unknown label 'NEUTRAL'" in capsys.readouterr().err
    assert not experiments.exists()


def test_an_existing_run_is_kept_unless_overwrite_is_given(write_config, experiments, capsys):
    run = experiments / "toy"
    train(write_config(), run)
    before = (run / runs.RUN_FILE).read_text()
    assert train(write_config(seed=8), run) == 2
    assert "already exists; pass --overwrite" in capsys.readouterr().err
    assert (run / runs.RUN_FILE).read_text() == before
    assert train(write_config(seed=8), run, "--overwrite") == 0
    assert json.loads((run / runs.RUN_FILE).read_text())["seed"] == 8


def test_predict_on_a_missing_run_is_a_clear_error(tmp_path, capsys):
    assert main(["predict", "--run", str(tmp_path / "nope"), "text"]) == 2
    assert "no such run folder" in capsys.readouterr().err


def test_python_dash_m_stance_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "stance", "--help"], capture_output=True, text=True, check=True)
    assert "train" in out.stdout and "predict" in out.stdout


@pytest.mark.parametrize(
    "model",
    [
        {"type": "transformer", "epochs": 2, "batch_size": 4, "max_length": 32},
        {"type": "setfit", "num_iterations": 2, "batch_size": 8, "max_length": 32},
        {"type": "embeddings"},
    ],
    ids=lambda m: m["type"],
)
def test_pretrained_model_types_train_and_predict_through_the_cli(model, tiny_bert, write_config, experiments, capsys):
    run = experiments / model["type"]
    config = write_config(
        model={**model, "checkpoint": str(tiny_bert)},
        protocol={"type": "repeated_kfold", "n_splits": 3, "n_repeats": 10},
    )
    assert train(config, run, "--set", "model.max_length=24") == 0
    assert Run.open(run).config.model.max_length == 24
    assert len(Run.open(run).predictions) == 10 * 10
    assert Run.open(run).record.model["checkpoint"] == str(tiny_bert)
    if model["type"] == "transformer":  # what the head read and how it started
        assert (Run.open(run).record.model["pooling"], Run.open(run).record.model["head_init"]) == ("mean", "probe")
    texts = ["We support cooperation with Russia.", "Rain on Tuesday."]
    capsys.readouterr()
    assert main(["predict", "--run", str(run), *texts]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["label"] for r in rows] == load_run_model(Run.open(run)).predict(texts)


def test_an_unreachable_checkpoint_fails_before_any_run_folder_exists(write_config, experiments, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = write_config(model={"type": "transformer", "checkpoint": "bert-base-uncased"})
    assert train(path, experiments / "hub") == 2
    assert capsys.readouterr().err.startswith(f"error: {path}: model.checkpoint: 'bert-base-uncased' is a Hub id")
    assert not experiments.exists()
