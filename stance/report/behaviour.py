"""The behavioural breakdown: each model's accuracy on the items of each phenomenon tag."""

from collections.abc import Sequence

from stance.labels import TAGS
from stance.report.format import pct
from stance.runs import Run

FIGURE = "behaviour.png"
# The row that shows whether a model reads stance or only topic words.
TOPIC_ONLY_TAG = "topic_none"

INTRO = (
    "Accuracy on the test items that carry each phenomenon tag (seeds/GUIDELINES.md), with the "
    f"number of items in brackets. The `{TOPIC_ONLY_TAG}` row holds NONE items full of topic words: "
    "a model that reads topic rather than stance fails there."
)


def tagged_runs(runs: Sequence[Run]) -> list[Run]:
    return [run for run in runs if run.metrics.per_tag]


def accuracy_table(runs: Sequence[Run]) -> tuple[list[str], list[list[float | None]]]:
    """The tags present, and each tag's accuracy per run (None where a run saw no such item)."""
    tags = [tag for tag in TAGS if any(tag in run.metrics.per_tag for run in runs)]
    return tags, [[run.metrics.per_tag[t].accuracy if t in run.metrics.per_tag else None for run in runs] for t in tags]


def section(runs: Sequence[Run], figures_dir: str) -> list[str]:
    tags, values = accuracy_table(runs)
    lines = ["| tag | " + " | ".join(run.name for run in runs) + " |", "|---" * (len(runs) + 1) + "|"]
    for tag, row in zip(tags, values):
        cells = [
            "–" if value is None else f"{pct(value)} ({run.metrics.per_tag[tag].n_items})"
            for run, value in zip(runs, row)
        ]
        name = f"**{tag}**" if tag == TOPIC_ONLY_TAG else tag
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [INTRO, "", *lines, "", f"![accuracy per tag]({figures_dir}/{FIGURE})"]
