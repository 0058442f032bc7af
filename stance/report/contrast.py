"""Contrast consistency (Gardner et al. 2020) beside plain accuracy on the contrast set."""

from collections.abc import Sequence

from stance.report.format import pct
from stance.runs import Run

INTRO = (
    "A unit counts as consistent when the model gets the article unit and every contrast edit "
    "of it right, in the same fold. Consistency far below contrast accuracy means the model is "
    "right on edits without tracking what the edit changed."
)


def section(runs: Sequence[Run]) -> list[str]:
    scored = [run for run in runs if run.metrics.contrast is not None]
    if not scored:
        return []
    lines = [INTRO, "", "| run | units | contrast consistency | accuracy on contrast items |", "|---|---|---|---|"]
    for run in scored:
        c = run.metrics.contrast
        lines.append(f"| {run.name} | {c.n_units} | {pct(c.consistency)} | {pct(c.contrast_accuracy)} |")
    return lines
