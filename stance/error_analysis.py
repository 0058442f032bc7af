"""The per-sentence error table: every model's prediction for every sentence, hardest first."""

from collections import Counter, defaultdict



def _consensus(rows: list[dict]) -> tuple[str, float]:
    """A run's label for a sentence (most frequent over repeats) and its mean P(gold)."""
    label = Counter(r["predicted"] for r in rows).most_common(1)[0][0]
    return label, sum(r["probabilities"][r["gold"]] for r in rows) / len(rows)


def error_table(predictions: dict[str, list[dict]]) -> list[dict]:
    """One row per sentence: text, gold, rationale and each run's label; hardest first.

    Hardest = wrong in the most runs, then the lowest mean probability given to the
    gold label. Only sentences every run predicted are listed.
    """
    by_sentence: dict[str, dict[str, list[dict]]] = defaultdict(dict)
    for run, rows in predictions.items():
        grouped = defaultdict(list)
        for row in rows:
            grouped[row["id"]].append(row)
        for sid, group in grouped.items():
            by_sentence[sid][run] = group
    table = []
    for sid, per_run in by_sentence.items():
        if per_run.keys() != predictions.keys():
            continue
        first = next(iter(per_run.values()))[0]
        labels = {run: _consensus(group) for run, group in per_run.items()}
        table.append(
            {
                "id": sid,
                "text": first["text"],
                "gold": first["gold"],
                "rationale": first.get("rationale", ""),
                "predicted": {run: label for run, (label, _) in labels.items()},
                "n_wrong": sum(label != first["gold"] for label, _ in labels.values()),
                "mean_gold_probability": sum(p for _, p in labels.values()) / len(labels),
            }
        )
    return sorted(table, key=lambda row: (-row["n_wrong"], row["mean_gold_probability"], row["id"]))


def render(table: list[dict], runs: list[str]) -> list[str]:
    """Markdown lines; ✓ marks a right prediction, ✗ a wrong one."""
    escape = lambda text: text.replace("|", "\\|")  # noqa: E731
    lines = ["| # | sentence | gold | rationale | " + " | ".join(runs) + " |", "|---" * (len(runs) + 4) + "|"]
    for i, row in enumerate(table, 1):
        marks = [f"{'✓' if row['predicted'][r] == row['gold'] else '✗'} {row['predicted'][r]}" for r in runs]
        lines.append(f"| {i} | {escape(row['text'])} | {row['gold']} | {escape(row['rationale'])} | " + " | ".join(marks) + " |")
    return lines
