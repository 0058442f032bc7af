"""The comparison report's paired tests: each run against the baseline run on its folds, in numbers and words.

A study names its baseline runs, one per protocol (configs/study/full.yaml names
`tfidf_logreg`, `tfidf_logreg_grouped`, ...); each run is paired with the one scored on
the same folds.
"""

from collections.abc import Sequence
from typing import NamedTuple

from stance.evaluation import stats
from stance.evaluation.compare import Comparison, compare, verdict
from stance.report.format import p_cell, p_text
from stance.runs import Run

INTRO = (
    "Same folds, same items. The permutation test swaps the two runs' predictions per item; "
    "McNemar counts items only one run gets right. Holm p is the permutation p adjusted for every "
    "test in this table (Holm's step-down method, which holds the chance of any false 'better' or "
    "'worse' at 5%); the verdicts use it. The minimum detectable difference is the true macro-F1 gap a "
    "test at α = 0.05 would find with 80% power at this n (2.8 paired-bootstrap sds)."
)

# Below this, a minimum detectable difference says nothing ("about 0 points"): the runs
# differ on a handful of items, and the number of those items is the useful fact.
MIN_DETECTABLE_WORTH_SAYING = 0.01

# What `stance report` without a study or --baseline compares every run with.
DEFAULT_BASELINE_MODEL = "tfidf (logreg)"


def verdict_text(name: str, baseline: str, result: Comparison, p: float | None = None) -> str:
    """The comparison in words, judged at `p` (default: its raw permutation p)."""
    p = result.permutation_p if p is None else p
    judged = verdict(result.macro_f1_difference, p, result.verdict == "identical")
    if judged == "identical":
        return f"Identical predictions on all {result.n_items} items: nothing to test."
    if judged in ("better", "worse"):
        points = abs(100 * result.macro_f1_difference)
        return f"{name} is {judged} than {baseline} by {points:.1f} macro-F1 points (p {p_text(p)})."
    if result.minimum_detectable_difference < MIN_DETECTABLE_WORTH_SAYING:
        items = "item" if result.n_disagree == 1 else "items"
        return (
            f"Not distinguishable (n = {result.n_items}, p {p_text(p)}): the two runs predict differently "
            f"on {result.n_disagree} {items} of {result.n_items}."
        )
    return (
        f"Not distinguishable at this sample size (n = {result.n_items}, p {p_text(p)}): "
        f"only a true difference of about {100 * result.minimum_detectable_difference:.0f} points or more "
        "would be detected reliably."
    )


def baselines_of(runs: Sequence[Run], names: Sequence[str] | None) -> list[Run]:
    """The runs named as baselines (a study names them); with no names, every TF-IDF
    logistic-regression run, known by its config, not its name."""
    if names:
        return [run for run in runs if run.name in names]
    return [run for run in runs if run.config is not None and run.model_description == DEFAULT_BASELINE_MODEL]


def baseline_text(names: Sequence[str] | None) -> str:
    return ", ".join(f"`{name}`" for name in names) if names else f"the {DEFAULT_BASELINE_MODEL} runs"


class PairedTest(NamedTuple):
    run: Run
    baseline: Run
    result: Comparison
    holm_p: float


def paired_tests(runs: Sequence[Run], baseline_names: Sequence[str] | None) -> tuple[list[PairedTest], list[str]]:
    """Each run against the baseline variant scored on the same folds, with Holm-adjusted
    p over all of them; and the names of the runs no baseline variant shares folds with."""
    baselines = baselines_of(runs, baseline_names)
    pairs, unpaired = [], []
    for run in runs:
        if run in baselines:
            continue
        pair = next(
            (
                (baseline, result)
                for baseline in baselines
                if (result := compare(run.predictions, baseline.predictions, seed=run.record.seed)) is not None
            ),
            None,
        )
        if pair is None:
            unpaired.append(run.name)
        else:
            pairs.append((run, *pair))
    adjusted = stats.holm([result.permutation_p for _, _, result in pairs]) if pairs else []
    return [PairedTest(*pair, float(p)) for pair, p in zip(pairs, adjusted)], unpaired


def section(
    runs: Sequence[Run], baseline_names: Sequence[str] | None, tests: list[PairedTest], unpaired: list[str]
) -> list[str]:
    """The table of `paired_tests(runs, baseline_names)`."""
    if not baselines_of(runs, baseline_names):
        return [f"No baseline run ({baseline_text(baseline_names)}): paired comparisons skipped."]
    lines = [
        "| run | baseline | Δ macro-F1 | permutation p | Holm p | McNemar p (only run right / only baseline right) "
        "| min. detectable Δ | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run, baseline, result, holm_p in tests:
        lines.append(
            f"| {run.name} | {baseline.name} | {100 * result.macro_f1_difference:+.1f} | "
            f"{p_cell(result.permutation_p)} | {p_cell(holm_p)} | "
            f"{p_cell(result.mcnemar_p)} ({result.only_run_right}/{result.only_baseline_right}) | "
            f"{100 * result.minimum_detectable_difference:.0f} | "
            f"{verdict_text(run.name, baseline.name, result, holm_p)} |"
        )
    if unpaired:
        lines += ["", f"No baseline run shares their folds, so these are unpaired: {', '.join(unpaired)}."]
    return lines
