"""The comparison report's tuning section: each tuned run's budget and space, the settings
each outer fold chose, and its expected validation performance (stance.evaluation.evp)."""

from collections.abc import Mapping, Sequence

from stance.evaluation import evp
from stance.evaluation.metrics import scores
from stance.report.format import ci_text, escape_cell, pct
from stance.runs import Run, StudyRecord

FIGURE = "expected_validation.png"


def tuned_runs(runs: Sequence[Run]) -> list[Run]:
    return [run for run in runs if run.record.tuning is not None]


def outer_studies(run: Run) -> list[StudyRecord]:
    """The studies of the outer folds: what the run's scores were chosen by (not the final model's)."""
    return [study for study in run.record.tuning.studies if study.fold is not None]


def curves(runs: Sequence[Run]) -> dict[str, tuple]:
    """Per tuned run: the expected best inner score for 1..N trials and its band."""
    return {run.name: evp.curve([[t.score for t in s.trials] for s in outer_studies(run)]) for run in tuned_runs(runs)}


def _repeats_share_studies(run: Run) -> bool:
    """Whether the run's repeats took their settings from the first repeat's studies
    (`reshuffle: false`; a run trained before that rule has a study per repeat)."""
    return (
        run.config is not None
        and not run.config.protocol.reshuffle
        and run.n_repeats > 1
        and not any(study.repeat for study in outer_studies(run))
    )


def _fold_score(run: Run, study: StudyRecord) -> float:
    """The test macro-F1 of the folds the study chose for: its own, or under `reshuffle:
    false` the same fold in every repeat (pooled over the repeats' seeds)."""
    every_repeat = _repeats_share_studies(run)
    rows = [r for r in run.test_predictions if r.fold == study.fold and (every_repeat or r.repeat == study.repeat)]
    return scores([r.gold for r in rows], [r.predicted for r in rows])["macro_f1"]


def _settings(settings: dict) -> str:
    return escape_cell(
        ", ".join(
            f"{key} {value:.3g}" if isinstance(value, float) else f"{key} {value}" for key, value in settings.items()
        )
    )


def _values_source(run: Run, other: Run) -> str:
    """Where the fixed-values run's values come from: the study that chose the tuned run's
    saved model (to the 4 digits a config rounds them to), or its own config."""
    final = run.record.tuning.studies[-1]  # the final model's study, or under holdout the one fold's
    if other.config is None:
        return "its config"
    # A config key left to its default (pooling: the checkpoint's own) counts as the value the
    # run resolved it to, which its run.json records.
    resolved = {key: value for key, value in (other.record.model or {}).items() if value is not None}
    model = {**other.config.model.model_dump(mode="json"), **resolved}

    def same(key, value) -> bool:
        mine = model.get(key)
        if isinstance(value, float) and isinstance(mine, int | float):
            return abs(mine - value) <= 1e-3 * abs(value)
        return mine == value

    if not all(same(key, value) for key, value in final.settings.items()):
        return "its config"
    return "the final study's choice" if final.fold is None else "its fold's study's choice"


def fixed_values_table(tuned: Sequence[Run], fixed: Mapping[str, Run]) -> list[str]:
    """Each tuned run beside the run of the same name trained with fixed values: those the
    final study chose on every item (an optimistic score, which the nested one is not), or
    values set in its config."""
    pairs = [(run, fixed[run.name]) for run in tuned if run.name in fixed and fixed[run.name].is_evaluated]
    if not pairs:
        return []
    lines = [
        "Nested scores beside the fixed-values run of the same name. Where that run's values are the "
        "final study's choice, they were chosen on inner folds of every item, including the items the run "
        "is then scored on, so its score is optimistic; the nested score is the estimate of the model type "
        "with its tuning.",
        "",
        "| run | nested macro-F1 [95% CI] | fixed-values macro-F1 [95% CI] | fixed-values seeds | fixed values |",
        "|---|---|---|---|---|",
    ]
    for run, other in pairs:
        lines.append(
            f"| {run.name} | {pct(run.metrics.macro_f1)} {ci_text(run.metrics.ci95['macro_f1'])} | "
            f"{pct(other.metrics.macro_f1)} {ci_text(other.metrics.ci95['macro_f1'])} | {other.n_repeats} | "
            f"{_values_source(run, other)} |"
        )
    return lines


def section(runs: Sequence[Run], figures_dir: str, fixed: Mapping[str, Run] | None = None) -> list[str]:
    tuned = tuned_runs(runs)
    if not tuned:
        return []
    budgets = {run.record.tuning.trials for run in tuned}
    if len(budgets) == 1:
        budget = f"Every tuned run here had the same budget: {budgets.pop()} trials a study."
    else:
        listed = ", ".join(f"{run.name} {run.record.tuning.trials}" for run in tuned)
        budget = f"**The tuned runs here had different budgets ({listed}): their comparison is not even.**"
    lines = [
        "Nested tuning: in each outer fold, a study of Optuna trials (seeded TPE) scored each setting "
        "by family-grouped inner folds of that fold's training items only; the outer test items never "
        f"reached a trial. {budget}",
        "",
        "| run | model | trials a study | inner folds | metric | searched |",
        "|---|---|---|---|---|---|",
    ]
    for run in tuned:
        tuning = run.record.tuning
        lines.append(
            f"| {run.name} | {run.config.model.type} | {tuning.trials} | {tuning.inner_splits} | {tuning.metric} "
            f"| {escape_cell(tuning.space)} |"
        )
    lines += [
        "",
        "**Expected validation performance** (Dodge et al. 2019): the expected best inner score after n "
        "trials, averaged over the outer folds' studies, ± the studies' mean standard deviation. A curve "
        "still rising at the last trial says the budget was too small for that model; one that rises "
        "only late says the model wins only with more tuning. The formula treats trials as independent "
        "draws, which TPE's are not: read it as an approximation.",
        "",
    ]
    evp_curves = curves(tuned)
    budget_n = min(len(means) for means, _ in evp_curves.values())
    points = sorted({1, 2, 4, budget_n} & set(range(1, budget_n + 1)))
    lines += ["| run | " + " | ".join(f"n = {n}" for n in points) + " |", "|---" * (len(points) + 1) + "|"]
    for name, (means, bands) in evp_curves.items():
        lines.append(f"| {name} | " + " | ".join(f"{pct(means[n - 1])} ± {pct(bands[n - 1])}" for n in points) + " |")
    lines += [
        "",
        f"![expected validation performance]({figures_dir}/{FIGURE})",
        "",
    ]
    fixed_table = fixed_values_table(tuned, fixed or {})
    lines += [*fixed_table, ""] if fixed_table else []
    lines += [
        "Settings each outer fold chose, with that study's best inner score and the fold's own test "
        "macro-F1 (which chose nothing):",
        "",
        "| run | fold | training items | chosen settings | inner score | fold test macro-F1 |",
        "|---|---|---|---|---|---|",
    ]
    for run in tuned:
        repeated = any(study.repeat for study in outer_studies(run))
        for study in outer_studies(run):
            fold = f"{study.repeat + 1}.{study.fold + 1}" if repeated else f"{study.fold + 1}"
            lines.append(
                f"| {run.name} | {fold} | {study.n_train} | {_settings(study.settings)} | "
                f"{pct(study.score)} | {pct(_fold_score(run, study))} |"
            )
    shared = [run.name for run in tuned if _repeats_share_studies(run)]
    if shared:
        lines += [
            "",
            f"{', '.join(shared)}: every repeat reruns the same folds with a new model seed and takes each "
            "fold's settings from that fold's one study, so its interval holds the outer fit's seed variance, "
            "not the tuning's; a fold's test macro-F1 pools its seeds.",
        ]
    return lines
