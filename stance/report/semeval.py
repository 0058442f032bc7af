"""docs/benchmarks/semeval2016.md: our SemEval-2016 Task 6 numbers beside the published ones.

Reads only the records and metrics of the runs under experiments/semeval2016/: no tweet
text reaches the document (the data may not be redistributed).

    python -m stance.report.semeval [--experiments experiments/semeval2016] [--out docs/benchmarks]
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stance.ensemble import member_runs
from stance.evaluation import dev_checks
from stance.evaluation.stacking import probabilities
from stance.labels import LABELS
from stance.provenance import machine
from stance.report.format import ci_text, pct
from stance.runs import Run, find_runs, write_atomically

# F_avg on the subtask-A test set, pooled over all targets (the organizers' eval.pl).
# Scores as listed in this project's benchmark issue; the majority row is also checked
# by our own run (tests/test_semeval.py).
PUBLISHED = [
    ("Majority class", 65.22, "Mohammad et al. 2016, SemEval-2016 Task 6 official results"),
    ("SVM-ngrams", 68.98, "Mohammad et al. 2016"),
    ("MITRE, best 2016 team", 67.82, "Mohammad et al. 2016 (Zarrella & Marsh 2016)"),
    ("TweetEval RoBERTa-base", 68.0, "Barbieri et al. 2020, TweetEval"),
    ("BERTweet", 71.2, "TweetEval results for BERTweet (Nguyen et al. 2020)"),
    ("TimeLMs-2021", 72.9, "Loureiro et al. 2022, TimeLMs"),
]
NOTES_FILE = "semeval2016_notes.md"


def _dev_rows(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """A run's dev probabilities (LABELS order) and gold label ids, in id order."""
    rows = sorted((row for row in run.predictions if row.split == "dev"), key=lambda row: row.id)
    return probabilities(rows), np.array([LABELS.index(row.gold) for row in rows])


def _cross_fitted_row(name: str, rule: str, values: Sequence[float]) -> str:
    return f"| {name} | {rule} | {100 * np.mean(values):.1f} | {100 * min(values):.1f} to {100 * max(values):.1f} |"


def dev_checks_section(runs: Sequence[Run]) -> list[str]:
    """Levers tried on the ensembles' dev rows only, cross-fitted (stance.evaluation.dev_checks)."""
    lines = []
    for run in runs:
        ensemble = run.record.ensemble
        if ensemble is None:
            continue
        members = [_dev_rows(member) for member in member_runs(run)]
        proba, gold = [p for p, _ in members], members[0][1]
        if len(gold) == 0 or np.unique(gold, return_counts=True)[1].min() < 2:
            continue  # no dev split, or too few rows of a class for every part to hold it
        seed = run.record.seed
        if ensemble.method == "stack":
            equal = dev_checks.f_avg(gold, np.mean(proba, axis=0).argmax(axis=1))
            lines.append(
                f"| {run.name} | equal-weight average of the members (nothing fitted) | {100 * equal:.1f} | – |"
            )
            for C, class_weight in dev_checks.META_SETTINGS:
                rule = f"meta-learner C {C}, class weights {class_weight or 'none'}"
                lines.append(_cross_fitted_row(run.name, rule, dev_checks.stacked(proba, gold, seed, C, class_weight)))
        elif len(proba) == 2:
            for choose_none_scale, rule in ((False, "weight"), (True, "weight and a scale on P(NONE)")):
                values = dev_checks.two_run_average(*proba, gold, seed, choose_none_scale)
                lines.append(_cross_fitted_row(run.name, f"average, {rule} chosen", values))
    if not lines:
        return []
    return [
        "## Checked on dev only",
        "",
        "Dev F_avg when each fifth of dev is predicted by a rule chosen or fitted on the other",
        f"four fifths, over {dev_checks.REPEATS} shuffles of dev (mean, and the range over shuffles);",
        "`stance.evaluation.dev_checks`. Unlike the dev column above, nothing here is scored on",
        "the rows that chose it, though the MiniLM members chose their epoch on all of dev. No",
        "test row is read. A stack's dev column above is one shuffle of this kind with the fixed",
        "meta-learner (C 1, balanced), so its row here, a mean over shuffles, differs a little.",
        "",
        "| ensemble | rule, chosen on four fifths of dev | dev F_avg, cross-fitted | over shuffles |",
        "|---|---|---|---|",
        *lines,
        "",
    ]


def render(runs: Sequence[Run], notes: str) -> str:
    targets = sorted(runs[0].metrics.per_group) if runs else []
    lines = [
        "# SemEval-2016 Task 6 (subtask A): our numbers beside the published ones",
        "",
        "Written by `make bench-semeval` from the runs in `experiments/semeval2016/`. The",
        "score is the official one: F_avg = (F1 FAVOR + F1 AGAINST) / 2 pooled over the",
        "whole test file (1,249 tweets, all five targets together), as the organizers'",
        "`eval.pl` computes it. Train = trial + training (2,914 tweets), minus a 10% dev",
        "split stratified by target and label (seed 13) that is used only for early",
        "stopping and choosing settings. The test set was scored once per configuration.",
        "",
        f"Machine: {machine()}.",
        "",
        "## Published results",
        "",
        "Scores as listed in this project's benchmark issue, with the paper each comes from.",
        "",
        "| system | published F_avg | source |",
        "|---|---|---|",
        *[f"| {name} | {score:.2f} | {source} |" for name, score, source in PUBLISHED],
        "",
        "## Ours",
        "",
        "| run | model | dev F_avg | **test F_avg** | test 95% CI | test macro-F1 | "
        + " | ".join(targets)
        + " | train s |",
        "|---|---|---|---|---|---|" + "---|" * len(targets) + "---|",
    ]
    for run in runs:
        m = run.metrics
        dev = pct(m.dev.f_avg) if m.dev else "–"
        per_target = [pct(m.per_group[t].f_avg) for t in targets]
        lines.append(
            f"| {run.name} | {run.model_description} | {dev} | **{100 * m.f_avg:.2f}** | {ci_text(m.ci95['f_avg'])} | "
            f"{pct(m.macro_f1)} | " + " | ".join(per_target) + f" | {run.record.seconds.total:.0f} |"
        )
    lines += [
        "",
        "Per-target columns are F_avg within each target's test tweets. Many papers average",
        'those five numbers instead ("F_macroT"), which gives quite different values; the',
        "published rows above are all pooled.",
        "",
        "Commands (the data folder is not in this repository; see the README):",
        "",
        "```bash",
        "export STANCE_SEMEVAL_DIR=/path/to/semeval2016_task6   # make bench-semeval defaults to ../shared/data/...",
        "make bench-semeval",
        "# or one config:",
        "stance train --config configs/semeval2016/<name>.yaml --out experiments/semeval2016/<name>",
        "stance evaluate --run experiments/semeval2016/<name>",
        "```",
        "",
        *dev_checks_section(runs),
    ]
    return "\n".join(lines) + ("\n" + notes if notes else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stance.report.semeval", description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=Path, default=Path("experiments/semeval2016"))
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks"))
    args = parser.parse_args(argv)
    runs = [run for run in find_runs(args.experiments) if run.is_evaluated]
    if not runs:
        print(f"error: no evaluated runs in {args.experiments}; run make bench-semeval", file=sys.stderr)
        return 2
    notes_path = args.out / NOTES_FILE
    notes = notes_path.read_text(encoding="utf-8") if notes_path.is_file() else ""
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "semeval2016.md"
    write_atomically(path, render(runs, notes))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
