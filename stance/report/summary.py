"""The comparison report's first table: every run's scores with their intervals."""

from collections.abc import Sequence
from pathlib import Path

from stance.evaluation.metrics import HEADLINE_METRICS
from stance.labels import LABELS
from stance.report.format import ci_text, p_cell, pct, protocol_text
from stance.report.sources import trained_tested
from stance.runs import REPORT_FILE, Run

INTRO = (
    "Scores are percentages on pooled out-of-fold (or held-out test) predictions over each run's "
    "test items (`items`). The brackets are 95% bootstrap intervals over items. `chance p` is from "
    "retraining on permuted labels; `*` marks a run where only the cheaper test (gold labels "
    "shuffled against fixed predictions) was run."
)


def table(runs: Sequence[Run], links_to: Path = Path(".")) -> list[str]:
    """One row per run; `links_to` is the run folders' place relative to the report."""
    header = ["run", "model", "protocol", "trained → tested", "items"]
    header += ["macro-F1 [95% CI]", "F_avg [95% CI]", "accuracy [95% CI]"]
    header += [f"F1 {label}" for label in LABELS] + ["chance p", "train time (s)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for run in runs:
        m = run.metrics
        cells = [
            f"[{run.name}]({(links_to / run.name / REPORT_FILE).as_posix()})",
            run.model_description,
            protocol_text(run.protocol),
        ]
        cells += [trained_tested(run), str(m.n_items)]
        cells += [f"{pct(getattr(m, k))} {ci_text(m.ci95[k])}" for k in HEADLINE_METRICS]
        cells += [pct(m.per_class[label].f1) for label in LABELS]
        retrained = m.chance.retrained
        chance = retrained.p_value if retrained else m.chance.prediction_shuffle.p_value
        cells += [p_cell(chance) + ("" if retrained else "*"), f"{run.record.seconds.total:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
