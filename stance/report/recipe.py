"""The recipe check: does fine-tuning beat the frozen features it starts from?

A fine-tuned encoder that scores below a linear probe on its own frozen vectors points
at the training recipe (a head on an untrained pooler, too few updates, a learning rate
off by an order of magnitude), not at the model. Each fine-tuned run (transformer,
setfit) is paired with the frozen probe (embeddings) of the same checkpoint scored on
the same folds, and a run that does not beat it is flagged before any comparison is read.
"""

from collections.abc import Sequence

from stance.evaluation.compare import Comparison, compare
from stance.report.format import ci_text, p_cell, pct
from stance.runs import Run, of_model_type

FINE_TUNED_TYPES, PROBE_TYPE = ("transformer", "setfit"), "embeddings"

INTRO = (
    "Each fine-tuned run against the linear probe on the same checkpoint's frozen vectors "
    "(`embeddings`), on the same folds and items. Fine-tuning starts from those features, so "
    "a fine-tuned run below its probe says the recipe is wrong, not that the model is weak."
)


def _checkpoint(run: Run) -> str | None:
    return None if run.config is None else getattr(run.config.model, "checkpoint", None)


def probe_pairs(runs: Sequence[Run]) -> list[tuple[Run, Run, Comparison]]:
    """(fine-tuned run, its frozen probe, their paired comparison) for every fine-tuned run
    with a probe of the same checkpoint on the same folds."""
    pairs = []
    for tuned in of_model_type(runs, *FINE_TUNED_TYPES):
        for probe in of_model_type(runs, PROBE_TYPE):
            if _checkpoint(probe) != _checkpoint(tuned):
                continue
            result = compare(tuned.predictions, probe.predictions, seed=tuned.record.seed)
            if result is not None:
                pairs.append((tuned, probe, result))
                break
    return pairs


def judgement(result: Comparison) -> str:
    if result.macro_f1_difference <= 0:
        return "**does not beat its frozen features: suspect the recipe before reading any comparison**"
    if result.verdict == "better":
        return "beats its frozen features"
    return "above its frozen features, not distinguishably"


def _recipe(run: Run) -> str:
    model = run.record.model or {}
    if run.config.model.type != "transformer":
        return run.config.model.type
    if run.record.tuning is not None:
        return "tuned per fold"
    return f"{model.get('pooling', '?')} pooling, {model.get('head_init', '?')} head"


def section(runs: Sequence[Run]) -> list[str]:
    pairs = probe_pairs(runs)
    if not pairs:
        return []
    lines = [
        INTRO,
        "",
        "| fine-tuned run | recipe | frozen probe | items | fine-tuned macro-F1 | probe macro-F1 "
        "| Δ [95% CI] | permutation p | reading |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for tuned, probe, result in pairs:
        lines.append(
            f"| {tuned.name} | {_recipe(tuned)} | {probe.name} | {result.n_items} | {pct(tuned.metrics.macro_f1)} | "
            f"{pct(probe.metrics.macro_f1)} | {100 * result.macro_f1_difference:+.1f} {ci_text(result.difference_ci)} "
            f"| {p_cell(result.permutation_p)} | {judgement(result)} |"
        )
    return lines


# Keys that change what a run costs, not the question it asks (configs/transformer_grouped.yaml);
# `reshuffle` goes with `n_repeats`: one repeat has nothing to reshuffle.
COST_LEVERS = (
    ("model", "bf16"),
    ("model", "frozen_layers"),
    ("protocol", "n_repeats"),
    ("protocol", "reshuffle"),
    ("protocol", "refit"),
)


def _without_levers(run: Run) -> dict | None:
    if run.config is None:
        return None
    config = run.config.model_dump(mode="json")
    config.pop("name")
    for section, key in COST_LEVERS:
        config[section].pop(key, None)
    return config


def _is_cheapened(run: Run) -> bool:
    """A run with a cost lever on (only the transformer type has the model levers)."""
    model, protocol = run.config.model, run.config.protocol
    return getattr(model, "bf16", False) or getattr(model, "frozen_layers", 0) > 0 or not protocol.refit


def _lever_changes(run: Run, reference: Run) -> list[str]:
    changes = []
    for section, key in COST_LEVERS:
        before = getattr(getattr(reference.config, section), key, None)
        after = getattr(getattr(run.config, section), key, None)
        if before != after:
            changes.append(f"{section}.{key} {before} → {after}")
    return changes


def lever_pairs(runs: Sequence[Run], candidates: Sequence[Run]) -> list[tuple[Run, Run, Comparison]]:
    """(run, the run that differs from it only in cost levers and has none of them, their
    comparison) for each run of `runs` with such a reference among `candidates`."""
    pairs = []
    for run in of_model_type(runs, *FINE_TUNED_TYPES):
        for reference in candidates:
            if reference.name == run.name or _without_levers(reference) != _without_levers(run):
                continue
            if _is_cheapened(reference):
                continue
            result = compare(run.predictions, reference.predictions, seed=run.record.seed)
            if result is not None:
                pairs.append((run, reference, result))
    return pairs


def levers_section(runs: Sequence[Run], candidates: Sequence[Run]) -> list[str]:
    """Each cheapened run beside the same recipe without its levers, when that run exists."""
    cheapened = [run for run in of_model_type(runs, *FINE_TUNED_TYPES) if _is_cheapened(run)]
    if not cheapened:
        return []
    pairs = lever_pairs(cheapened, candidates)
    lines = [
        "A cost lever may move a score, so each cheapened run is set beside the same recipe without its "
        "levers, on the same folds and items."
    ]
    if not pairs:
        return lines + [
            "",
            f"No run without the levers of {', '.join(f'`{run.name}`' for run in cheapened)} is in this "
            "experiments folder; `make study` trains one (transformer_grouped_seeds).",
        ]
    lines += [
        "",
        "| run | levers, against the reference | reference | run macro-F1 | reference macro-F1 | Δ [95% CI] "
        "| permutation p | train time, run / reference (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run, reference, result in pairs:
        lines.append(
            f"| {run.name} | {'; '.join(_lever_changes(run, reference))} | {reference.name} | "
            f"{pct(run.metrics.macro_f1)} | {pct(reference.metrics.macro_f1)} | "
            f"{100 * result.macro_f1_difference:+.1f} {ci_text(result.difference_ci)} | "
            f"{p_cell(result.permutation_p)} | {run.record.seconds.total:.0f} / {reference.record.seconds.total:.0f} |"
        )
    return lines
