"""The `stance` command line: train, tune, evaluate, predict, report, ensemble, segment, agreement, label."""

import argparse
import logging
import shlex
import signal
import sys
import time
from pathlib import Path

from stance.errors import StanceError
from stance.provenance import is_main_process
from stance.threads import numeric_threads

EXPERIMENTS_DIR = Path("experiments")
HEADLINE_STUDY = Path("configs/study/headline.yaml")
STORAGE_HELP = (
    "where tuning studies live: an RDB URL (postgresql+psycopg://..., mysql://..., sqlite:///file.db) "
    "or a journal file that processes on one machine share"
)


def _nothing_written(run_dir: Path) -> str:
    """What an interrupted write of `run_dir` leaves: a run is staged aside until complete."""
    kept = f"; the earlier run in {run_dir} is unchanged" if run_dir.exists() else ""
    return f"nothing was written{kept}"


def cmd_train(args: argparse.Namespace) -> None:
    from stance.config import load_config
    from stance.train import train

    config = load_config(args.config, args.set)
    run_dir = args.out or EXPERIMENTS_DIR / config.name
    args.if_interrupted = _nothing_written(run_dir)
    train(
        config,
        str(args.config),
        run_dir,
        overwrite=args.overwrite,
        command_started=args.started,
        storage_url=args.storage,
        on_written=lambda: setattr(args, "if_interrupted", f"the new run in {run_dir} is complete"),
    )
    if is_main_process():  # under accelerate launch every process trains, and one writes
        print(f"wrote {run_dir}; score it with: stance evaluate --run {run_dir}")
        if not args.no_track:
            _track(args, run_dir)


def _track(args: argparse.Namespace, run_dir: Path) -> None:
    """Copy the finished run folder into the tracking store (stance/tracking.py)."""
    from stance.tracking import track

    args.if_interrupted = f"{run_dir} is complete; only its tracking was cut short (stance track --run {run_dir})"
    track(run_dir)


def cmd_tune(args: argparse.Namespace) -> None:
    from stance.config import load_config
    from stance.train import fill_studies

    config = load_config(args.config, args.set)
    args.if_interrupted = (
        f"the complete trials are kept in {args.storage} and the interrupted one is marked failed; "
        "run the same command to go on"
    )
    names = fill_studies(config, str(args.config), args.storage)
    print(f"{len(names)} studies of {config.tune.trials} trials each in {args.storage}; train with their choices:")
    print(f"  stance train --config {args.config} --storage {args.storage}")


def cmd_evaluate(args: argparse.Namespace) -> None:
    from stance.evaluation.score import score_run
    from stance.report import run as run_report
    from stance.runs import Run

    run = Run.open(args.run)
    args.if_interrupted = f"{args.run}: metrics.json and report.md are unchanged"
    result = score_run(run)
    run_report.write(run, result)
    args.if_interrupted = f"{args.run}: the new metrics.json and report.md are written"
    print(f"{args.run}: macro-F1 {result.macro_f1:.3f}  F_avg {result.f_avg:.3f}  accuracy {result.accuracy:.3f}")
    _track(args, args.run)


def cmd_track(args: argparse.Namespace) -> None:
    from stance.runs import Run
    from stance.tracking import prepare_store, track, tracking_uri

    uri = tracking_uri()
    if uri is None:
        if args.init:  # make prepares the store before every run goal; with tracking off there is none
            print("tracking is off (STANCE_TRACKING=none)")
            return
        raise StanceError("tracking is off (STANCE_TRACKING=none): nothing to log to")
    if args.init:
        prepare_store(uri)  # before parallel jobs write to it: they then only add rows
        print(f"tracking store ready: {uri}")
        return
    if args.run is None:
        raise StanceError("track: give --run RUN_FOLDER (or --init)")
    Run.open(args.run)  # a folder that is not a run is one line, before any tracking
    run_id = track(args.run, uri)
    if run_id is not None:
        print(f"tracked {args.run} as MLflow run {run_id} in {uri}")


def cmd_predict(args: argparse.Namespace) -> None:
    from stance.predict import check_output_path, format_jsonl, load_run_model, predictions, read_inputs
    from stance.runs import Run, write_atomically

    if (args.input is None) == (not args.text):
        raise StanceError("predict: give either --input FILE or sentences as arguments")
    if args.output:
        check_output_path(args.output)
    texts, targets = read_inputs(args.input) if args.input else (args.text, None)
    model = load_run_model(Run.open(args.run))
    lines = format_jsonl(predictions(model, texts, targets))
    if args.output:
        write_atomically(args.output, "".join(lines))
        print(f"wrote {len(texts)} predictions to {args.output}", file=sys.stderr)
    else:
        sys.stdout.writelines(lines)


def cmd_report(args: argparse.Namespace) -> None:
    from stance.report.comparison import write_report
    from stance.study import load_study

    command = ["stance", "report"]  # the report names the command that wrote it, as a user would retype it
    if args.study is not None:
        command += ["--study", str(args.study)]
    if args.experiments != EXPERIMENTS_DIR:
        command += ["--experiments", str(args.experiments)]
    for name in args.baseline or ():
        command += ["--baseline", name]
    if args.fixed is not None:
        command += ["--fixed", str(args.fixed)]
    study = load_study(args.study) if args.study is not None else None
    report_dir = study.report if study else args.experiments
    args.if_interrupted = (
        f"the report in {report_dir} is unchanged (REPORT.md, REPORT.html and figures are written together)"
    )
    path, numbers = write_report(
        args.experiments,
        baselines=args.baseline or (study.baseline if study else None),
        fixed_dir=args.fixed,
        command=shlex.join(command),
        names=study.runs if study else None,
        out_dir=study.report if study else None,
        question=study.question if study else None,
        title=f"The {study.name} study" if study else "Comparison of runs",
    )
    print(f"wrote {path}")
    from stance.tracking import track_report

    args.if_interrupted = f"{path} is complete; only its tracking was cut short"
    track_report(path, numbers)


def cmd_make_deps(args: argparse.Namespace) -> None:
    from stance.runs import write_atomically
    from stance.study import make_dependencies

    text = make_dependencies(args.studies)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(args.out, text)


def cmd_ensemble(args: argparse.Namespace) -> None:
    from stance.ensemble import build, build_all

    if (args.config is None) == (args.runs is None):
        raise StanceError("ensemble: give either --runs with --out, or --config with --experiments")
    if args.config is not None:
        args.if_interrupted = "the ensembles already written are complete; the one being built was not written"
        for out in build_all(args.config, args.experiments, overwrite=args.overwrite):
            print(f"wrote {out}")
        return
    if args.out is None:
        raise StanceError("ensemble: --runs needs --out, the ensemble's run folder")
    args.if_interrupted = _nothing_written(args.out)
    out = build(args.runs, args.out, overwrite=args.overwrite, method=args.method)
    print(f"wrote {out}; score it with: stance evaluate --run {out}")


def cmd_agreement(args: argparse.Namespace) -> None:
    from stance.data.seeds import annotations_by_source
    from stance.evaluation.agreement import agreement
    from stance.report.agreement import render

    for source, (annotations, texts) in annotations_by_source(args.seeds).items():
        if len(annotations) < 2:
            print(f"== {source}: {len(annotations)} annotator(s), nothing to compare\n")
            continue
        print(f"== {source}\n{render(agreement(annotations, texts))}\n")


def cmd_segment(args: argparse.Namespace) -> None:
    from stance.data import seeds

    path = args.article / seeds.SENTENCES_FILE
    if path.exists() and not args.overwrite:
        raise StanceError(f"{path}: already exists; pass --overwrite to re-segment (labels.jsonl is never touched)")
    rows = seeds.segment_article(args.article)
    seeds.write_jsonl(path, rows)
    print(f"wrote {len(rows)} sentences to {path}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stance", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="cross-validate a config and save a run")
    train.add_argument("--config", type=Path, required=True, help="experiment YAML file")
    train.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a config value, e.g. model.C=0.5"
    )
    train.add_argument("--out", type=Path, help="run folder (default experiments/<config name>)")
    train.add_argument("--overwrite", action="store_true", help="replace an existing run folder")
    train.add_argument(
        "--no-track", action="store_true", help="leave tracking to the `stance evaluate` that follows (make does)"
    )
    train.add_argument("--storage", help=STORAGE_HELP + " (default: a journal kept in the run folder)")
    train.set_defaults(func=cmd_train)

    tune = sub.add_parser("tune", help="fill a tuned config's studies (one worker of many); train reads them")
    tune.add_argument("--config", type=Path, required=True, help="experiment YAML file with a tune: section")
    tune.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a config value, e.g. tune.trials=20"
    )
    tune.add_argument("--storage", required=True, help=STORAGE_HELP)
    tune.set_defaults(func=cmd_tune)

    evaluate = sub.add_parser("evaluate", help="score a run's predictions: metrics.json, report.md, plot")
    evaluate.add_argument("--run", type=Path, required=True, help="run folder")
    evaluate.set_defaults(func=cmd_evaluate)

    track = sub.add_parser("track", help="log an existing run folder to the tracking store (MLflow)")
    track.add_argument("--run", type=Path, help="run folder")
    track.add_argument("--init", action="store_true", help="create the store and its experiment, before parallel jobs")
    track.set_defaults(func=cmd_track)

    predict = sub.add_parser("predict", help="label new sentences with a run's final model")
    predict.add_argument("--run", type=Path, required=True, help="run folder")
    predict.add_argument("--input", type=Path, help='.txt (one sentence a line) or .jsonl with a "text" field')
    predict.add_argument("--output", type=Path, help="JSONL output file (default stdout)")
    predict.add_argument("text", nargs="*", help="sentences to label, instead of --input")
    predict.set_defaults(func=cmd_predict)

    report = sub.add_parser("report", help="write REPORT.md (and .html) comparing a study's runs, or a folder's")
    report.add_argument(
        "--study", type=Path, help=f"study file naming the runs, baseline and report folder (e.g. {HEADLINE_STUDY})"
    )
    report.add_argument("--experiments", type=Path, default=EXPERIMENTS_DIR, help="folder of run folders")
    report.add_argument(
        "--baseline",
        action="append",
        metavar="RUN",
        help="run the others are paired with, on its folds (repeat for several; default: the study's, "
        "else every tfidf (logreg) run)",
    )
    report.add_argument(
        "--fixed", type=Path, help="folder of fixed-values runs to show beside the tuned runs of the same name"
    )
    report.set_defaults(func=cmd_report)

    deps = sub.add_parser("make-deps", help="write the makefile fragment of studies' runs and their prerequisites")
    deps.add_argument("studies", type=Path, nargs="+", metavar="STUDY", help="configs/study/*.yaml")
    deps.add_argument("--out", type=Path, required=True, help="makefile fragment to write")
    deps.set_defaults(func=cmd_make_deps)

    ensemble = sub.add_parser("ensemble", help="average or stack trained runs' probabilities (chosen on dev)")
    ensemble.add_argument(
        "--runs", type=Path, nargs="+", metavar="RUN", help="two or more runs scored on identical folds"
    )
    ensemble.add_argument(
        "--config", type=Path, help="configs/ensemble/*.yaml: several ensembles, built in order (with --experiments)"
    )
    ensemble.add_argument(
        "--experiments", type=Path, default=EXPERIMENTS_DIR, help="with --config: the folder of members and outputs"
    )
    ensemble.add_argument(
        "--method",
        choices=["average", "stack"],
        default="average",
        help="average (two runs: weight chosen on dev; more: equal) or stack (meta-learner fitted on dev)",
    )
    ensemble.add_argument("--out", type=Path, help="with --runs: run folder for the ensemble")
    ensemble.add_argument("--overwrite", action="store_true", help="replace an existing run folder")
    ensemble.set_defaults(func=cmd_ensemble)

    agree = sub.add_parser("agreement", help="inter-annotator agreement per source (articles, each set)")
    agree.add_argument("--seeds", type=Path, default=Path("seeds"), help="seeds folder")
    agree.set_defaults(func=cmd_agreement)

    segment = sub.add_parser("segment", help="split an article into sentences.jsonl")
    segment.add_argument("article", type=Path, help="seeds/articles/<id> folder holding article.txt and meta.yaml")
    segment.add_argument("--overwrite", action="store_true", help="replace an existing sentences.jsonl")
    segment.set_defaults(func=cmd_segment)

    from stance.labelling.commands import add_commands

    add_commands(sub)
    return parser


def _show_warnings() -> None:
    """Print the `stance` logger's warnings (e.g. truncated inputs) on stderr."""
    logger = logging.getLogger("stance")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        logger.addHandler(handler)


def _interrupt(signum, frame) -> None:
    """SIGTERM (kill, timeout, a job scheduler) stops a command the way Ctrl-C does, so
    the same cleanup runs: staging folders removed, the earlier run kept."""
    raise KeyboardInterrupt


def _os_problem(err: OSError) -> str:
    """One line for an operating-system error: the file, then what the system said."""
    place = f"{err.filename}: " if err.filename else ""
    return f"{place}{err.strerror or err}"


def run() -> None:
    """The `stance` console script and `python -m stance`: main(), then exit with its code.

    Once main has returned, every file the command writes is in place or not written, and
    its last line is printed; a signal during the interpreter's shutdown (torch and its
    threads take a fraction of a second) would only turn that exit code into a death by
    signal, so from here on SIGINT and SIGTERM are ignored."""
    code = main()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()  # a run's setup stage counts from here (stance.bench)
    _show_warnings()
    args = build_parser().parse_args(argv)
    args.started = started
    args.if_interrupted = None  # what an interrupted command leaves; the commands that write say
    previous_handler = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with numeric_threads():
            args.func(args)
    except StanceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted" + (f"; {args.if_interrupted}" if args.if_interrupted else ""), file=sys.stderr)
        return 130
    except OSError as err:  # disk full, permission denied, a file vanished: the system's words, one line
        print(f"error: {_os_problem(err)}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    return 0
