"""`stance label ...`: suggest, export, import, adjudicate, simulate."""

import argparse
import re
import shlex
import sys
from pathlib import Path

from stance.errors import DataError, StanceError
from stance.labelling import strategies

GUIDELINES = Path("seeds/GUIDELINES.md")
SIMULATION = Path("configs/simulation/active_learning.yaml")


def _write_text(path: Path, text: str) -> None:
    from stance.runs import write_atomically

    if not path.parent.is_dir():
        raise DataError(f"{path.parent}: folder does not exist")
    write_atomically(path, text)


def cmd_suggest(args: argparse.Namespace) -> None:
    from stance.labelling.suggest import suggest, to_jsonl

    if args.out is not None and args.out.is_dir():
        raise DataError(f"{args.out}: --out is a folder; give a file name")
    from stance.config import DEFAULT_CHECKPOINT

    rows = suggest(args.run, args.input, args.strategy, args.n, args.seed, args.encoder or DEFAULT_CHECKPOINT)
    if args.out is None:
        sys.stdout.write(to_jsonl(rows))
        return
    args.if_interrupted = f"{args.out} was not written"
    _write_text(args.out, to_jsonl(rows))
    print(f"wrote {len(rows)} suggestions ({args.strategy}) to {args.out}", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> None:
    import json

    from stance.labelling import labelstudio
    from stance.labelling.suggest import read_suggestions

    rows = read_suggestions(args.suggestions)
    config = labelstudio.labelling_config(args.guidelines, args.target)
    tasks = json.dumps(labelstudio.tasks(rows), ensure_ascii=False, indent=1) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    args.if_interrupted = f"each file in {args.out} is whole: the old one or the new one"
    _write_text(args.out / labelstudio.CONFIG_FILE, config)
    _write_text(args.out / labelstudio.TASKS_FILE, tasks)
    print(
        f"wrote {len(rows)} tasks to {args.out / labelstudio.TASKS_FILE} and the labelling config to "
        f"{args.out / labelstudio.CONFIG_FILE}",
        file=sys.stderr,
    )


def _users(pairs: list[str]) -> dict[int, str]:
    users = {}
    for pair in pairs:
        number, _, name = pair.partition("=")
        if not number.strip().isdigit() or not name.strip():
            raise DataError(f"--user: expected <Label Studio user id>=<annotator name>, got {pair!r}")
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", name.strip()):
            raise DataError(f"--user {pair}: the name becomes annotations/<name>.jsonl: letters, digits, _ . - only")
        users[int(number)] = name.strip()
    return users


def cmd_import(args: argparse.Namespace) -> None:
    from stance.labelling import labelstudio

    args.if_interrupted = f"no annotations file in {args.into / 'annotations'} was changed"
    users = _users(args.user)
    items = labelstudio.known_items(args.into)
    rows, skipped = labelstudio.read_export(args.export, items, users)
    written = labelstudio.write_annotations(args.into, rows, overwrite=args.overwrite)
    args.if_interrupted = f"the annotations files in {args.into / 'annotations'} are written"
    for path in written:
        print(f"wrote {path} ({len(rows[path.stem])} labels)")
    if skipped:
        print(f"left out {skipped} skipped or cancelled annotation(s)")


def cmd_adjudicate(args: argparse.Namespace) -> None:
    from stance.labelling.adjudicate import adjudicate, write_gold

    gold, open_cases = adjudicate(args.article, args.adjudicator)
    if open_cases:
        raise StanceError(
            f"{args.article}: {len(open_cases)} item(s) still open, nothing written: {'; '.join(open_cases)}"
        )
    print(f"wrote {write_gold(args.article, gold)} ({len(gold)} labels)")


def cmd_simulate(args: argparse.Namespace) -> None:
    from stance import staging
    from stance.labelling.simulation import load_simulation, simulate
    from stance.report import active_learning

    sim = load_simulation(args.config)
    staging.check_can_write(args.out, args.overwrite)
    args.if_interrupted = "nothing was written" + (f"; {args.out} is unchanged" if args.out.exists() else "")
    points = simulate(sim)
    command = "stance label simulate --config " + shlex.quote(str(args.config))
    with staging.staged(args.out, args.overwrite) as run:
        body = "".join(p.model_dump_json() + "\n" for p in points)
        (run.path / "curve.jsonl").write_text(body, encoding="utf-8")
        active_learning.figure(points, sim).savefig(run.path / "curves.png", dpi=120)
        (run.path / "REPORT.md").write_text(active_learning.render(points, sim, command), encoding="utf-8")
    print(f"wrote {args.out / 'REPORT.md'}")


def add_commands(sub) -> None:
    label = sub.add_parser("label", help="label new text: suggest an order, Label Studio round trip, adjudicate")
    commands = label.add_subparsers(dest="label_command", required=True)

    suggest = commands.add_parser("suggest", help="a run's guesses on unlabelled items, in the order to label them")
    suggest.add_argument("--run", type=Path, required=True, help="run folder whose final model guesses")
    suggest.add_argument(
        "--input", type=Path, required=True, help="article folder (after stance segment), .txt or .jsonl"
    )
    suggest.add_argument(
        "--strategy",
        choices=strategies.STRATEGIES,
        default=strategies.DEFAULT_STRATEGY,
        help=f"default {strategies.DEFAULT_STRATEGY}: what the simulation supports (docs/labelling.md)",
    )
    suggest.add_argument("--n", type=int, help="only the first N items (the batch)")
    suggest.add_argument("--seed", type=int, default=0, help="for random order and k-means")
    suggest.add_argument(
        "--encoder", default=None, help="checkpoint the diversity strategy clusters with (default MiniLM)"
    )
    suggest.add_argument("--out", type=Path, help="suggestions.jsonl (default stdout)")
    suggest.set_defaults(func=cmd_suggest)

    export = commands.add_parser("export", help="Label Studio import file and labelling config from suggestions")
    export.add_argument("--suggestions", type=Path, required=True, help="suggestions.jsonl from stance label suggest")
    export.add_argument("--out", type=Path, required=True, help="folder for tasks.json and labelling_config.xml")
    export.add_argument("--guidelines", type=Path, default=GUIDELINES, help="where the labels' definitions are")
    export.add_argument("--target", default="US–Russia cooperation", help="the stance target shown above each task")
    export.set_defaults(func=cmd_export)

    imported = commands.add_parser("import", help="Label Studio JSON export -> annotations/<annotator>.jsonl")
    imported.add_argument("export", type=Path, help="the project's JSON export")
    imported.add_argument("--into", type=Path, required=True, help="the article folder or set folder labelled")
    imported.add_argument("--user", action="append", default=[], help="<user id>=<name>: an annotator's file name")
    imported.add_argument("--overwrite", action="store_true", help="replace existing annotator files")
    imported.set_defaults(func=cmd_import)

    adjudicate = commands.add_parser("adjudicate", help="annotators' files -> labels.jsonl, once no item is open")
    adjudicate.add_argument("article", type=Path, help="seeds/articles/<id>")
    adjudicate.add_argument(
        "--adjudicator", default="adjudicator", help="the annotations file that decides disagreements"
    )
    adjudicate.set_defaults(func=cmd_adjudicate)

    simulate = commands.add_parser(
        "simulate", help="does ordering pay? active learning simulated on the labelled items"
    )
    simulate.add_argument("--config", type=Path, default=SIMULATION)
    simulate.add_argument("--out", type=Path, default=Path("experiments/active_learning"))
    simulate.add_argument("--overwrite", action="store_true")
    simulate.set_defaults(func=cmd_simulate)
