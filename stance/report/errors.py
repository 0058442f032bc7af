"""The comparison report's error table: every run's prediction for every item, hardest first."""

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from stance.report.format import escape_cell
from stance.runs import PredictionRow

INTRO = (
    "Every item, hardest first (wrong in the most runs, then the lowest mean probability of "
    "the gold label). For runs with repeats, the label shown is the most frequent one."
)


def _consensus(rows: Sequence[PredictionRow]) -> tuple[str, float]:
    """A run's label for an item (most frequent over repeats) and its mean P(gold)."""
    label = Counter(r.predicted for r in rows).most_common(1)[0][0]
    return label, sum(r.probabilities[r.gold] for r in rows) / len(rows)


def error_table(predictions: Mapping[str, Sequence[PredictionRow]]) -> list[dict]:
    """One row per test item: text, gold, rationale and each run's label; hardest first.

    Hardest = wrong in the most runs, then the lowest mean probability given to the
    gold label. Only items every run predicted are listed.
    """
    by_item: dict[str, dict[str, list[PredictionRow]]] = defaultdict(lambda: defaultdict(list))
    for run, rows in predictions.items():
        for row in rows:
            if row.split == "test":
                by_item[row.id][run].append(row)
    table = []
    for item, per_run in by_item.items():
        if per_run.keys() != predictions.keys():
            continue
        first = next(iter(per_run.values()))[0]
        labels = {run: _consensus(rows) for run, rows in per_run.items()}
        table.append(
            {
                "id": item,
                "text": first.text,
                "gold": first.gold,
                "rationale": first.rationale or "",
                "predicted": {run: label for run, (label, _) in labels.items()},
                "n_wrong": sum(label != first.gold for label, _ in labels.values()),
                "mean_gold_probability": sum(p for _, p in labels.values()) / len(labels),
            }
        )
    return sorted(table, key=lambda row: (-row["n_wrong"], row["mean_gold_probability"], row["id"]))


def section(predictions: Mapping[str, Sequence[PredictionRow]]) -> list[str]:
    """Markdown table lines; ✓ marks a right prediction, ✗ a wrong one."""
    runs = list(predictions)
    lines = ["| # | item | gold | rationale | " + " | ".join(runs) + " |", "|---" * (len(runs) + 4) + "|"]
    for i, row in enumerate(error_table(predictions), 1):
        marks = [f"{'✓' if row['predicted'][r] == row['gold'] else '✗'} {row['predicted'][r]}" for r in runs]
        lines.append(
            f"| {i} | {escape_cell(row['text'])} | {row['gold']} | {escape_cell(row['rationale'])} | "
            + " | ".join(marks)
            + " |"
        )
    return lines
