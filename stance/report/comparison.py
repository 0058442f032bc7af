"""`stance report`: experiments/REPORT.md (and REPORT.html) comparing every evaluated run."""

import io
import os
from collections.abc import Sequence
from pathlib import Path

from stance.data import SeedsSource, open_source
from stance.errors import RunError
from stance.evaluation.compare import ALPHA
from stance.report import (
    agreement,
    answer,
    behaviour,
    contrast,
    curve,
    errors,
    groups,
    headline,
    html,
    paired,
    plots,
    recipe,
    sources,
    summary,
    tuning,
)
from stance.runs import Run, find_runs, write_together

REPORT_NAME, HTML_NAME, FIGURES_DIR, FOREST_FIGURE = "REPORT.md", "REPORT.html", "figures", "forest.png"


def _seeds_source(runs: Sequence[Run]) -> SeedsSource | None:
    """The seeds the runs were trained on, with every set any run loaded, for the agreement
    section (None for external data)."""
    configs = [run.config for run in runs if run.config is not None and run.config.data.source == "seeds"]
    if not configs:
        return None
    sets = tuple(dict.fromkeys(name for config in configs for name in config.data.sets))
    return open_source(configs[0].data.model_copy(update={"sets": sets}))


def _forest_rows(tests: Sequence[paired.PairedTest]) -> list:
    """A row per paired test, largest Δ first, with whether its Holm-adjusted test tells
    the runs apart; the floor (majority) is left to the table, as its distance would
    squeeze every model's interval into a corner of the axis."""
    rows = [
        (t.run.name, t.result.macro_f1_difference, t.result.difference_ci, t.holm_p < ALPHA)
        for t in tests
        if t.run.config is None or t.run.config.model.type != "majority"
    ]
    return sorted(rows, key=lambda row: -row[1])


def render(
    runs: Sequence[Run],
    baselines: Sequence[str] | None,
    fixed: dict[str, Run] | None = None,
    command: str = "stance report",
    links_to: Path = Path("."),
    question: str | None = None,
    title: str = "Comparison of runs",
    candidates: Sequence[Run] = (),
    paired_result: tuple[list[paired.PairedTest], list[str]] | None = None,
) -> str:
    """The report: the answer first, then every model by score, the checks behind the
    answer, the threats to it, and the full tables in an appendix. `paired_result` is
    `paired.paired_tests(runs, baselines)` when the caller has it already."""
    tests, unpaired = paired_result or paired.paired_tests(runs, baselines)
    seeds = _seeds_source(runs)
    baseline_runs = {run.name for run in paired.baselines_of(runs, baselines)}
    ranked = sorted(runs, key=lambda run: -run.metrics.macro_f1)
    lines = [f"# {title}", "", f"Written by `{command}`.", "", *answer.section(runs, tests, question, seeds)]
    if _forest_rows(tests):
        lines += [f"![Δ macro-F1 against the baseline, 95% CIs]({FIGURES_DIR}/{FOREST_FIGURE})", ""]
    lines += [
        "## Every model, best first",
        "",
        summary.INTRO,
        "",
        *summary.table(ranked, links_to, baseline_runs),
        "",
        "## The headline in detail",
        "",
        *headline.section(runs, tests),
        "",
    ]
    recipe_check = recipe.section(runs)
    if recipe_check:
        lines += ["## Recipe check: fine-tuned against its own frozen features", "", *recipe_check, ""]
    levers = recipe.levers_section(runs, candidates or runs)
    if levers:
        lines += ["## What the cost levers changed", "", *levers, ""]
    tuning_section = tuning.section(runs, FIGURES_DIR, fixed)
    if tuning_section:
        lines += ["## Tuning: budgets, choices and expected validation performance", "", *tuning_section, ""]
    if seeds is not None:
        best = max(run.metrics.macro_f1 for run in runs)
        lines += ["## Floor and ceiling", "", *summary.floor(runs), "", *agreement.section(seeds, best), ""]
    per_source = sources.section(runs)
    if per_source:
        lines += ["## Per source, macro-F1 [95% CI] (items)", "", *per_source, ""]
    if behaviour.tagged_runs(runs):
        lines += [
            "## Behaviour: accuracy per phenomenon",
            "",
            *behaviour.section(behaviour.tagged_runs(runs), FIGURES_DIR),
            "",
        ]
    consistency = contrast.section(runs)
    if consistency:
        lines += ["## Contrast consistency", "", *consistency, ""]
    if curve.curves(runs):
        lines += ["## Learning curve", "", *curve.section(FIGURES_DIR), ""]
    validity = answer.threats(runs, seeds)
    if validity:
        lines += ["## Threats to validity", "", *validity, ""]
    lines += [
        "## Appendix",
        "",
        f"### Paired tests against {paired.baseline_text(baselines)} on the same folds",
        "",
        paired.INTRO,
        "",
        *paired.section(runs, baselines, tests, unpaired),
        "",
    ]
    per_group = groups.section(runs)
    if per_group:
        lines += ["### Per group, macro-F1", "", *per_group, ""]
    lines += [
        "### Confusion matrices",
        "",
        f"![confusion matrices]({FIGURES_DIR}/confusion_matrices.png)",
        "",
        "### Error analysis",
        "",
        errors.INTRO,
        "",
        *errors.section({run.name: run.predictions for run in runs}),
        "",
    ]
    return "\n".join(lines)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def write_report(
    experiments_dir: Path,
    baselines: Sequence[str] | None = None,
    fixed_dir: Path | None = None,
    command: str = "stance report",
    names: Sequence[str] | None = None,
    out_dir: Path | None = None,
    question: str | None = None,
    title: str = "Comparison of runs",
) -> tuple[Path, dict | None]:
    """Write REPORT.md, REPORT.html and their figures into `out_dir` (default:
    `experiments_dir`) for the evaluated runs in `experiments_dir` (only those in `names`,
    if given: a study's runs); tuned runs are shown beside the fixed-values runs of the
    same names in `fixed_dir`, if given. Returns the report's path and its headline numbers."""
    runs = [run for run in find_runs(experiments_dir) if run.is_evaluated and (names is None or run.name in names)]
    if names is not None:
        runs.sort(key=lambda run: list(names).index(run.name))
    if not runs:
        raise RunError(f"{experiments_dir}: no evaluated runs to report (run `make evaluate` first)")
    out_dir = experiments_dir if out_dir is None else out_dir
    figures = out_dir / FIGURES_DIR
    figures.mkdir(parents=True, exist_ok=True)
    paired_result = paired.paired_tests(runs, baselines)  # 10,000 permutations a test: once
    # The figures, REPORT.md and REPORT.html are written together (stance.runs.write_together):
    # an interrupt leaves the old report or the new one, never a mix.
    contents: dict[Path, bytes] = {}
    tests = paired_result[0]
    if _forest_rows(tests):
        several = len({test.baseline.name for test in tests}) > 1
        baseline_name = "the baseline on its folds" if several else tests[0].baseline.name
        contents[figures / FOREST_FIGURE] = _png(plots.forest(_forest_rows(tests), baseline_name))
    matrices = {run.name: run.metrics.confusion_matrix for run in runs}
    contents[figures / "confusion_matrices.png"] = _png(plots.confusion_matrices(matrices))
    if curve.curves(runs):
        contents[figures / curve.FIGURE] = _png(plots.learning_curves(curve.curves(runs)))
    if tuning.tuned_runs(runs):
        contents[figures / tuning.FIGURE] = _png(plots.expected_validation(tuning.curves(runs)))
    tagged = behaviour.tagged_runs(runs)
    if tagged:
        tags, values = behaviour.accuracy_table(tagged)
        contents[figures / behaviour.FIGURE] = _png(plots.tag_heatmap(tags, [run.name for run in tagged], values))
    fixed = None if fixed_dir is None else {run.name: run for run in find_runs(fixed_dir)}
    links_to = Path(os.path.relpath(experiments_dir, out_dir))
    everything = [run for run in find_runs(experiments_dir) if run.is_evaluated]
    text = render(
        runs, baselines, fixed, command, links_to, question, title, candidates=everything, paired_result=paired_result
    )
    path = out_dir / REPORT_NAME
    contents[path] = text.encode()
    contents[out_dir / HTML_NAME] = html.to_html(text, out_dir, f"stance: {title}", images=contents).encode()
    write_together(contents)
    return path, answer.headline_numbers(runs, tests)
