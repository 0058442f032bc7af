"""Which sources a run trained and tested on, and its scores on each source kept apart."""

from collections.abc import Sequence

from stance.report.format import ci_text, pct
from stance.runs import GroupScores, Run


def loaded_sources(run: Run) -> list[str]:
    """The labelled sources a run's data section loads: the article and its sets, or the external set."""
    config = run.config
    if config is None:  # an ensemble: its members loaded the same data
        from stance.ensemble import member_runs

        return loaded_sources(member_runs(run)[0])
    return ["article", *config.data.sets] if config.data.source == "seeds" else [config.data.source]


def trained_tested(run: Run) -> str:
    """`article + constructed → contrast`: what the run trained on and what it was scored on."""
    tested = sorted({row.source for row in run.test_predictions})
    trained = run.protocol.train_sources or loaded_sources(run)
    return f"{' + '.join(trained)} → {' + '.join(tested)}"


def _cell(scores: GroupScores) -> str:
    interval = f" {ci_text(scores.macro_f1_ci)}" if scores.macro_f1_ci else ""
    return f"{pct(scores.macro_f1)}{interval} ({scores.n_items})"


def section(runs: Sequence[Run]) -> list[str]:
    """macro-F1 [95% CI] (items) of each run on each source it was tested on; empty with one source."""
    sources = sorted({source for run in runs for source in run.metrics.per_source})
    if len(sources) < 2:
        return []
    lines = ["| run | trained → tested | " + " | ".join(sources) + " |", "|---" * (len(sources) + 2) + "|"]
    for run in runs:
        scores = run.metrics.per_source
        cells = [_cell(scores[s]) if s in scores else "–" for s in sources]
        lines.append(f"| {run.name} | {trained_tested(run)} | " + " | ".join(cells) + " |")
    return lines
