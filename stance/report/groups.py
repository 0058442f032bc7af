"""The comparison report's per-group table: per article, or per SemEval target."""

from collections.abc import Sequence

from stance.report.format import pct
from stance.runs import Run


def section(runs: Sequence[Run]) -> list[str]:
    """macro-F1 of each run within each group; empty when there is only one group."""
    groups = list(runs[0].metrics.per_group)
    if len(groups) < 2:
        return []
    lines = ["| run | " + " | ".join(groups) + " |", "|---" * (len(groups) + 1) + "|"]
    for run in runs:
        scores = run.metrics.per_group
        lines.append(
            f"| {run.name} | " + " | ".join(pct(scores[g].macro_f1) if g in scores else "–" for g in groups) + " |"
        )
    return lines
