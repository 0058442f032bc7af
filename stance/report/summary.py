"""The comparison report's first table: every run's scores with their intervals."""

from collections.abc import Collection, Sequence
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


def table(runs: Sequence[Run], links_to: Path = Path("."), baselines: Collection[str] = ()) -> list[str]:
    """One row per run, in the order given, the `baselines` marked; `links_to` is the run
    folders' place relative to the report."""
    # Columns every run shares are said once, above the table.
    shared = {
        column: values.pop()
        for column, values in (
            ("protocol", {protocol_text(run.protocol) for run in runs}),
            ("trained → tested", {trained_tested(run) for run in runs}),
            ("items", {str(run.metrics.n_items) for run in runs}),
        )
        if len(values) == 1 and len(runs) > 1
    }
    header = ["run", "model", *(c for c in ("protocol", "trained → tested", "items") if c not in shared)]
    header += ["macro-F1 [95% CI]", "F_avg [95% CI]", "accuracy [95% CI]"]
    header += [f"F1 {label}" for label in LABELS] + ["chance p", "train time (s)"]
    lines = [f"Every run: {'; '.join(f'{column} {value}' for column, value in shared.items())}.", ""] if shared else []
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for run in runs:
        m = run.metrics
        mark = " (baseline)" if run.name in baselines else ""
        cells = [f"[{run.name}]({(links_to / run.name / REPORT_FILE).as_posix()}){mark}", run.model_description]
        cells += [
            value
            for column, value in (
                ("protocol", protocol_text(run.protocol)),
                ("trained → tested", trained_tested(run)),
                ("items", str(m.n_items)),
            )
            if column not in shared
        ]
        cells += [f"{pct(getattr(m, k))} {ci_text(m.ci95[k])}" for k in HEADLINE_METRICS]
        cells += [pct(m.per_class[label].f1) for label in LABELS]
        retrained = m.chance.retrained
        chance = retrained.p_value if retrained else m.chance.prediction_shuffle.p_value
        cells += [p_cell(chance) + ("" if retrained else "*"), f"{run.record.seconds.total:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def floor(runs: Sequence[Run]) -> list[str]:
    """What a model that reads nothing scores: the majority runs, if any."""
    floors = [run for run in runs if run.config is not None and run.config.model.type == "majority"]
    return [
        f"The floor: `{run.name}` always predicts its training folds' most frequent label, macro-F1 "
        f"{pct(run.metrics.macro_f1)} {ci_text(run.metrics.ci95['macro_f1'])} on {run.metrics.n_items} items."
        for run in floors
    ]
