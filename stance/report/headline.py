"""The headline comparison: the TF-IDF baseline against the transformer, on the most items.

Of all pairs of a `tfidf` run and a `transformer` run scored on identical folds, the one
with the most shared test items (then the most transformer seeds) gives the most
statistical power; that pair is the headline, with its difference, CI, paired test,
minimum detectable difference and verdict.
"""

from collections.abc import Sequence

from stance.evaluation.compare import Comparison, compare
from stance.report.format import ci_text, p_text, pct
from stance.report.paired import PairedTest, verdict_text
from stance.runs import Run, of_model_type

BASELINE_TYPE, CHALLENGER_TYPE = "tfidf", "transformer"


def best_pair(runs: Sequence[Run]) -> tuple[Run, Run, Comparison] | None:
    """The paired (transformer, tfidf) runs with the most shared test items, then the most
    repeats (seeds) of the transformer, and their comparison: the pair with the most power."""
    best, best_power = None, None
    for challenger in of_model_type(runs, CHALLENGER_TYPE):
        for baseline in of_model_type(runs, BASELINE_TYPE):
            result = compare(challenger.predictions, baseline.predictions, seed=challenger.record.seed)
            power = None if result is None else (result.n_items, challenger.n_repeats)
            if power is not None and (best is None or power > best_power):
                best, best_power = (challenger, baseline, result), power
    return best


def holm_p_of(challenger: Run, baseline: Run, tests: Sequence[PairedTest]) -> float | None:
    """The pair's Holm-adjusted p when it is one of the paired `tests`, else None."""
    pair = (challenger.name, baseline.name)
    return next((test.holm_p for test in tests if (test.run.name, test.baseline.name) == pair), None)


def section(runs: Sequence[Run], tests: Sequence[PairedTest] = ()) -> list[str]:
    """The headline pair in numbers and words; judged at its Holm-adjusted p when it is one
    of the report's paired `tests` (the correction then counts every test in that table)."""
    pair = best_pair(runs)
    if pair is None:
        return [f"No `{CHALLENGER_TYPE}` run shares its folds with a `{BASELINE_TYPE}` run: no headline comparison."]
    challenger, baseline, result = pair
    holm_p = holm_p_of(challenger, baseline, tests)
    corrected = (
        ", not a row of the paired table below, so not adjusted"
        if holm_p is None
        else f", Holm-adjusted over the {len(tests)} paired tests below p {p_text(holm_p)}"
    )
    seeds = []
    if challenger.n_repeats > 1:
        per_seed = [
            100 * stats_of_seed.macro_f1_difference
            for repeat in sorted({row.repeat for row in challenger.test_predictions})
            if (stats_of_seed := _one_seed(challenger, baseline, repeat)) is not None
        ]
        seeds = [
            f"The transformer ran {challenger.n_repeats} seeds on the same folds (`protocol.reshuffle: false`). "
            "Δ is that of their pooled predictions. Its interval resamples the seeds as well as the items, so it "
            f"holds seed variance (roughly: a bootstrap over {challenger.n_repeats} seeds understates their spread); "
            "the permutation p treats the pooled seeds as one system. "
            f"Δ of each seed alone: {', '.join(f'{d:+.1f}' for d in per_seed)}.",
            "",
        ]
    return [
        f"`{challenger.name}` against `{baseline.name}` on {result.n_items} shared test items: "
        f"Δ macro-F1 {100 * result.macro_f1_difference:+.1f} points, 95% CI {ci_text(result.difference_ci)}, "
        f"permutation p {p_text(result.permutation_p)}{corrected}, minimum detectable difference "
        f"{pct(result.minimum_detectable_difference)} points.",
        "",
        *seeds,
        f"**Verdict:** {verdict_text(challenger.name, baseline.name, result, holm_p)}",
    ]


def _one_seed(challenger: Run, baseline: Run, repeat: int) -> Comparison | None:
    rows = [row for row in challenger.test_predictions if row.repeat == repeat]
    return compare([row.model_copy(update={"repeat": 0}) for row in rows], baseline.predictions, seed=repeat)
