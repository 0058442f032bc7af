"""Figures for run and comparison reports (matplotlib, no display needed).

Each function returns a Figure; the caller saves it where it belongs.
"""

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # headless: reports are written on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from stance.labels import LABELS  # noqa: E402
from stance.runs import CurvePoint  # noqa: E402


def _draw_confusion(ax, matrix: Sequence[Sequence[int]], title: str) -> None:
    counts = np.asarray(matrix)
    ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(LABELS)), LABELS)
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title, fontsize=10)
    for (row, col), value in np.ndenumerate(counts):
        ax.text(col, row, str(value), ha="center", va="center", color="white" if value > counts.max() / 2 else "black")


def _finish(fig: Figure) -> Figure:
    fig.tight_layout()
    plt.close(fig)  # the caller saves it; pyplot need not keep it
    return fig


def confusion_matrix(matrix: Sequence[Sequence[int]], title: str) -> Figure:
    fig, ax = plt.subplots(figsize=(4, 3.6))
    _draw_confusion(ax, matrix, title)
    return _finish(fig)


def confusion_matrices(matrices: Mapping[str, Sequence[Sequence[int]]]) -> Figure:
    """All runs' confusion matrices side by side."""
    fig, axes = plt.subplots(1, len(matrices), figsize=(3.8 * len(matrices), 3.6), squeeze=False)
    for ax, (name, matrix) in zip(axes[0], matrices.items()):
        _draw_confusion(ax, matrix, name)
    return _finish(fig)


def forest(rows: Sequence[tuple[str, float, Sequence[float], bool]], baseline: str) -> Figure:
    """Each run's Δ macro-F1 against the baseline with its 95% CI, largest first, coloured
    by the paired test's verdict (Holm-adjusted); the dashed line is no difference."""
    longest = max(len(name) for name, *_ in rows)
    fig, ax = plt.subplots(figsize=(max(7, 4.5 + 0.07 * longest), 1.1 + 0.36 * len(rows)))
    heights = np.arange(len(rows))[::-1]
    for height, (_, delta, (low, high), judged) in zip(heights, rows):
        colour = "tab:gray" if not judged else "tab:green" if delta > 0 else "tab:red"
        ax.errorbar(100 * delta, height, xerr=[[100 * (delta - low)], [100 * (high - delta)]], fmt="o",
                    color=colour, capsize=4, markersize=6)  # fmt: skip
        ax.annotate(f"{100 * delta:+.1f}", (100 * delta, height), textcoords="offset points", xytext=(0, 7),
                    ha="center", fontsize=8)  # fmt: skip
    ax.axvline(0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(heights, [name for name, *_ in rows], fontsize=9)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(f"Δ macro-F1 against {baseline} (points, 95% CI); green or red: distinguishable", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    return _finish(fig)


def learning_curves(curves: Mapping[str, Sequence[CurvePoint]]) -> Figure:
    """macro-F1 against training-set size per run, with its 95% CI band."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, points in curves.items():
        sizes = [p.size for p in points]
        ax.plot(sizes, [p.macro_f1 for p in points], marker="o", label=name)
        ax.fill_between(sizes, [p.ci95[0] for p in points], [p.ci95[1] for p in points], alpha=0.15)
    ax.set_xlabel("training items per fold")
    ax.set_ylabel("macro-F1 (95% CI)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    return _finish(fig)


def expected_validation(curves: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """Expected best inner score against the number of trials per tuned run, ± its band."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, (means, bands) in curves.items():
        trials = np.arange(1, len(means) + 1)
        ax.plot(trials, 100 * means, marker="o", label=name)
        ax.fill_between(trials, 100 * (means - bands), 100 * (means + bands), alpha=0.15)
    ax.set_xlabel("trials")
    ax.set_ylabel("expected best inner macro-F1 (± sd)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8)
    return _finish(fig)


def tag_heatmap(tags: Sequence[str], runs: Sequence[str], values: Sequence[Sequence[float | None]]) -> Figure:
    """Accuracy per phenomenon tag and run; blank where a run saw no such item. Tags are rows
    and runs columns, or the other way round when there are more runs than tags, so that a
    study of many runs grows down the page instead of past its width."""
    grid = np.array([[np.nan if v is None else v for v in row] for row in values], dtype=float)
    rows, columns = list(tags), list(runs)
    if len(runs) > len(tags):
        grid, rows, columns = grid.T, columns, rows
    fig, ax = plt.subplots(figsize=(2.6 + 0.9 * len(columns), 0.9 + 0.3 * len(rows)))
    ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(columns)), columns, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    for (row, col), value in np.ndenumerate(grid):
        if not np.isnan(value):
            ax.text(col, row, f"{100 * value:.0f}", ha="center", va="center", fontsize=7)
    ax.set_title("accuracy per tag (%)", fontsize=10)
    return _finish(fig)
