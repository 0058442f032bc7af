"""The comparison report's learning-curve section."""

from collections.abc import Sequence

from stance.runs import CurvePoint, Run

FIGURE = "learning_curve.png"


def curves(runs: Sequence[Run]) -> dict[str, list[CurvePoint]]:
    """Runs with a learning curve (more than the run's own full-size point)."""
    return {run.name: run.metrics.learning_curve for run in runs if len(run.metrics.learning_curve) > 1}


def section(figures_dir: str) -> list[str]:
    return [
        "macro-F1 against the number of training items, with 95% bootstrap bands. A curve still "
        "rising at the right edge says more labels would pay off.",
        "",
        f"![learning curves]({figures_dir}/{FIGURE})",
    ]
