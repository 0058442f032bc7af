"""The per-run Markdown report (report.md): what one run measured, with its uncertainty."""

from stance import metrics, runs
from stance.labels import LABELS


def pct(value: float) -> str:
    return f"{100 * value:.1f}"


def p_cell(p: float) -> str:
    """A p-value as a table cell: '0.123', or '< 0.001'."""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def p_text(p: float) -> str:
    """A p-value as it reads after 'p' in a sentence: '= 0.123', or '< 0.001'."""
    cell = p_cell(p)
    return cell if cell.startswith("<") else f"= {cell}"


def ci_text(interval: list[float]) -> str:
    return f"[{pct(interval[0])}, {pct(interval[1])}]"


def protocol_text(protocol: dict) -> str:
    if protocol["type"] == "repeated_kfold":
        return f"repeated stratified {protocol['n_splits']}-fold × {protocol['n_repeats']}"
    if protocol["type"] == "loo" and (protocol.get("n_repeats") or 1) > 1:
        return f"leave-one-out × {protocol['n_repeats']} seeds"
    if protocol["type"] == "holdout":
        return f"holdout (train minus {100 * (protocol.get('dev_fraction') or 0.1):.0f}% dev, scored on test)"
    return {"loo": "leave-one-out", "loao": "leave-one-article-out"}[protocol["type"]]


def chance_lines(chance: dict) -> list[str]:
    shuffle, retrained = chance["prediction_shuffle"], chance["retrained"]
    lines = [
        f"- Predictions against shuffled gold labels ({shuffle['n_permutations']:,} shuffles): "
        f"p {p_text(shuffle['p_value'])} (chance macro-F1 averages {pct(shuffle['null_mean'])}).",
    ]
    if retrained:
        lines.append(
            f"- Retrained on permuted labels through the same protocol ({retrained['n_permutations']} permutations): "
            f"p {p_text(retrained['p_value'])} (null mean {pct(retrained['null_mean'])}, max {pct(retrained['null_max'])}; "
            f"the smallest possible p is {1 / (retrained['n_permutations'] + 1):.3f})."
        )
    else:
        lines.append("- Retrained permutation null: not run for this config (`analysis.chance_permutations: 0`).")
    return lines


def render_run_report(config: dict, record: dict, result: dict) -> str:
    n = result["n_sentences"]
    lines = [
        f"# Run `{config['name']}`",
        "",
        f"Model `{config['model']['type']}`, {protocol_text(config['protocol'])}, seed {config['seed']}, "
        f"{n} sentences, data sha256 `{record['data']['sha256'][:12]}`, commit `{(record['git']['commit'] or '?')[:10]}`.",
        "",
        "| metric | pooled out-of-fold | 95% bootstrap CI | mean ± sd across repeats |",
        "|---|---|---|---|",
    ]
    for metric in metrics.HEADLINE_METRICS:
        spread = result["spread_across_repeats"][metric]
        across = f"{pct(spread['mean'])} ± {pct(spread['std'])}" if spread else "n/a (one repeat)"
        lines.append(f"| {metric} | {pct(result[metric])} | {ci_text(result['ci95'][metric])} | {across} |")
    if result.get("dev"):
        dev = result["dev"]
        lines += ["", "Dev split (used for early stopping and model choice only): " + ", ".join(f"{m} {pct(dev[m])}" for m in metrics.HEADLINE_METRICS) + "."]
    lines += [
        "",
        f"The CI resamples the {n} scored items {result['bootstrap_resamples']:,} times; one sentence is "
        f"{pct(1 / n)} points of accuracy.",
        "",
        "**Chance check** (macro-F1 against a label-permutation null):",
        "",
        *chance_lines(result["chance"]),
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for label, row in result["per_class"].items():
        lines.append(f"| {label} | {pct(row['precision'])} | {pct(row['recall'])} | {pct(row['f1'])} | {row['support']} |")
    lines += ["", "Confusion matrix (rows gold, columns predicted):", "", "| gold \\ predicted | " + " | ".join(LABELS) + " |"]
    lines.append("|---" * (len(LABELS) + 1) + "|")
    lines += [f"| {label} | " + " | ".join(map(str, counts)) + " |" for label, counts in zip(LABELS, result["confusion_matrix"])]
    lines += ["", f"![confusion matrix]({runs.CONFUSION_PNG})", ""]
    if len(result["per_article"]) > 1:
        lines += ["Per article:", "", "| article | sentences | macro-F1 | F_avg | accuracy |", "|---|---|---|---|---|"]
        lines += [
            f"| {a} | {s['n_sentences']} | {pct(s['macro_f1'])} | {pct(s['f_avg'])} | {pct(s['accuracy'])} |"
            for a, s in result["per_article"].items()
        ]
        lines.append("")
    if len(result["learning_curve"]) > 1:
        lines += ["Learning curve:", "", "| training sentences | macro-F1 | 95% CI |", "|---|---|---|"]
        lines += [f"| {p['size']:g} | {pct(p['macro_f1'])} | {ci_text(p['ci95'])} |" for p in result["learning_curve"]]
        lines.append("")
    return "\n".join(lines)
