"""The report's first screen: the question, the answer in one sentence, the headline
difference with its interval, p and minimum detectable difference, and the data the
verdict rests on; and, at the end, the threats to that verdict's validity.

The numbers are the headline pair's (stance/report/headline.py: the transformer and
TF-IDF runs on the most shared items); the words come from the same verdict as the
paired table's.
"""

from collections.abc import Sequence

from stance.data.seeds import SeedsSource, article_dirs
from stance.report import headline
from stance.report.format import ci_text, p_text, pct
from stance.report.paired import PairedTest, verdict_text
from stance.runs import Run

DEFAULT_QUESTION = "Does the fine-tuned transformer beat the TF-IDF baseline?"


def _data_line(run: Run, seeds: SeedsSource | None) -> str:
    per_source = run.metrics.per_source
    authors = seeds.authorship() if seeds is not None else {}
    parts = [
        f"{scores.n_items} {source}"
        + (
            ""
            if source not in authors
            else f": {authors[source]}"
            if source == "article"
            else f", by {authors[source]}"
        )
        for source, scores in sorted(per_source.items(), key=lambda item: -item[1].n_items)
    ]
    return f"{run.metrics.n_items} test items, each tested once per seed: " + "; ".join(parts) + "."


def section(
    runs: Sequence[Run], tests: Sequence[PairedTest], question: str | None, seeds: SeedsSource | None
) -> list[str]:
    """Question, answer, the numbers behind it, and the data, as a short list and one table."""
    pair = headline.best_pair(runs)
    lines = [f"**Question.** {question or DEFAULT_QUESTION}", ""]
    if pair is None:
        return lines + [f"**Answer.** None yet: {headline.section(runs, tests)[0]}"]
    challenger, baseline, result = pair
    holm_p, n_tests = headline.holm_p_of(challenger, baseline, tests), len(tests)
    p = holm_p if holm_p is not None else result.permutation_p
    p_kind = (
        f"paired permutation, Holm-adjusted over the report's {n_tests} tests"
        if holm_p is not None
        else ("paired permutation, unadjusted")
    )
    seeds_note = f", {challenger.n_repeats} seeds pooled" if challenger.n_repeats > 1 else ", one seed"
    return lines + [
        f"**Answer.** {verdict_text(challenger.name, baseline.name, result, holm_p)}",
        "",
        "| the headline | |",
        "|---|---|",
        f"| Δ macro-F1, `{challenger.name}` − `{baseline.name}` | **{100 * result.macro_f1_difference:+.1f} points**, "
        f"95% CI {ci_text(result.difference_ci)} |",
        f"| p ({p_kind}) | {p_text(p)} |",
        f"| minimum detectable difference (80% power, α 0.05) | {pct(result.minimum_detectable_difference)} points |",
        f"| `{challenger.name}`{seeds_note} | macro-F1 {pct(challenger.metrics.macro_f1)} "
        f"{ci_text(challenger.metrics.ci95['macro_f1'])} |",
        f"| `{baseline.name}` | macro-F1 {pct(baseline.metrics.macro_f1)} "
        f"{ci_text(baseline.metrics.ci95['macro_f1'])} |",
        f"| data | {_data_line(challenger, seeds)} |",
        "",
    ]


def headline_numbers(runs: Sequence[Run], tests: Sequence[PairedTest]) -> dict | None:
    """The headline pair's numbers, as the first screen gives them (for the tracking store)."""
    pair = headline.best_pair(runs)
    if pair is None:
        return None
    challenger, baseline, result = pair
    holm_p = headline.holm_p_of(challenger, baseline, tests)
    return {
        "challenger": challenger.name,
        "baseline": baseline.name,
        "delta_macro_f1": result.macro_f1_difference,
        "delta_ci_low": result.difference_ci[0],
        "delta_ci_high": result.difference_ci[1],
        "permutation_p": result.permutation_p,
        **({"holm_p": holm_p} if holm_p is not None else {}),
        "minimum_detectable_difference": result.minimum_detectable_difference,
        "n_items": result.n_items,
        "challenger_macro_f1": challenger.metrics.macro_f1,
        "baseline_macro_f1": baseline.metrics.macro_f1,
    }


def threats(runs: Sequence[Run], seeds: SeedsSource | None) -> list[str]:
    """What could make the verdict wrong, with the counts that say how much."""
    pair = headline.best_pair(runs)
    if pair is None or seeds is None:
        return []
    challenger = pair[0]
    n_items, article = challenger.metrics.n_items, challenger.metrics.per_source.get("article")
    n_article = article.n_items if article else 0
    n_articles = len(article_dirs(seeds.config.seeds_dir))
    chosen = (
        "- **Values chosen on these items.** The fixed values of the headline runs are those the nested study's "
        "final study chose on every item, so their scores are optimistic; `make tune` reports the nested ones, "
        "each fold's values chosen on its own training items (experiments/tuned/REPORT.md)."
        if challenger.record.tuning is None
        else "- **Tuned on inner folds.** Each fold's values were chosen on its own training items only."
    )
    return [
        f"- **Most items were written by the team.** {n_items - n_article} of the {n_items} test items "
        f"({100 * (n_items - n_article) / n_items:.0f}%) were written for this repo; {n_article} are sentences of "
        "a real article. Written items follow the guidelines closely and may be easier, or differently hard, "
        "than news text: the per-source table keeps the article's units apart.",
        "- **The second annotator shares the writers' training.** Agreement was measured against an AI helper "
        "that read the same guidelines (seeds/README.md), so it is an upper bound, not a human ceiling.",
        f"- **{'One article' if n_articles == 1 else f'{n_articles} articles'}.** Whether the ranking holds on "
        "other articles, outlets or years is untested.",
        chosen,
    ]
