"""The active-learning simulation's report: curves with bands, labels saved, the verdict.

Uncertainty across seeds: each seed has its own held-out split, seed set and random
order, so the seeds' spread is the simulation's. Bands and intervals are t intervals
of the mean over seeds; a strategy beats random on a model when the interval of its
paired difference in area under the curve (mean macro-F1 over the curve's points) lies
above zero.
"""

from collections import defaultdict

import numpy as np
from scipy import stats

from stance.labelling.simulation import CurvePoint, SimulationConfig
from stance.report.format import pct


def _t_interval(values: np.ndarray) -> tuple[float, float, float]:
    mean = float(np.mean(values))
    half = float(stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / np.sqrt(len(values)))
    return mean, mean - half, mean + half


def curves(points: list[CurvePoint]) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """{(run, strategy): (labels, seeds x labels macro-F1)}."""
    table: dict[tuple[str, str], dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for p in points:
        table[p.run, p.strategy][p.seed][p.n_labels] = p.macro_f1
    out = {}
    for key, by_seed in table.items():
        sizes = sorted(next(iter(by_seed.values())))
        out[key] = np.array(sizes), np.array([[by_seed[s][n] for n in sizes] for s in sorted(by_seed)])
    return out


def summary(points: list[CurvePoint], sim: SimulationConfig) -> list[dict]:
    """One row per run and strategy: final score, area difference against random, labels saved."""
    table, rows = curves(points), []
    for run in sim.runs:
        sizes, random_f1 = table[run, "random"]
        target = float(random_f1[:, -1].mean())  # random's final mean score
        for strategy in sim.strategies:
            _, f1 = table[run, strategy]
            mean_curve = f1.mean(axis=0)
            reached = [int(n) for n, value in zip(sizes, mean_curve) if value >= target]
            area = _t_interval(f1.mean(axis=1) - random_f1.mean(axis=1)) if strategy != "random" else None
            rows.append(
                {
                    "run": run,
                    "strategy": strategy,
                    "final": _t_interval(f1[:, -1]),
                    "area_vs_random": area,
                    "beats_random": area is not None and area[1] > 0,
                    "labels_to_random_final": reached[0] if reached else None,
                    "labels_saved": sim.budget - reached[0] if reached else None,
                }
            )
    return rows


def supported_strategy(rows: list[dict], sim: SimulationConfig) -> str:
    """The strategy that beats random on every model (the larger mean gain), else random."""
    winners = [
        s for s in sim.strategies if s != "random" and all(r["beats_random"] for r in rows if r["strategy"] == s)
    ]
    if not winners:
        return "random"
    gain = {s: np.mean([r["area_vs_random"][0] for r in rows if r["strategy"] == s]) for s in winners}
    return max(winners, key=lambda s: gain[s])


def figure(points: list[CurvePoint], sim: SimulationConfig):
    from stance.report import plots

    table = curves(points)
    fig, axes = plots.plt.subplots(1, len(sim.runs), figsize=(5.2 * len(sim.runs), 3.8), sharey=True, squeeze=False)
    for ax, run in zip(axes[0], sim.runs):
        for strategy in sim.strategies:
            sizes, f1 = table[run, strategy]
            bands = np.array([_t_interval(column) for column in f1.T])
            style = {"color": "black", "linestyle": "--"} if strategy == "random" else {}
            (line,) = ax.plot(sizes, 100 * bands[:, 0], label=strategy, **style)
            ax.fill_between(sizes, 100 * bands[:, 1], 100 * bands[:, 2], color=line.get_color(), alpha=0.12)
        ax.set_title(run, fontsize=10)
        ax.set_xlabel("labels")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("held-out macro-F1 (%)")
    axes[0][-1].legend(fontsize=8, loc="lower right")
    return plots._finish(fig)


def _interval_text(interval) -> str:
    mean, low, high = interval
    return f"{pct(mean)} [{pct(low)}, {pct(high)}]"


def render(points: list[CurvePoint], sim: SimulationConfig, command: str) -> str:
    rows = summary(points, sim)
    choice = supported_strategy(rows, sim)
    winners = sorted({r["strategy"] for r in rows if r["beats_random"]})
    verdict = (
        f"**{choice}** beats random on every model here; `stance label suggest` defaults to it."
        if choice != "random"
        else "**No strategy beats random on every model here**, so `stance label suggest` defaults to `random`"
        + (f" (better than random on one model only: {', '.join(winners)})." if winners else ".")
    )
    challengers = [r for r in rows if r["area_vs_random"] is not None]
    above = sum(r["area_vs_random"][0] > 0 for r in challengers)
    spread = (
        f"{above} of the {len(challengers)} model–strategy pairs have a mean area above random's, and the "
        f"interval excludes zero for {sum(r['beats_random'] for r in challengers)}; each interval is uncorrected "
        f"for the {len(challengers)} comparisons."
    )
    lines = [
        "# Does ordering pay? Active learning simulated on the labelled items",
        "",
        verdict,
        spread,
        "",
        f"{sim.seeds} seeds; each holds out 1/{sim.test_fraction_folds} of the items (family-grouped, stratified) "
        f"and starts every strategy from the same {sim.seed_size} stratified random labels, then queries "
        f"{sim.batch} a round up to {sim.budget}. The gold labels stand in for the annotator. "
        "Intervals: 95% t intervals over seeds. Area: mean held-out macro-F1 over the curve's points, "
        "paired with random by seed. Command: `" + command + "`.",
        "",
        "![learning curves by strategy](curves.png)",
        "",
        f"| model (run) | strategy | macro-F1 at {sim.budget} labels | area − random's | beats random | "
        "labels to reach random's final score | labels saved |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        area = "—" if r["area_vs_random"] is None else _interval_text(r["area_vs_random"])
        reach = "not reached" if r["labels_to_random_final"] is None else str(r["labels_to_random_final"])
        saved = "—" if r["labels_saved"] is None else str(r["labels_saved"])
        beats = "—" if r["strategy"] == "random" else ("yes" if r["beats_random"] else "no")
        lines.append(
            f"| {r['run']} | {r['strategy']} | {_interval_text(r['final'])} | {area} | {beats} | {reach} | {saved} |"
        )
    lines += [
        "",
        "Labels saved: the budget less the labels at which the strategy's mean curve first reaches random's "
        "mean final score; a mean curve is noisy, so read it with the area column and its interval.",
        "",
    ]
    return "\n".join(lines)
