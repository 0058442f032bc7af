"""A run's own report.md and confusion-matrix figure: what one run measured, with its uncertainty."""

from stance.evaluation.metrics import HEADLINE_METRICS
from stance.labels import LABELS
from stance.report import plots
from stance.report.format import ci_text, p_text, pct, protocol_text
from stance.runs import CONFUSION_PNG, ChanceCheck, Metrics, Run


def chance_lines(chance: ChanceCheck) -> list[str]:
    shuffle, retrained = chance.prediction_shuffle, chance.retrained
    lines = [
        f"- Predictions against shuffled gold labels ({shuffle.n_permutations:,} shuffles): "
        f"p {p_text(shuffle.p_value)} (chance macro-F1 averages {pct(shuffle.null_mean)}).",
    ]
    if retrained:
        lines.append(
            f"- Retrained on permuted labels through the same protocol ({retrained.n_permutations} permutations): "
            f"p {p_text(retrained.p_value)} (null mean {pct(retrained.null_mean)}, max {pct(retrained.null_max)}; "
            f"the smallest possible p is {1 / (retrained.n_permutations + 1):.3f})."
        )
    else:
        lines.append("- Retrained permutation null: not run for this config (`analysis.chance_permutations: 0`).")
    return lines


def render(run: Run, result: Metrics) -> str:
    n, record = result.n_items, run.record
    lines = [
        f"# Run `{run.name}`",
        "",
        f"Model `{run.model_description}`, {protocol_text(run.protocol)}, seed {record.seed}, "
        f"{n} items, data sha256 `{record.data.sha256[:12]}`, commit `{(record.git.get('commit') or '?')[:10]}`.",
        "",
        "| metric | pooled out-of-fold | 95% bootstrap CI | mean ± sd across repeats |",
        "|---|---|---|---|",
    ]
    for metric in HEADLINE_METRICS:
        spread = result.spread_across_repeats[metric]
        across = f"{pct(spread.mean)} ± {pct(spread.std)}" if spread else "n/a (one repeat)"
        lines.append(f"| {metric} | {pct(getattr(result, metric))} | {ci_text(result.ci95[metric])} | {across} |")
    if result.dev:
        dev = ", ".join(f"{m} {pct(getattr(result.dev, m))}" for m in HEADLINE_METRICS)
        lines += ["", f"Dev split (used for early stopping and model choice only): {dev}."]
    lines += [
        "",
        f"The CI resamples the {n} scored items {result.bootstrap_resamples:,} times; one item is "
        f"{pct(1 / n)} points of accuracy.",
        "",
        "**Chance check** (macro-F1 against a label-permutation null):",
        "",
        *chance_lines(result.chance),
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for label, row in result.per_class.items():
        lines.append(f"| {label} | {pct(row.precision)} | {pct(row.recall)} | {pct(row.f1)} | {row.support} |")
    lines += [
        "",
        "Confusion matrix (rows gold, columns predicted):",
        "",
        "| gold \\ predicted | " + " | ".join(LABELS) + " |",
    ]
    lines.append("|---" * (len(LABELS) + 1) + "|")
    lines += [
        f"| {label} | " + " | ".join(map(str, counts)) + " |" for label, counts in zip(LABELS, result.confusion_matrix)
    ]
    lines += ["", f"![confusion matrix]({CONFUSION_PNG})", ""]
    for key, scores in (("group", result.per_group), ("source", result.per_source)):
        if len(scores) > 1:
            lines += [f"Per {key}:", "", f"| {key} | items | macro-F1 | F_avg | accuracy |", "|---|---|---|---|---|"]
            lines += [
                f"| {g} | {s.n_items} | {pct(s.macro_f1)} | {pct(s.f_avg)} | {pct(s.accuracy)} |"
                for g, s in scores.items()
            ]
            lines.append("")
    if result.per_tag:
        lines += ["Accuracy per phenomenon tag:", "", "| tag | items | accuracy |", "|---|---|---|"]
        lines += [f"| {tag} | {s.n_items} | {pct(s.accuracy)} |" for tag, s in result.per_tag.items()]
        lines.append("")
    if result.contrast:
        c = result.contrast
        lines += [
            f"Contrast consistency: {pct(c.consistency)} of {c.n_units} units right with all their edits "
            f"(accuracy on the contrast items {pct(c.contrast_accuracy)}).",
            "",
        ]
    if len(result.learning_curve) > 1:
        lines += ["Learning curve:", "", "| training items | macro-F1 | 95% CI |", "|---|---|---|"]
        lines += [f"| {p.size:g} | {pct(p.macro_f1)} | {ci_text(p.ci95)} |" for p in result.learning_curve]
        lines.append("")
    return "\n".join(lines)


def write(run: Run, result: Metrics) -> None:
    """metrics.json, report.md and confusion_matrix.png into the run folder: all three or
    none, so a report never describes other scores than metrics.json's."""
    figure = plots.confusion_matrix(result.confusion_matrix, run.name)
    run.write_scores(result, render(run, result), {CONFUSION_PNG: figure})
