"""Run folders: their typed records, their layout, and the one object that reads and writes them.

    experiments/<name>/
        config.yaml         the resolved config (trained runs; an ensemble run has none)
        run.json            RunRecord: what produced the run
        model/              the final model, as its model type saves it
        predictions.jsonl   one PredictionRow per item, repeat and split
        chance.json         ChanceNull, when the config asks for a retrained permutation null
        curve.jsonl         one CurveRow per item, training size and subset, when asked for
        tuning.journal      the Optuna studies of a tuned run (optuna-dashboard opens it)
        training_log.jsonl  one TrainingStep per fold and optimisation step (fine-tuned models)
        metrics.json        Metrics: written by `stance evaluate`, never by training
        report.md, confusion_matrix.png

A run is built in a hidden sibling folder and renamed into place only when complete
(stance.staging), so a crash leaves no half-written run and never damages an earlier
one. Files added later (metrics, report) are each written to a temporary name and renamed.
"""

import json
import os
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from stance import files
from stance.config import ExperimentConfig, ProtocolConfig, validate_config
from stance.errors import ConfigError, RunError

CONFIG_FILE = "config.yaml"
RUN_FILE = "run.json"
MODEL_DIR = "model"
PREDICTIONS_FILE = "predictions.jsonl"
CHANCE_FILE = "chance.json"
CURVE_FILE = "curve.jsonl"
TUNING_FILE = "tuning.journal"
TRAINING_LOG_FILE = "training_log.jsonl"
METRICS_FILE = "metrics.json"
REPORT_FILE = "report.md"
CONFUSION_PNG = "confusion_matrix.png"


class Record(BaseModel):
    """A typed record in a run folder: unknown or missing fields are errors on reading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- what training writes -------------------------------------------------------------------


class PredictionRow(Record):
    """One out-of-fold (or held-out) prediction of one item in one repeat."""

    id: str
    group: str
    text: str
    gold: str
    predicted: str
    probabilities: dict[str, float]  # in LABELS order
    repeat: int
    fold: int
    split: Literal["test", "dev"]  # dev: the holdout's early-stopping split, scored apart
    rationale: str | None = None
    source: str  # "article", a labelled set's name, or the external data set's name
    family: str  # the article unit a contrast item was made from, else the item's own id
    tags: tuple[str, ...] = ()  # phenomenon tags of labelled-set items

    @property
    def correct(self) -> bool:
        return self.gold == self.predicted


class CurveRow(PredictionRow):
    """A prediction from a model trained on a random subset of `size` items of its fold."""

    size: int
    curve_repeat: int


class ChanceNull(Record):
    """macro-F1 of the protocol retrained on permuted labels, once per permutation."""

    metric: Literal["macro_f1"] = "macro_f1"
    n_permutations: int
    null: list[float]


class Seconds(Record):
    """Where a run's wall time went. The stages (setup to write) add up to `total`;
    `cross_validation`, `fit_per_fold_mean` and `final_fit` cut the same time another way.
    Runs written before the stages existed have 0 there."""

    setup: float = 0.0  # from the command's start to the data stage: imports, config
    data: float = 0.0  # load and validate the data, build the folds, check the model
    fit: float = 0.0  # every fit of the protocol: the shared model, each fold, the final model
    predict: float = 0.0  # every out-of-fold prediction
    tune: float = 0.0  # nested tuning: every trial's inner fits (config `tune:`)
    analysis: float  # permutation null and learning curve: whole protocol reruns
    write: float = 0.0  # save the model and write the run folder
    total: float
    cross_validation: float
    fit_per_fold_mean: float
    final_fit: float


class DataRecord(Record):
    source: str
    location: str  # the seeds folder, or the external data folder, as the config gives it
    sha256: str
    # `location` resolved: config paths are read from the current directory, not the config's
    absolute_location: str | None = None


class StackRecord(Record):
    """A stacked ensemble's meta-learner: multinomial logistic regression over the members'
    log-probabilities (stance.evaluation.stacking), fitted on the dev split."""

    coef: list[list[float]]
    intercept: list[float]
    classes: list[str]


class EnsembleRecord(Record):
    """How an ensemble run was built; members are run folders relative to the ensemble run."""

    members: list[str]
    method: Literal["average", "stack"] = "average"
    weights: list[float]  # average: one per member; stack: empty
    weight_grid_dev_f_avg: dict[float, float]
    stack: StackRecord | None = None
    protocol: ProtocolConfig
    member_models: list[str]


class TrialRecord(Record):
    """One trial of a tuning study: the model settings it tried and their inner score."""

    number: int
    settings: dict
    score: float
    seconds: float


class StudyRecord(Record):
    """One outer fold's study (or the final model's): its trials and the settings chosen."""

    study: str
    repeat: int | None  # None: the final model's study, over every training item
    fold: int | None
    n_train: int
    settings: dict
    score: float  # the chosen trial's inner score
    trials: list[TrialRecord]  # the budget's trials, by number; a worker's extra trials are left out


class TuningRecord(Record):
    """How a tuned run chose its model settings (config `tune:`)."""

    metric: str
    trials: int
    inner_splits: int
    space: str  # as the report prints it
    storage: str  # where the studies live besides tuning.journal
    studies: list[StudyRecord]


class FoldRecord(Record):
    """One fold of the protocol as trained: its training items and the time its fit took."""

    repeat: int
    fold: int
    n_train: int
    fit_seconds: float


class TrainingStep(Record):
    """One logged step of a fold's fit, as the HF Trainer logged it: the training loss, gradient
    norm, learning rate and epoch, or (early stopping) the epoch's dev scores, `eval_*`."""

    repeat: int
    fold: int
    step: int
    values: dict[str, float]


class RunRecord(Record):
    """run.json: everything about how a run was produced, beside its config."""

    name: str
    config_source: str | None
    seed: int
    data: DataRecord
    n_folds: int
    n_predictions: int | None = None  # rows of predictions.jsonl: a file cut at a line end is caught (older runs: None)
    mean_train_size: float
    seconds: Seconds
    folds: list[FoldRecord] | None = None  # runs written before folds were recorded: None
    model: dict | None = None  # the model type's own provenance, e.g. the resolved checkpoint
    ensemble: EnsembleRecord | None = None
    tuning: TuningRecord | None = None
    world_size: int
    git: dict
    command: list[str]
    python: str
    platform: str
    packages: dict[str, str | None]
    created_at: str


# --- what scoring writes --------------------------------------------------------------------


class ClassScores(Record):
    precision: float
    recall: float
    f1: float
    support: int


class Headline(Record):
    macro_f1: float
    f_avg: float
    accuracy: float


class GroupScores(Headline):
    n_items: int
    macro_f1_ci: tuple[float, float] | None = None  # 95% bootstrap over this group's items


class TagScores(Record):
    n_items: int
    accuracy: float


class ContrastScores(Record):
    """Gardner et al. (2020): a unit counts only if it and every contrast edit of it are right."""

    n_units: int
    consistency: float
    contrast_accuracy: float


class Spread(Record):
    mean: float
    std: float
    min: float
    max: float
    n: int


class NullTest(Record):
    p_value: float
    null_mean: float
    n_permutations: int
    null_max: float | None = None


class ChanceCheck(Record):
    prediction_shuffle: NullTest
    retrained: NullTest | None


class CurvePoint(Record):
    size: float
    macro_f1: float
    ci95: tuple[float, float]


class Metrics(Headline):
    """metrics.json: scores of the pooled test predictions, with their uncertainty."""

    per_class: dict[str, ClassScores]
    confusion_matrix: list[list[int]]  # rows gold, columns predicted, LABELS order
    labels: list[str]
    n_items: int
    n_predictions: int
    n_repeats: int
    spread_across_repeats: dict[str, Spread | None]
    ci95: dict[str, tuple[float, float]]
    bootstrap_resamples: int
    chance: ChanceCheck
    per_group: dict[str, GroupScores]
    per_source: dict[str, GroupScores]
    per_tag: dict[str, TagScores]
    contrast: ContrastScores | None
    learning_curve: list[CurvePoint]
    dev: Headline | None


# --- reading and writing --------------------------------------------------------------------

R = TypeVar("R", bound=Record)


def _corrupt(path: Path, problem: str) -> RunError:
    return RunError(f"{path}: {problem}; the run is incomplete or corrupt (train it again)")


def _validation_problem(err: ValidationError) -> str:
    first = err.errors()[0]
    return f"{'.'.join(map(str, first['loc'])) or 'record'}: {first['msg']}"


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise RunError(f"{path}: missing; the run is incomplete")
    try:
        return files.read_text(path, RunError)
    except RunError as err:
        raise RunError(f"{err}; the run is incomplete or corrupt (train it again)") from None


def read_record(path: Path, kind: type[R]) -> R:
    try:
        return kind.model_validate_json(_read_text(path))
    except ValidationError as err:
        raise _corrupt(path, _validation_problem(err)) from None


def read_rows(path: Path, kind: type[R]) -> list[R]:
    rows = []
    for line_no, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(kind.model_validate_json(line))
        except ValidationError as err:
            raise _corrupt(Path(f"{path}:{line_no}"), _validation_problem(err)) from None
    return rows


def _write_temporary(path: Path, data: bytes) -> str:
    """`data` in a hidden file beside `path`, with an ordinary file's mode; its name."""
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        try:
            os.fchmod(tmp.fileno(), 0o666 & ~_umask())  # an ordinary file's mode, not mkstemp's 0600
            tmp.write(data)
            tmp.flush()  # a full disk fails here, not in the close after the block (found by the tmpfs test)
        except BaseException:  # a full disk or Ctrl-C: no hidden half file is left
            try:
                tmp.close()  # on a full disk its flush fails again
            except OSError:
                pass
            os.unlink(tmp.name)
            raise
    return tmp.name


def write_atomically(path: Path, text: str) -> None:
    """Write `path` under a temporary name and rename it, so readers never see half a file."""
    os.replace(_write_temporary(path, text.encode("utf-8")), path)


def write_together(contents: dict[Path, bytes]) -> None:
    """Write several files so that an interrupt leaves every old one or every new one: each
    is written to a temporary name first (a full disk fails here, changing nothing), then
    all are renamed with SIGINT and SIGTERM held."""
    from stance.signals import signals_held

    written: dict[Path, str] = {}
    try:
        for path, data in contents.items():
            written[path] = _write_temporary(path, data)
        with signals_held():
            for path, tmp in list(written.items()):
                os.replace(tmp, path)
                del written[path]
    finally:
        for tmp in written.values():
            Path(tmp).unlink(missing_ok=True)


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _json(record: Record) -> str:
    return json.dumps(record.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _jsonl(rows: list[Record]) -> str:
    return "".join(
        json.dumps(row.model_dump(mode="json", exclude_none=False), ensure_ascii=False) + "\n" for row in rows
    )


class Run:
    """One run folder. Every reader and writer of a file inside a run goes through here."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def open(cls, path: Path) -> "Run":
        """An existing run, after checking the folder and its run.json exist."""
        path = Path(path)
        if not path.is_dir():
            raise RunError(f"{path}: no such run folder (train one with `stance train`)")
        run = cls(path)
        run.record  # noqa: B018 - fail now, with the file named, if run.json is missing or corrupt
        return run

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def model_dir(self) -> Path:
        return self.path / MODEL_DIR

    # Reading. Each file is read and validated once.

    @cached_property
    def record(self) -> RunRecord:
        return read_record(self.path / RUN_FILE, RunRecord)

    @cached_property
    def config(self) -> ExperimentConfig | None:
        """The resolved config; None for an ensemble run, which was built, not trained."""
        if self.record.ensemble is not None:
            return None
        path = self.path / CONFIG_FILE
        try:
            raw = yaml.safe_load(_read_text(path))
            return validate_config(raw, str(path))
        except (yaml.YAMLError, ConfigError) as err:
            raise _corrupt(path, str(err).splitlines()[0]) from None

    @property
    def protocol(self) -> ProtocolConfig:
        return self.record.ensemble.protocol if self.record.ensemble else self.config.protocol

    @property
    def model_description(self) -> str:
        """What the report calls the model: `tfidf (logreg)`, `ensemble (a + b)`."""
        if self.record.ensemble:
            return f"ensemble ({' + '.join(self.record.ensemble.member_models)})"
        model = self.config.model
        return f"{model.type} ({model.classifier})" if hasattr(model, "classifier") else model.type

    @cached_property
    def predictions(self) -> list[PredictionRow]:
        path = self.path / PREDICTIONS_FILE
        rows = read_rows(path, PredictionRow)
        expected = self.record.n_predictions
        if expected is not None and len(rows) != expected:
            raise _corrupt(path, f"{len(rows)} rows where {RUN_FILE} records {expected}")
        return rows

    @property
    def test_predictions(self) -> list[PredictionRow]:
        return [row for row in self.predictions if row.split == "test"]

    @property
    def n_repeats(self) -> int:
        """Passes over the test items: CV repeats, or seeds on the same folds."""
        return len({row.repeat for row in self.test_predictions})

    @cached_property
    def chance(self) -> ChanceNull | None:
        path = self.path / CHANCE_FILE
        return read_record(path, ChanceNull) if path.exists() else None

    @cached_property
    def curve(self) -> list[CurveRow]:
        path = self.path / CURVE_FILE
        return read_rows(path, CurveRow) if path.exists() else []

    @cached_property
    def training_log(self) -> list[TrainingStep]:
        path = self.path / TRAINING_LOG_FILE
        return read_rows(path, TrainingStep) if path.exists() else []

    @property
    def is_evaluated(self) -> bool:
        return (self.path / METRICS_FILE).is_file()

    @cached_property
    def metrics(self) -> Metrics:
        return read_record(self.path / METRICS_FILE, Metrics)

    def model_folder(self) -> Path:
        """The saved final model's folder, after checking it exists."""
        if not self.model_dir.is_dir():
            raise RunError(f"{self.model_dir}: missing; the run is incomplete")
        return self.model_dir

    # Writing.

    def write_config(self, config: ExperimentConfig) -> None:
        write_atomically(self.path / CONFIG_FILE, config.to_yaml())

    def write_record(self, record: RunRecord) -> None:
        write_atomically(self.path / RUN_FILE, _json(record))
        self.__dict__["record"] = record

    def write_predictions(self, rows: list[PredictionRow]) -> None:
        write_atomically(self.path / PREDICTIONS_FILE, _jsonl(rows))

    def write_chance(self, chance: ChanceNull) -> None:
        write_atomically(self.path / CHANCE_FILE, _json(chance))

    def write_curve(self, rows: list[CurveRow]) -> None:
        write_atomically(self.path / CURVE_FILE, _jsonl(rows))

    def write_training_log(self, steps: list[TrainingStep]) -> None:
        write_atomically(self.path / TRAINING_LOG_FILE, _jsonl(steps))

    @property
    def tuning_journal(self) -> Path:
        return self.path / TUNING_FILE

    def write_report(self, markdown: str) -> None:
        write_atomically(self.path / REPORT_FILE, markdown)

    def write_scores(self, metrics: Metrics, markdown: str, figures: dict[str, object]) -> None:
        """metrics.json, report.md and the figures, all or none (stance evaluate)."""
        import io

        contents = {self.path / METRICS_FILE: _json(metrics).encode(), self.path / REPORT_FILE: markdown.encode()}
        for name, figure in figures.items():
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=120)
            contents[self.path / name] = buffer.getvalue()
        write_together(contents)
        self.__dict__["metrics"] = metrics

    def write_figure(self, name: str, figure) -> None:
        """Save a matplotlib figure as PNG under a temporary name, then rename it."""
        tmp = self.path / f".{name}.tmp"
        figure.savefig(tmp, format="png", dpi=120)
        os.replace(tmp, self.path / name)


def of_model_type(runs: list[Run], *types: str) -> list[Run]:
    """The trained runs (not ensembles) whose model is one of `types`."""
    return [run for run in runs if run.config is not None and run.config.model.type in types]


def find_runs(experiments_dir: Path) -> list[Run]:
    """Every run folder directly under `experiments_dir`, by name; hidden (staging) folders are not runs."""
    if not experiments_dir.is_dir():
        return []
    return [Run.open(p) for p in files.visible_folders(experiments_dir) if (p / RUN_FILE).is_file()]
