"""The headline comparison: the TF-IDF baseline against the transformer, on the most items.

Of all pairs of a `tfidf` run and a `transformer` run scored on identical folds, the one
with the most shared test items gives the most statistical power; that pair is the
headline, with its difference, CI, paired test, minimum detectable difference and verdict.
"""

from collections.abc import Sequence

from stance.evaluation.compare import Comparison, compare
from stance.report.format import ci_text, p_text, pct
from stance.report.paired import PairedTest, verdict_text
from stance.runs import Run

BASELINE_TYPE, CHALLENGER_TYPE = "tfidf", "transformer"


def _of_type(runs: Sequence[Run], model_type: str) -> list[Run]:
    return [run for run in runs if run.config is not None and run.config.model.type == model_type]


def best_pair(runs: Sequence[Run]) -> tuple[Run, Run, Comparison] | None:
    """The paired (transformer, tfidf) runs with the most shared test items, and their comparison."""
    best = None
    for challenger in _of_type(runs, CHALLENGER_TYPE):
        for baseline in _of_type(runs, BASELINE_TYPE):
            result = compare(challenger.predictions, baseline.predictions, seed=challenger.record.seed)
            if result is not None and (best is None or result.n_items > best[2].n_items):
                best = (challenger, baseline, result)
    return best


def section(runs: Sequence[Run], tests: Sequence[PairedTest] = ()) -> list[str]:
    """The headline pair in numbers and words; judged at its Holm-adjusted p when it is one
    of the report's paired `tests` (the correction then counts every test in that table)."""
    pair = best_pair(runs)
    if pair is None:
        return [f"No `{CHALLENGER_TYPE}` run shares its folds with a `{BASELINE_TYPE}` run: no headline comparison."]
    challenger, baseline, result = pair
    holm_p = next((t.holm_p for t in tests if (t.run.name, t.baseline.name) == (challenger.name, baseline.name)), None)
    corrected = "" if holm_p is None else f", Holm-adjusted over the {len(tests)} paired tests below p {p_text(holm_p)}"
    return [
        f"`{challenger.name}` against `{baseline.name}` on {result.n_items} shared test items: "
        f"Δ macro-F1 {100 * result.macro_f1_difference:+.1f} points, 95% CI {ci_text(result.difference_ci)}, "
        f"permutation p {p_text(result.permutation_p)}{corrected}, minimum detectable difference "
        f"{pct(result.minimum_detectable_difference)} points.",
        "",
        f"**Verdict:** {verdict_text(challenger.name, baseline.name, result, holm_p)}",
    ]
