"""The comparison report's paired tests: each run against the baseline run on its folds, in numbers and words.

The baseline (`tfidf_logreg` by default) has a variant per protocol (`tfidf_logreg_grouped`,
`tfidf_logreg_augmented`, ...); each run is paired with the variant scored on the same folds.
"""

from collections.abc import Sequence

from stance.evaluation.compare import Comparison, compare
from stance.report.format import p_cell, p_text
from stance.runs import Run

INTRO = (
    "Same folds, same items. The permutation test swaps the two runs' predictions per item; "
    "McNemar counts items only one run gets right. The minimum detectable difference is the true "
    "macro-F1 gap a test at α = 0.05 would find with 80% power at this n (2.8 paired-bootstrap sds)."
)


def verdict_text(name: str, baseline: str, result: Comparison) -> str:
    if result.verdict == "identical":
        return f"Identical predictions on all {result.n_items} items: nothing to test."
    if result.verdict in ("better", "worse"):
        points = abs(100 * result.macro_f1_difference)
        p = p_text(result.permutation_p)
        return f"{name} is {result.verdict} than {baseline} by {points:.1f} macro-F1 points (p {p})."
    return (
        f"Not distinguishable at this sample size (n = {result.n_items}, p {p_text(result.permutation_p)}): "
        f"only a true difference of about {100 * result.minimum_detectable_difference:.0f} points or more "
        "would be detected reliably."
    )


def baselines_of(runs: Sequence[Run], baseline_name: str) -> list[Run]:
    """The baseline run and its protocol variants: `tfidf_logreg`, `tfidf_logreg_grouped`, ..."""
    return [run for run in runs if run.name == baseline_name or run.name.startswith(f"{baseline_name}_")]


def section(runs: Sequence[Run], baseline_name: str) -> list[str]:
    """Each run against the baseline variant scored on the same folds, if there is one."""
    baselines = baselines_of(runs, baseline_name)
    if not baselines:
        return [f"No run named `{baseline_name}`: paired comparisons skipped."]
    lines = [
        "| run | baseline | Δ macro-F1 | permutation p | McNemar p (only run right / only baseline right) "
        "| min. detectable Δ | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    unpaired = []
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
            continue
        baseline, result = pair
        lines.append(
            f"| {run.name} | {baseline.name} | {100 * result.macro_f1_difference:+.1f} | "
            f"{p_cell(result.permutation_p)} | "
            f"{p_cell(result.mcnemar_p)} ({result.only_run_right}/{result.only_baseline_right}) | "
            f"{100 * result.minimum_detectable_difference:.0f} | {verdict_text(run.name, baseline.name, result)} |"
        )
    if unpaired:
        lines += ["", f"No `{baseline_name}` run shares their folds, so these are unpaired: {', '.join(unpaired)}."]
    return lines
