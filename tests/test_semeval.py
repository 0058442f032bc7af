"""The SemEval-2016 Task 6 loader on tiny fixture files in the organizers' format."""

import json
from pathlib import Path

import pytest
from conftest import REPO, train_and_score

from stance.cli import main
from stance.config import SemEvalDataConfig
from stance.data import semeval
from stance.ensemble import meta_learner
from stance.errors import DataError
from stance.evaluation.stacking import features
from stance.predict import load_run_model
from stance.report.semeval import dev_checks_section
from stance.runs import Run

SHARED = REPO.parent / "shared" / "data" / "semeval2016_task6"
HEADER = "ID\tTarget\tTweet\tStance"
TRAIN_ROWS = [
    ("101", "Atheism", "God is great #blessed #SemST", "AGAINST"),
    ("102", "Atheism", "Religion is a fairy tale #SemST", "FAVOR"),
    ("103", "Atheism", "Lunch was nice today #SemST", "NONE"),
    ("104", "Climate Change is a Real Concern", "We must cut emissions now #SemST", "FAVOR"),
    ("105", "Climate Change is a Real Concern", "Climate scare is a hoax #SemST", "AGAINST"),
    ("106", "Climate Change is a Real Concern", "Nice weather \xcd\xa2 today #SemST", "NONE"),
]


def write_tsv(path: Path, header: str, rows) -> None:
    """CRLF line endings and latin-1 bytes, as in the organizers' files."""
    lines = [header] + ["\t".join(row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))


@pytest.fixture
def semeval_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "semeval"
    folder.mkdir()
    trial = [
        (*row, "TARGET", "NEITHER") for row in [("1", "Atheism", "Trial tweet about faith #SemST", "AGAINST")] * 10
    ]
    trial = [(str(i), *row[1:]) for i, row in enumerate(trial, 1)]
    write_tsv(folder / semeval.TRIAL_FILE, HEADER + "\tOpinion towards\tSentiment", trial)
    # Each (target, label) twice, so a stratified dev split is possible.
    training = TRAIN_ROWS + [(str(int(i) + 100), t, tw, s) for i, t, tw, s in TRAIN_ROWS]
    write_tsv(folder / semeval.TRAINING_FILE, HEADER, training)
    test = [(str(10001 + i), t, tw, s) for i, (_, t, tw, s) in enumerate(TRAIN_ROWS)]
    write_tsv(folder / semeval.TEST_FILE, HEADER, test)
    return folder


def test_loader_reads_crlf_latin1_and_strips_the_marker(semeval_dir):
    examples = semeval.SemEvalSource(SemEvalDataConfig(source="semeval2016", semeval_dir=semeval_dir)).load()
    assert len(examples) == 10 + 2 * len(TRAIN_ROWS) + len(TRAIN_ROWS)  # train = trial + training, then test
    assert (examples.split == "train").sum() == 10 + 2 * len(TRAIN_ROWS) and examples.is_test[-len(TRAIN_ROWS) :].all()
    texts = dict(zip(examples.id, examples.text))
    assert texts["semeval-101"] == "God is great #blessed"
    assert texts["semeval-106"] == "Nice weather \xcd\xa2 today"  # the latin-1 bytes survive
    assert not any(t.endswith("\r") or "#SemST" in t for t in examples.text)
    assert set(examples.target) == {"Atheism", "Climate Change is a Real Concern"}
    assert list(examples.group) == list(examples.target) and set(examples.rationale) == {None}


def test_a_missing_folder_names_the_config_key_and_where_to_get_the_data(tmp_path, monkeypatch):
    monkeypatch.delenv(semeval.ENV_VAR, raising=False)
    with pytest.raises(DataError, match=r"data.semeval_dir: .* does not exist; obtain the files from http"):
        semeval.resolve_dir(tmp_path / "nope")
    with pytest.raises(DataError, match=r"data.semeval_dir: not set \(nor STANCE_SEMEVAL_DIR\)"):
        semeval.resolve_dir(None)


def test_an_unknown_stance_names_file_and_line(semeval_dir):
    write_tsv(semeval_dir / semeval.TRAINING_FILE, HEADER, [TRAIN_ROWS[0], ("102", "Atheism", "x #SemST", "NEUTRAL")])
    with pytest.raises(DataError, match=r"semeval2016-task6-trainingdata.txt:3: unknown label 'NEUTRAL'"):
        semeval.load_split(semeval_dir, "train")


def test_holdout_trains_per_target_and_scores_test_once(semeval_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(semeval.ENV_VAR, str(semeval_dir))
    config = tmp_path / "majority.yaml"
    config.write_text(
        "seed: 1\ndata: {source: semeval2016}\nprotocol: {type: holdout, dev_fraction: 0.25}\n"
        "model: {type: majority, per_target: true}\n"
    )
    run = tmp_path / "run"
    assert train_and_score(config, run) == 0
    rows = Run.open(run).predictions
    assert {r.split for r in rows} == {"dev", "test"}
    test_ids = {r.id for r in rows if r.split == "test"}
    assert test_ids == {f"semeval-{10001 + i}" for i in range(len(TRAIN_ROWS))}
    metrics = Run.open(run).metrics
    assert metrics.n_items == len(TRAIN_ROWS) and metrics.dev is not None
    assert set(metrics.per_group) == {"Atheism", "Climate Change is a Real Concern"}
    capsys.readouterr()
    inputs = tmp_path / "tweets.jsonl"
    inputs.write_text('{"text": "Praise the lord", "target": "Atheism"}\n')
    assert main(["predict", "--run", str(run), "--input", str(inputs)]) == 0
    assert json.loads(capsys.readouterr().out)["label"] == "AGAINST"  # Atheism's training majority


@pytest.mark.skipif(not SHARED.is_dir(), reason="the SemEval-2016 files are not in ../shared/data")
def test_majority_baseline_reproduces_the_published_65_22(tmp_path, monkeypatch):
    monkeypatch.setenv(semeval.ENV_VAR, str(SHARED))
    run = tmp_path / "majority"
    assert train_and_score(REPO / "configs" / "semeval2016" / "majority.yaml", run) == 0
    metrics = Run.open(run).metrics
    assert round(100 * metrics.f_avg, 2) == 65.22
    assert metrics.n_items == 1249


def train_holdout_runs(tmp_path, models: dict[str, str]):
    """Train each `name: model section` on the tiny SemEval files with a 25% dev split; the runs folder."""
    runs_dir = tmp_path / "runs"
    for name, model in models.items():
        config = tmp_path / f"{name}.yaml"
        config.write_text(
            f"seed: 1\ndata: {{source: semeval2016}}\nprotocol: {{type: holdout, dev_fraction: 0.25}}\nmodel: {model}\n"
        )
        assert main(["train", "--config", str(config), "--out", str(runs_dir / name)]) == 0
    return runs_dir


def test_ensemble_weight_is_chosen_on_dev_and_predict_works(semeval_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(semeval.ENV_VAR, str(semeval_dir))
    runs_dir = train_holdout_runs(
        tmp_path, {"majority": "{type: majority, per_target: true}", "tfidf": "{type: tfidf, per_target: true}"}
    )
    out = runs_dir / "ensemble"
    assert main(["ensemble", "--runs", str(runs_dir / "tfidf"), str(runs_dir / "majority"), "--out", str(out)]) == 0
    ensemble = Run.open(out).record.ensemble
    grid, weights = ensemble.weight_grid_dev_f_avg, ensemble.weights
    assert max(grid.values()) == grid[weights[0]]  # the best dev weight was taken
    assert ensemble.members == ["../tfidf", "../majority"]  # relative: experiments/ can move
    assert main(["evaluate", "--run", str(out)]) == 0

    moved = tmp_path / "moved"
    runs_dir.rename(moved)
    text = "Religion is a fairy tale"
    members = [load_run_model(Run.open(moved / name)) for name in ("tfidf", "majority")]
    expected = weights[0] * members[0].predict_proba([text], ["Atheism"]) + weights[1] * members[1].predict_proba(
        [text], ["Atheism"]
    )
    capsys.readouterr()
    inputs = tmp_path / "tweets.jsonl"
    inputs.write_text(json.dumps({"text": text, "target": "Atheism"}) + "\n")
    assert main(["predict", "--run", str(moved / "ensemble"), "--input", str(inputs)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert list(row["probabilities"].values()) == [round(float(p), 6) for p in expected[0]]


def test_a_stacked_ensemble_is_fitted_on_dev_and_predict_applies_its_meta_learner(
    semeval_dir, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv(semeval.ENV_VAR, str(semeval_dir))
    runs_dir = train_holdout_runs(
        tmp_path,
        {
            "tfidf": "{type: tfidf, per_target: true}",
            "tfidf_tweet": "{type: tfidf, per_target: true, text_preprocessing: tweet, C: 3.0}",
            "majority": "{type: majority, per_target: true}",
        },
    )
    out = runs_dir / "stacked"
    members = [str(runs_dir / name) for name in ("tfidf", "tfidf_tweet", "majority")]
    assert main(["ensemble", "--method", "stack", "--runs", *members, "--out", str(out)]) == 0
    record = Run.open(out).record.ensemble
    assert record.method == "stack" and len(record.stack.coef[0]) == 3 * 3
    assert main(["evaluate", "--run", str(out)]) == 0

    text, target = "Religion is a fairy tale", "Atheism"
    probabilities = [load_run_model(Run.open(m)).predict_proba([text], [target]) for m in members]
    expected = meta_learner(Run.open(out)).predict_proba(features(probabilities))
    capsys.readouterr()
    inputs = tmp_path / "tweets.jsonl"
    inputs.write_text(json.dumps({"text": text, "target": target}) + "\n")
    assert main(["predict", "--run", str(out), "--input", str(inputs)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert list(row["probabilities"].values()) == [round(float(p), 6) for p in expected[0]]
    stacked_test = [r for r in Run.open(out).predictions if r.split == "test"]
    assert len(stacked_test) == len([r for r in Run.open(members[0]).predictions if r.split == "test"])


def test_an_ensemble_cannot_be_written_over_one_of_its_members(write_config, tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    main(["train", "--config", str(write_config(name="a")), "--out", str(a)])
    main(["train", "--config", str(write_config(name="b")), "--out", str(b)])
    capsys.readouterr()
    assert main(["ensemble", "--runs", str(a), str(b), "--out", str(a), "--overwrite"]) == 2
    assert "is one of the --runs" in capsys.readouterr().err
    assert Run.open(a).record.ensemble is None


def test_runs_on_different_folds_cannot_be_ensembled(write_config, tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    main(["train", "--config", str(write_config(name="a")), "--out", str(a)])
    kfold = {"type": "repeated_kfold", "n_splits": 3, "n_repeats": 10}
    main(["train", "--config", str(write_config(name="b", protocol=kfold)), "--out", str(b)])
    capsys.readouterr()
    assert main(["ensemble", "--runs", str(a), str(b), "--out", str(tmp_path / "ens")]) == 2
    assert "not scored on identical folds" in capsys.readouterr().err


def test_the_dev_checks_section_reads_no_test_row(semeval_dir, tmp_path, monkeypatch):
    # Eight of each training tweet, so the dev split holds every class at least twice.
    training = [
        (str(1000 + 10 * copy + i), t, f"{tw} {copy}", s)
        for copy in range(8)
        for i, (_, t, tw, s) in enumerate(TRAIN_ROWS)
    ]
    write_tsv(semeval_dir / semeval.TRAINING_FILE, HEADER, training)
    monkeypatch.setenv(semeval.ENV_VAR, str(semeval_dir))
    runs_dir = train_holdout_runs(
        tmp_path, {"tfidf": "{type: tfidf, per_target: true}", "majority": "{type: majority, per_target: true}"}
    )
    members = [str(runs_dir / name) for name in ("tfidf", "majority")]
    for method in ("average", "stack"):
        assert main(["ensemble", "--method", method, "--runs", *members, "--out", str(runs_dir / method)]) == 0
    ensembles = [Run.open(runs_dir / method) for method in ("average", "stack")]
    before = dev_checks_section(ensembles)
    assert any("| average | average, weight and a scale on P(NONE) chosen |" in line for line in before)
    assert any("| stack | meta-learner C 0.01, class weights none |" in line for line in before)

    for run in [*members, runs_dir / "average", runs_dir / "stack"]:  # every test row now says the opposite
        path = Path(run) / "predictions.jsonl"
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        for row in rows:
            if row["split"] == "test":
                row["probabilities"] = dict(zip(row["probabilities"], reversed(row["probabilities"].values())))
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert dev_checks_section([Run.open(runs_dir / method) for method in ("average", "stack")]) == before


def test_an_ensembles_file_builds_each_in_order_and_an_ensemble_may_be_a_member(write_config, tmp_path, capsys):
    runs = tmp_path / "runs"
    for name, model in (("a", {"type": "tfidf"}), ("b", {"type": "majority"}), ("c", {"type": "tfidf", "C": 9.0})):
        assert main(["train", "--config", str(write_config(name=name, model=model)), "--out", str(runs / name)]) == 0
    ensembles = tmp_path / "ensembles.yaml"
    ensembles.write_text("ensembles:\n  - name: ab\n    runs: [a, b]\n  - name: ab_c\n    runs: [ab, c]\n")
    assert main(["ensemble", "--config", str(ensembles), "--experiments", str(runs)]) == 0
    assert Run.open(runs / "ab").record.ensemble.members == ["../a", "../b"]
    assert Run.open(runs / "ab_c").record.ensemble.members == ["../ab", "../c"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ensembles:\n  - name: x\n    runs: [a, missing]\n", "x: member run"),
        ("ensembles:\n  - name: x\n    runs: [a]\n", "ensembles.0.runs: Tuple should have at least 2 items"),
        ("ensembles:\n  - name: x\n    runs: [a, a]\n    weights: [1, 2]\n", "ensembles.0.weights: unknown key"),
    ],
)
def test_a_bad_ensembles_file_is_one_message_before_any_ensemble_is_written(
    write_config, tmp_path, capsys, text, problem
):
    runs = tmp_path / "runs"
    assert main(["train", "--config", str(write_config(name="a")), "--out", str(runs / "a")]) == 0
    ensembles = tmp_path / "ensembles.yaml"
    ensembles.write_text(text)
    capsys.readouterr()
    assert main(["ensemble", "--config", str(ensembles), "--experiments", str(runs)]) == 2
    assert f"{ensembles}: {problem}" in capsys.readouterr().err
    assert sorted(p.name for p in runs.iterdir()) == ["a"]
