"""Nested tuning: trials see only their outer fold's training items, budgets are equal,
studies are saved for optuna-dashboard and shared by several workers."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import optuna
import pytest
from conftest import REPO

from stance.cli import main
from stance.config import load_config
from stance.runs import Run
from stance.train import fit_one, prepare
from stance.tuning import inner_folds, open_storage, studies, study_name, tune_fold

TUNE = {"trials": 3, "inner_splits": 2}
GROUPED = {"type": "grouped_kfold", "n_splits": 2}


@pytest.fixture
def tuned_config(write_config, with_sets):
    def write(name="tuned", tune=TUNE, model=None, protocol=GROUPED, **sections):
        return write_config(
            name=name,
            data={"seeds_dir": str(with_sets), "sets": ["constructed", "contrast"]},
            protocol=protocol,
            tune=tune,
            model=model or {"type": "tfidf"},
            **sections,
        )

    return write


@pytest.fixture
def built(monkeypatch):
    """(C, seed) of every model train builds, in order: trials' inner fits, then outer fits."""
    from stance import train as train_module

    calls = []
    real = train_module.build_model

    def spy(config, seed):
        calls.append((config.model.C, seed))
        return real(config, seed)

    monkeypatch.setattr(train_module, "build_model", spy)
    return calls


def studies_of(run_dir):
    return Run.open(run_dir).record.tuning.studies


def test_no_outer_test_item_nor_an_edit_of_one_reaches_a_trial(tuned_config, tmp_path):
    """Every fit and every scored prediction of every trial, recorded by a spy: all of them
    are the outer fold's own training items, and no family of its test items is among them."""
    path = tuned_config()
    config = load_config(path, [])
    _, examples, folds = prepare(config, str(path))
    for fold in folds:
        seen = []

        def spy_fit(cfg, ex, train, seed, dev=None, seen=seen):
            seen.extend(train)
            model = fit_one(cfg, ex, train, seed, dev)
            real = model.predict_proba

            def predict(texts, targets=None, seen=seen):
                seen.extend(int(np.flatnonzero(ex.text == t)[0]) for t in texts)
                return real(texts, targets)

            model.predict_proba = predict
            return model

        (tmp_path / f"fold{fold.index}").mkdir()
        storage = open_storage(None, tmp_path / f"fold{fold.index}")
        record = tune_fold(config, examples, fold, storage, spy_fit)
        assert len(record.trials) == TUNE["trials"] and seen
        assert set(seen) <= set(fold.train.tolist())
        held_out_families = set(examples.family[fold.test])
        assert not held_out_families & set(examples.family[seen])


def test_inner_folds_split_only_the_outer_training_items_by_family(tuned_config):
    path = tuned_config()
    config = load_config(path, [])
    _, examples, folds = prepare(config, str(path))
    inner = inner_folds(config, examples, folds[0].train, None)
    assert len(inner) == TUNE["inner_splits"]
    assert sorted(np.concatenate([f.test for f in inner]).tolist()) == sorted(folds[0].train.tolist())
    for f in inner:
        assert not set(examples.family[f.train]) & set(examples.family[f.test])


def test_a_tuned_run_records_each_folds_choice_and_saves_its_studies(tuned_config, tmp_path):
    run_dir = tmp_path / "run"
    assert main(["train", "--config", str(tuned_config()), "--out", str(run_dir)]) == 0
    record = Run.open(run_dir).record
    studies = record.tuning.studies
    assert [s.study for s in studies] == ["tuned/repeat-1/fold-1", "tuned/repeat-1/fold-2", "tuned/final"]
    for study in studies:
        assert len(study.trials) == TUNE["trials"]
        best = max(study.trials, key=lambda t: (t.score, -t.number))
        assert (study.settings, study.score) == (best.settings, best.score)
    assert record.seconds.tune > 0
    saved = optuna.load_study(
        study_name="tuned/final", storage=open_storage(str(Run.open(run_dir).tuning_journal), None)
    )
    assert len(saved.trials) == TUNE["trials"]


def test_each_fold_is_fitted_with_the_settings_its_study_chose(tuned_config, tmp_path, built):
    """The outer model of fold k is built from fold k's choice, and the final model from the final study's."""
    run_dir = tmp_path / "run"
    assert main(["train", "--config", str(tuned_config()), "--out", str(run_dir)]) == 0
    chosen = [s.settings["C"] for s in studies_of(run_dir)]
    # the outer fits are the last three builds (after every trial's inner fits)
    assert [c for c, _ in built[-3:]] == chosen


def test_repeats_on_the_same_folds_share_each_folds_study_and_differ_in_seed(tuned_config, tmp_path, built):
    """Under reshuffle: false, more seeds need no more tuning: a 3-repeat run trained on the
    studies of its 1-repeat version runs no trial, and refits each fold with that fold's
    choice under the repeat's own seed."""
    storage = str(tmp_path / "studies.journal")
    one = tuned_config()
    assert main(["train", "--config", str(one), "--out", str(tmp_path / "one"), "--storage", storage]) == 0
    n_trials = len(optuna.load_study(study_name="tuned/final", storage=open_storage(storage, None)).trials)
    built.clear()  # only the second run's builds
    three = tuned_config(protocol={**GROUPED, "n_repeats": 3, "reshuffle": False})
    experiments = tmp_path / "experiments"
    assert main(["train", "--config", str(three), "--out", str(experiments / "tuned"), "--storage", storage]) == 0
    studies = studies_of(experiments / "tuned")
    assert [s.study for s in studies] == [s.study for s in studies_of(tmp_path / "one")]
    assert len(optuna.load_study(study_name="tuned/final", storage=open_storage(storage, None)).trials) == n_trials
    fold_c = [s.settings["C"] for s in studies[:-1]]
    seed = Run.open(experiments / "tuned").record.seed
    # no trial fits: the builds are the 6 outer fits (3 repeats x 2 folds), then the final model
    assert built == [(c, seed + r) for r in range(3) for c in fold_c] + [(studies[-1].settings["C"], seed)]
    assert main(["evaluate", "--run", str(experiments / "tuned")]) == 0
    assert main(["report", "--experiments", str(experiments)]) == 0
    assert "tuned: every repeat reruns the same folds" in (experiments / "REPORT.md").read_text()


def test_repeats_that_reshuffle_each_have_their_own_studies(tuned_config, tmp_path, built):
    """Under reshuffle: true, each repeat's folds are new, so each gets studies of its own,
    and each outer fit takes its own (repeat, fold) study's choice under the repeat's seed."""
    path = tuned_config(protocol={**GROUPED, "n_repeats": 2})
    assert main(["train", "--config", str(path), "--out", str(tmp_path / "run")]) == 0
    studies = studies_of(tmp_path / "run")
    places = [f"tuned/repeat-{r}/fold-{f}" for r in (1, 2) for f in (1, 2)]
    assert [s.study for s in studies] == [*places, "tuned/final"]
    seed = Run.open(tmp_path / "run").record.seed
    outer = [(s.settings["C"], seed + s.repeat) for s in studies[:-1]]
    assert built[-5:] == [*outer, (studies[-1].settings["C"], seed)]


def test_a_study_filled_before_the_repeats_rule_is_still_accepted(tuned_config, tmp_path):
    """Studies claimed with the fingerprint as it was (n_repeats and reshuffle hashed as
    written) are this config's studies still; one of another config is not."""
    from stance import tuning

    path = tuned_config()
    config = load_config(path, [])
    _, examples, folds = prepare(config, str(path))
    storage_path = str(tmp_path / "old.journal")
    storage = open_storage(storage_path, None)
    for fold in studies(config, folds):
        study = optuna.create_study(storage=storage, study_name=study_name(config, fold), direction="maximize")
        study.set_user_attr("config", tuning.fingerprint(config, examples, legacy=True))
    assert tuning.fingerprint(config, examples, legacy=True) != tuning.fingerprint(config, examples)
    assert main(["train", "--config", str(path), "--out", str(tmp_path / "run"), "--storage", storage_path]) == 0
    other = tuned_config(
        name="tuned",
        model={"type": "tfidf", "min_df": 2},
        tune={**TUNE, "space": {"C": {"low": 0.1, "high": 10, "log": True}}},
    )
    assert main(["train", "--config", str(other), "--out", str(tmp_path / "other"), "--storage", storage_path]) == 2


def test_same_config_and_seed_tune_the_same_way(tuned_config, tmp_path):
    path = tuned_config()
    for name in ("a", "b"):
        assert main(["train", "--config", str(path), "--out", str(tmp_path / name)]) == 0

    def choices(run):  # every trial's settings and score; the seconds are the machine's
        return [(s.settings, [(t.settings, t.score) for t in s.trials]) for s in studies_of(run)]

    assert choices(tmp_path / "a") == choices(tmp_path / "b")
    predictions = [(tmp_path / name / "predictions.jsonl").read_text() for name in ("a", "b")]
    assert predictions[0] == predictions[1]


def test_a_study_chooses_among_its_first_budget_trials_only(tuned_config, tmp_path):
    """A worker that started a trial as the budget filled adds one more: it is not counted,
    so every model in a comparison is chosen from the same number of trials."""
    path = tuned_config()
    config = load_config(path, [])
    _, examples, folds = prepare(config, str(path))
    storage = open_storage(str(tmp_path / "shared.journal"), None)
    tune_fold(config, examples, folds[0], storage, fit_one)
    study = optuna.load_study(study_name=study_name(config, folds[0]), storage=storage)
    extra = study.ask({"C": optuna.distributions.FloatDistribution(0.01, 100, log=True)})
    extra.set_user_attr("settings", {"C": 1.0})
    extra.set_user_attr("seconds", 0.0)
    study.tell(extra, 2.0)  # better than any real score
    record = tune_fold(config, examples, folds[0], storage, fit_one)
    assert [t.number for t in record.trials] == list(range(TUNE["trials"]))
    assert record.score < 2.0


@pytest.mark.parametrize(
    ("tune", "model", "message"),
    [
        ({"trials": 2, "space": {"Cc": {"low": 0.1, "high": 1}}}, {"type": "tfidf"}, "tune.space.Cc: not a key of"),
        ({"trials": 2, "space": {"C": {"low": -1, "high": 1}}}, {"type": "tfidf"}, "tune.space.C: -1.0 is not a valid"),
        ({"trials": 2, "space": {"C": {"low": 1, "high": 0.1}}}, {"type": "tfidf"}, "must be below high"),
        (
            {"trials": 2, "space": {"min_df": {"low": 1, "high": 2.5}}},
            {"type": "tfidf"},
            "low and high must be integers",
        ),
        ({"trials": 2}, {"type": "majority"}, "model type 'majority' has nothing to tune"),
        ({"trials": 2, "inner_splits": 9}, {"type": "tfidf"}, "tune.inner_splits: 9 inner folds need"),
    ],
)
def test_a_bad_tune_section_fails_in_one_line_before_any_work(tune, model, message, tuned_config, tmp_path, capsys):
    assert main(["train", "--config", str(tuned_config(tune=tune, model=model)), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_tuning_refuses_a_retrained_permutation_null(tuned_config, tmp_path, capsys):
    path = tuned_config(analysis={"chance_permutations": 2})
    assert main(["train", "--config", str(path), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    # a check across sections names its keys, not a dump of the whole config
    assert (
        err
        == f"error: {path}: analysis.chance_permutations cannot be used with tune (it would retune every fold of it)\n"
    )


def test_stance_tune_on_an_untuned_config_says_there_is_nothing_to_tune(tuned_config, tmp_path, capsys):
    path = tuned_config(tune=None)
    assert main(["tune", "--config", str(path), "--storage", str(tmp_path / "s.journal")]) == 2
    assert capsys.readouterr().err == f"error: {path}: no tune: section, so there is nothing to tune\n"
    assert not (tmp_path / "s.journal").exists()


def test_an_unopenable_storage_is_one_line(tuned_config, tmp_path, capsys):
    path = tuned_config()
    assert main(["tune", "--config", str(path), "--storage", "nosuchdialect://x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --storage nosuchdialect://x: cannot open it") and len(err.strip().splitlines()) == 1


def _two_workers_then_train(tuned_config, tmp_path, storage: str) -> None:
    """Two `stance tune` processes at once on one storage: every trial completes once, each
    study reaches its budget, and `stance train` then runs no trial of its own."""
    path = tuned_config(tune={"trials": 6, "inner_splits": 2})
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "STANCE_JOBS": "2"}
    command = [sys.executable, "-m", "stance", "tune", "--config", str(path), "--storage", storage]
    workers = [subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for worker in workers:
            assert worker.wait(timeout=300) == 0, worker.stderr.read()
    finally:
        for worker in workers:
            worker.kill()  # a worker that hung must not outlive the test
    opened = open_storage(storage, None)
    config = load_config(path, [])
    _, _, folds = prepare(config, str(path))
    before = {}
    for fold in studies(config, folds):
        trials = optuna.load_study(study_name=study_name(config, fold), storage=opened).trials
        states = {t.state for t in trials}
        assert states == {optuna.trial.TrialState.COMPLETE}, states
        numbers = [t.number for t in trials]
        assert len(set(numbers)) == len(numbers)
        # the budget, plus at most one trial the other worker began as it filled
        assert 6 <= len(trials) <= 7
        before[study_name(config, fold)] = len(trials)
    assert main(["train", "--config", str(path), "--out", str(tmp_path / "run"), "--storage", storage]) == 0
    for name, count in before.items():
        assert len(optuna.load_study(study_name=name, storage=opened).trials) == count
    assert {s.study: len(s.trials) for s in studies_of(tmp_path / "run")} == dict.fromkeys(before, 6)
    assert json.loads((tmp_path / "run" / "run.json").read_text())["tuning"]["storage"] == storage


def test_two_workers_fill_one_study_set_and_train_reads_it_without_new_trials(tuned_config, tmp_path):
    _two_workers_then_train(tuned_config, tmp_path, str(tmp_path / "shared.journal"))


@pytest.fixture
def postgres_url():
    """A real PostgreSQL server on localhost, in a scratch cluster, stopped by its pid.
    Skipped where no PostgreSQL server is installed. As root, the server runs as the
    `postgres` user, since PostgreSQL refuses to run as root."""
    import glob
    import pwd
    import shutil
    import signal
    import socket
    import tempfile
    import time

    pytest.importorskip("psycopg", reason="psycopg is in the test extras (make setup)")
    server = shutil.which("postgres") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))), None)
    if server is None:
        pytest.skip("no PostgreSQL server installed")
    bindir = os.path.dirname(os.path.realpath(server))
    user = "postgres" if os.geteuid() == 0 else None
    scratch = tempfile.mkdtemp(prefix="stance-pg-")  # outside pytest's root-only tmp_path
    try:
        if user:
            try:
                os.chown(scratch, pwd.getpwnam(user).pw_uid, -1)
            except KeyError:
                pytest.skip("running as root, and there is no postgres user to run the server as")
        data = os.path.join(scratch, "data")
        subprocess.run(
            [os.path.join(bindir, "initdb"), "-D", data, "-A", "trust", "-U", "stance"],
            user=user, check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log_path = os.path.join(scratch, "server.log")  # a file: an unread pipe could fill and block it
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [server, "-D", data, "-p", str(port), "-h", "127.0.0.1", "-k", scratch],
                user=user, stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        url = f"postgresql+psycopg://stance@127.0.0.1:{port}/postgres"
        try:
            import psycopg

            started = time.monotonic()
            while True:
                assert process.poll() is None, open(log_path, encoding="utf-8", errors="replace").read()
                assert time.monotonic() - started < 60, "PostgreSQL did not accept connections within 60 s"
                try:
                    psycopg.connect(
                        f"host=127.0.0.1 port={port} user=stance dbname=postgres", connect_timeout=2
                    ).close()
                    break
                except psycopg.OperationalError:
                    time.sleep(0.3)
            yield url
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown: it stops its backends
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.slow
def test_two_workers_share_one_study_set_in_a_real_postgresql(tuned_config, tmp_path, postgres_url):
    """`--storage postgresql+psycopg://...`, as the README tells several machines to share studies."""
    _two_workers_then_train(tuned_config, tmp_path, postgres_url)


@pytest.mark.parametrize("model_type", ["transformer", "embeddings", "setfit"])
def test_the_encoder_types_tune_over_their_default_spaces(model_type, tuned_config, tiny_bert, tmp_path):
    tiny = {"checkpoint": str(tiny_bert), "max_length": 32}
    small = {"transformer": {"epochs": 1, "batch_size": 4}, "setfit": {"batch_size": 8}}.get(model_type, {})
    model = {"type": model_type, **tiny, **small}
    run_dir = tmp_path / "run"
    path = tuned_config(tune={"trials": 2, "inner_splits": 2}, model=model)
    assert main(["train", "--config", str(path), "--out", str(run_dir)]) == 0
    studies = studies_of(run_dir)
    expected = {
        "transformer": {"learning_rate", "epochs", "warmup_fraction", "pooling", "head_init"},
        "embeddings": {"C"},
        "setfit": {"body_learning_rate", "num_iterations", "C"},
    }
    assert all(set(s.settings) == expected[model_type] for s in studies)
    if model_type == "transformer":  # the saved model is the final study's choice
        saved = json.loads((run_dir / "model" / "classifier.json").read_text())
        assert saved["pooling"] == studies[-1].settings["pooling"] == Run.open(run_dir).record.model["pooling"]
        assert Run.open(run_dir).record.model["head_init"] == studies[-1].settings["head_init"]
    if model_type == "setfit":  # the head's C is the chosen one, in the saved model too
        from stance.models import MODELS

        config = load_config(path, [])
        saved = MODELS["setfit"].load(run_dir / "model", config.model, config.seed)
        assert saved.model.model_head.C == studies[-1].settings["C"]


def test_the_report_gives_budgets_choices_and_expected_validation_performance(tuned_config, tmp_path):
    from stance.evaluation import evp

    experiments = tmp_path / "experiments"
    for name, trials in (("tuned", 3), ("tuned_more", 4)):
        path = tuned_config(name=name, tune={"trials": trials, "inner_splits": 2})
        assert main(["train", "--config", str(path), "--out", str(experiments / name)]) == 0
        assert main(["evaluate", "--run", str(experiments / name)]) == 0
    assert main(["report", "--experiments", str(experiments)]) == 0
    report = (experiments / "REPORT.md").read_text()
    assert f"Written by `stance report --experiments {experiments}`." in report  # the command to rerun
    assert "## Tuning: budgets, choices and expected validation performance" in report
    assert "**The tuned runs here had different budgets (tuned 3, tuned_more 4)" in report
    outer = [s for s in studies_of(experiments / "tuned") if s.fold is not None]
    means, bands = evp.curve([[t.score for t in s.trials] for s in outer])
    row = f"| tuned | {100 * means[0]:.1f} ± {100 * bands[0]:.1f} | {100 * means[1]:.1f} ± {100 * bands[1]:.1f} |"
    assert row in report
    assert (experiments / "figures" / "expected_validation.png").is_file()

    # beside the fixed-values run of the same name, from another folder
    fixed = tmp_path / "fixed"
    assert main(["train", "--config", str(tuned_config(name="tuned", tune=None)), "--out", str(fixed / "tuned")]) == 0
    assert main(["evaluate", "--run", str(fixed / "tuned")]) == 0
    assert main(["report", "--experiments", str(experiments), "--fixed", str(fixed)]) == 0
    report = (experiments / "REPORT.md").read_text()
    fixed_score = Run.open(fixed / "tuned").metrics.macro_f1
    assert f"| tuned | {100 * Run.open(experiments / 'tuned').metrics.macro_f1:.1f} [" in report
    assert f"| {100 * fixed_score:.1f} [" in report.split("fixed-values macro-F1")[1]
    assert report.count("| its config |") == 1

    # a fixed-values run whose values are the final study's choice (rounded as a config would) says so
    final = studies_of(experiments / "tuned")[-1].settings
    overrides = [f"model.{k}={json.dumps(float(f'{v:.4g}') if isinstance(v, float) else v)}" for k, v in final.items()]
    untuned = str(tuned_config(name="tuned", tune=None))
    sets = [arg for override in overrides for arg in ("--set", override)]
    assert main(["train", "--config", untuned, *sets, "--out", str(fixed / "tuned"), "--overwrite"]) == 0
    assert main(["evaluate", "--run", str(fixed / "tuned")]) == 0
    assert main(["report", "--experiments", str(experiments), "--fixed", str(fixed)]) == 0
    assert "| the final study's choice |" in (experiments / "REPORT.md").read_text()


@pytest.mark.slow
def test_optuna_dashboard_serves_a_tuned_runs_studies(tuned_config, tmp_path):
    """`make dashboard`: the real optuna-dashboard on the run's tuning.journal, on localhost,
    answers its REST API with the run's studies; stopped by its pid, pass or fail."""
    import signal
    import socket
    import time
    import urllib.request

    run_dir = tmp_path / "run"
    assert main(["train", "--config", str(tuned_config()), "--out", str(run_dir)]) == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dashboard = os.path.join(os.path.dirname(sys.executable), "optuna-dashboard")
    server = subprocess.Popen(
        [dashboard, str(run_dir / "tuning.journal"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    started = time.monotonic()
    try:
        while True:
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() - started < 60, "optuna-dashboard did not answer within 60 s"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies", timeout=5) as response:
                    studies = json.loads(response.read())["study_summaries"]
                break
            except OSError:
                time.sleep(0.5)
        print(f"optuna-dashboard answered after {time.monotonic() - started:.1f} s")
        names = sorted(study["study_name"] for study in studies)
        assert names == sorted(s.study for s in studies_of(run_dir))
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def test_a_shared_study_filled_for_another_version_of_the_config_is_refused(tuned_config, tmp_path, capsys):
    """An edited space must not pick its choice from the trials of the old one."""
    storage = str(tmp_path / "shared.journal")
    assert main(["tune", "--config", str(tuned_config()), "--storage", storage]) == 0
    edited = tuned_config(tune={**TUNE, "space": {"C": {"low": 0.1, "high": 10, "log": True}}})
    capsys.readouterr()
    assert main(["train", "--config", str(edited), "--out", str(tmp_path / "run"), "--storage", storage]) == 2
    err = capsys.readouterr().err
    assert "study tuned/repeat-1/fold-1 holds trials of another version of this config" in err
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_a_journal_lock_left_by_a_killed_worker_is_waited_out_not_hung_on(tuned_config, tmp_path):
    """A `stance tune` killed with -9 while it held the journal's lock leaves the lock file.
    The next worker waits for Optuna's grace period (30 s without the holder touching it),
    breaks the lock and fills the study: bounded, and no trial is lost."""
    config, storage = tuned_config(), tmp_path / "studies.journal"
    storage.touch()
    (tmp_path / "studies.journal.lock").symlink_to(storage)  # as Optuna's lock is: a link to the journal
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "stance", "tune", "--config", str(config), "--storage", str(storage)],
        capture_output=True, text=True, timeout=150, env={**os.environ, "STANCE_TRACKING": "none"},
    )  # fmt: skip
    waited = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert 25 < waited < 120, waited
    assert not (tmp_path / "studies.journal.lock").exists()
    summaries = optuna.get_all_study_summaries(open_storage(str(storage), tmp_path))
    assert summaries and all(s.n_trials >= TUNE["trials"] for s in summaries)


def test_a_dangling_journal_lock_is_removed_not_spun_on(tuned_config, tmp_path, caplog):
    """Optuna spins forever on a lock link whose target is gone (it cannot stat it, so its
    grace period never starts); such a lock can belong to no live worker."""
    storage = tmp_path / "studies.journal"
    (tmp_path / "studies.journal.lock").symlink_to(tmp_path / "deleted-journal")
    assert main(["tune", "--config", str(tuned_config()), "--storage", str(storage)]) == 0
    assert not (tmp_path / "studies.journal.lock").is_symlink()
    assert "removed a stale lock" in caplog.text
