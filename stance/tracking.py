"""MLflow tracking: each run folder, once written, copied into a tracking store as one MLflow run.

The run folder is the record. Tracking happens after it is complete (`stance train`,
`stance evaluate`, or `stance track` for an existing folder), so a store that is
unreachable, locked, corrupt or full costs one warning line and never a run.

The store is `STANCE_TRACKING` (a tracking URI, or `none` to turn tracking off), else
MLflow's own `MLFLOW_TRACKING_URI`, else a SQLite file beside the runs,
`experiments/mlflow.db` (SQLite is MLflow's own default since 3.7). A stance run is found
again by its folder and the digest of its run.json (tags), so logging it twice updates
one MLflow run; a retrained folder is a new one.

mlflow is imported inside the functions: tracking is the last step of a command.
"""

import hashlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from stance.runs import RUN_FILE, Run

TRACKING_VARIABLE = "STANCE_TRACKING"
DEFAULT_STORE = Path("experiments") / "mlflow.db"
EXPERIMENT = "stance"
FOLDER_TAG, RECORD_TAG, KIND_TAG = "stance.run_folder", "stance.run_json_sha256", "stance.kind"
# SQLite allows one writer at a time. MLflow already has each statement wait up to 20 s
# for the lock (its busy_timeout), which covers another job's write of well under a second;
# a store still locked after that is tried once more, then costs its one warning line
# (about 40 s in all when another process holds it throughout).
LOCK_RETRIES, LOCK_WAIT_SECONDS = 2, 0.5
BATCH = 1000  # metrics per log_batch call: MLflow's own limit


def tracking_uri(environ=os.environ) -> str | None:
    """Where runs are tracked, or None when tracking is off."""
    value = environ.get(TRACKING_VARIABLE) or environ.get("MLFLOW_TRACKING_URI")
    if value is not None and value.strip().lower() == "none":
        return None
    return value or f"sqlite:///{DEFAULT_STORE}"


def _flatten(mapping: dict, prefix: str = "") -> Iterator[tuple[str, object]]:
    for key, value in mapping.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _scores(run: Run) -> dict[str, float]:
    """The pooled scores with their intervals, F1 per class and macro-F1 per source."""
    metrics = run.metrics
    values = {}
    for name, interval in metrics.ci95.items():
        values[name] = getattr(metrics, name)
        values[f"{name}_ci_low"], values[f"{name}_ci_high"] = interval
    values.update({f"f1_{label}": scores.f1 for label, scores in metrics.per_class.items()})
    values.update({f"macro_f1_{source}": scores.macro_f1 for source, scores in metrics.per_source.items()})
    values["n_items"] = metrics.n_items
    return values


def _fold_scores(run: Run) -> dict[tuple[int, int], dict[str, float]]:
    """macro-F1 and test items of each (repeat, fold); run.json adds its training items and fit time."""
    from stance.evaluation.metrics import scores

    folds: dict[tuple[int, int], list] = {}
    for row in run.test_predictions:
        folds.setdefault((row.repeat, row.fold), []).append(row)
    return {
        key: {"macro_f1": scores([r.gold for r in rows], [r.predicted for r in rows])["macro_f1"], "n_test": len(rows)}
        for key, rows in sorted(folds.items())
    }


def _find(client, experiment_id: str, tags: dict[str, str]):
    query = " and ".join(f"tags.`{key}` = '{value}'" for key, value in tags.items())
    found = client.search_runs([experiment_id], filter_string=query, max_results=1)
    return found[0] if found else None


def _experiment_id(client, uri: str) -> str:
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment:
        return experiment.experiment_id
    # A SQLite store keeps its artifacts beside it (MLflow's default is ./mlruns, wherever
    # the command runs); a server or another database decides for itself.
    location = None
    if uri.startswith("sqlite:///"):
        location = (Path(uri.removeprefix("sqlite:///")).parent.resolve() / "mlartifacts").as_uri()
    # MLflow 3's UI opens an experiment of this kind on its training runs, not its GenAI traces.
    tags = {"mlflow.experimentKind": "custom_model_development"}
    return client.create_experiment(EXPERIMENT, artifact_location=location, tags=tags)


# MLflow's own HTTP defaults retry an unreachable server for about four minutes (measured
# here against a closed port) before giving up; a run must not wait that long on its copy.
# The user's own settings of these variables win.
HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}


def _client(uri: str):
    for name in ("mlflow", "alembic"):  # their INFO lines (creating tables, migrations) are not the user's
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.level, logging.WARNING))
    for key, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from mlflow import MlflowClient

    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return MlflowClient(tracking_uri=uri)


def prepare_store(uri: str) -> str:
    """Create the store's tables and the experiment; the experiment id. Errors propagate:
    `stance track --init` is asked for, so its failure is the command's."""
    return _experiment_id(_client(uri), uri)


def _log(client, uri: str, run: Run) -> str:
    from mlflow.entities import Metric, Param, RunTag

    experiment_id = _experiment_id(client, uri)
    record = run.record
    # run.json is written once per training (never by scoring), so its digest tells a
    # retrained folder from a rescored one, even within the second of its created_at.
    digest = hashlib.sha256((run.path / RUN_FILE).read_bytes()).hexdigest()
    identity = {FOLDER_TAG: str(run.path.resolve()), RECORD_TAG: digest, KIND_TAG: "run"}
    tags = {
        **identity,
        "stance.name": record.name,
        "stance.created_at": record.created_at,
        "stance.config": record.config_source or "",
        "stance.data_sha256": record.data.sha256,
        "mlflow.source.git.commit": record.git.get("commit") or "",
        "stance.git_dirty": str(record.git.get("dirty")),
    }
    found = _find(client, experiment_id, identity)
    run_id = found.info.run_id if found else client.create_run(experiment_id, run_name=record.name).info.run_id
    now = int(time.time() * 1000)
    # Params are written once: MLflow refuses a changed value, and a run's config never changes.
    config = {} if found or run.config is None else run.config.model_dump(mode="json")
    params = [Param(key, str(value)[:6000]) for key, value in _flatten(config)]
    metrics = [Metric(k, float(v), now, 0) for k, v in _scores(run).items()] if run.is_evaluated else []
    client.log_batch(run_id, metrics=metrics, params=params, tags=[RunTag(k, v) for k, v in tags.items()])
    for name in ("config.yaml", "run.json", "report.md", "confusion_matrix.png"):
        if (run.path / name).is_file():
            client.log_artifact(run_id, str(run.path / name))
    if run.is_evaluated:
        _log_folds(client, experiment_id, run_id, run, now)
    client.set_terminated(run_id)
    return run_id


def _child(client, experiment_id: str, parent_id: str, name: str, identity: dict[str, str]) -> str:
    """The child run of `parent_id` with these tags, created the first time."""
    identity = {"mlflow.parentRunId": parent_id, **identity}
    found = _find(client, experiment_id, identity)
    return found.info.run_id if found else client.create_run(experiment_id, run_name=name, tags=identity).info.run_id


def _log_folds(client, experiment_id: str, parent_id: str, run: Run, now: int) -> None:
    """Each fold as a child run: its test score and items, its training items and fit time,
    the fine-tuned model's loss per step, and the trials of the fold's tuning study."""
    from mlflow.entities import Metric

    trained = {(f.repeat, f.fold): f for f in run.record.folds or ()}
    steps: dict[tuple[int, int], list] = {}
    for step in run.training_log:
        steps.setdefault((step.repeat, step.fold), []).append(step)
    # Logged at the run's creation time, so that tracking a run again adds no duplicate points.
    created = int(datetime.fromisoformat(run.record.created_at).timestamp() * 1000)
    fold_runs = {}
    for (repeat, fold), values in _fold_scores(run).items():
        if (repeat, fold) in trained:
            values = {
                **values,
                "n_train": trained[repeat, fold].n_train,
                "fit_seconds": trained[repeat, fold].fit_seconds,
            }
        child = _child(
            client,
            experiment_id,
            parent_id,
            f"{run.name} repeat {repeat} fold {fold}",
            {KIND_TAG: "fold", "stance.fold": f"{repeat}.{fold}"},
        )
        fold_runs[repeat, fold] = child
        metrics = [Metric(k, float(v), now, 0) for k, v in values.items()]
        metrics += [
            Metric(key, value, created, step.step)
            for step in steps.get((repeat, fold), ())
            for key, value in step.values.items()
        ]
        for start in range(0, len(metrics), BATCH):
            client.log_batch(child, metrics=metrics[start : start + BATCH])
        client.set_terminated(child)
    if run.record.tuning is not None:
        _log_trials(client, experiment_id, parent_id, fold_runs, run, created)


def _log_trials(client, experiment_id: str, parent_id: str, fold_runs: dict, run: Run, created: int) -> None:
    """Each tuning trial as a child of its study's run: the outer fold's (the stance run's
    for the final model's study), with the settings it tried and its inner score."""
    from mlflow.entities import Metric, Param, RunTag

    tuning = run.record.tuning
    for study in tuning.studies:
        parent = fold_runs.get((study.repeat, study.fold), parent_id)
        chosen = max(study.trials, key=lambda t: (t.score, -t.number))  # as stance.tuning.chosen
        for trial in study.trials:
            identity = {KIND_TAG: "trial", "stance.study": study.study, "stance.trial": str(trial.number)}
            child = _child(client, experiment_id, parent, f"{study.study} trial {trial.number}", identity)
            found = client.get_run(child).data.params
            params = [] if found else [Param(k, str(v)[:6000]) for k, v in _flatten(trial.settings)]
            metrics = [
                Metric(f"inner_{tuning.metric}", trial.score, created, 0),
                Metric("seconds", trial.seconds, created, 0),
            ]
            tags = [RunTag("stance.chosen", str(trial is chosen).lower())]
            client.log_batch(child, metrics=metrics, params=params, tags=tags)
            client.set_terminated(child)


def _log_report(client, uri: str, path: Path, numbers: dict | None) -> str:
    """The report as an MLflow run of its own: its headline numbers, and the report files."""
    from mlflow.entities import Metric, RunTag

    experiment_id = _experiment_id(client, uri)
    identity = {"stance.report": str(path.resolve()), KIND_TAG: "report"}
    found = _find(client, experiment_id, identity)
    run_id = found.info.run_id if found else client.create_run(experiment_id, run_name=f"report: {path}").info.run_id
    numbers = numbers or {}
    now = int(time.time() * 1000)
    metrics = [Metric(k, float(v), now, 0) for k, v in numbers.items() if not isinstance(v, str)]
    tags = {**identity, **{f"stance.{k}": v for k, v in numbers.items() if isinstance(v, str)}}
    client.log_batch(run_id, metrics=metrics, tags=[RunTag(k, v) for k, v in tags.items()])
    for name in (path.name, path.with_suffix(".html").name):
        if (path.parent / name).is_file():
            client.log_artifact(run_id, str(path.parent / name))
    figures = path.parent / "figures"
    if figures.is_dir():
        client.log_artifacts(run_id, str(figures), artifact_path="figures")
    client.set_terminated(run_id)
    return run_id


def _reason(err: BaseException) -> str:
    """The innermost cause of a store's failure, in one line: `OperationalError: database or
    disk is full`, not the wrapper's first line (SQLAlchemy's own notes on autoflush)."""
    while (inner := err.__cause__ or getattr(err, "orig", None)) is not None and inner is not err:
        err = inner
    first = (str(err).strip().splitlines() or [""])[0][:200]
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def _guarded(log, what: Path, uri: str | None) -> str | None:
    """`log(client)` against the store, retried while SQLite is locked; any failure is one
    warning line naming `what`, which is complete either way."""
    uri = tracking_uri() if uri is None else uri
    if uri is None:
        return None
    # MLflow logs a failed database call at ERROR, with its traceback, before raising it;
    # the raised error is reported below, in one line.
    mlflow_logger = logging.getLogger("mlflow")
    level = mlflow_logger.level
    mlflow_logger.setLevel(logging.CRITICAL)
    try:
        for attempt in range(LOCK_RETRIES):
            try:
                return log(_client(uri), uri)
            except Exception as err:  # sqlalchemy's OperationalError, wrapped by MLflow
                if "locked" not in str(err) or attempt == LOCK_RETRIES - 1:
                    raise
                time.sleep(LOCK_WAIT_SECONDS * (attempt + 1))
    except Exception as err:  # noqa: BLE001 - any failure of the store costs one line, never the run
        print(f"warning: tracking to {uri} failed ({_reason(err)}); {what} is complete", file=sys.stderr, flush=True)
    finally:
        mlflow_logger.setLevel(level)
    return None


def track(run_dir: Path, uri: str | None = None) -> str | None:
    """Log the run folder to the tracking store; the MLflow run id, or None when tracking
    is off or failed (then one warning line says why; the run folder is untouched)."""
    return _guarded(lambda client, uri: _log(client, uri, Run.open(run_dir)), run_dir, uri)


def track_report(path: Path, numbers: dict | None, uri: str | None = None) -> str | None:
    """Log a written REPORT.md (and its HTML and figures) with its headline numbers."""
    return _guarded(lambda client, uri: _log_report(client, uri, Path(path), numbers), path, uri)
