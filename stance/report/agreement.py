"""Inter-annotator agreement in words: the report's section and `stance agreement`'s output."""

from stance.data import SeedsSource
from stance.errors import DataError
from stance.evaluation.agreement import agreement
from stance.labels import LABELS
from stance.report.format import pct


def section(source: SeedsSource, best_macro_f1: float) -> list[str]:
    """One line per source with two or more annotators: α, κ and the pairwise macro-F1 ceiling."""
    try:
        by_source = source.annotations()
    except DataError as err:
        return [f"Annotations could not be read: {err}"]
    lines = []
    for name, (annotations, texts) in by_source.items():
        if len(annotations) < 2:
            lines.append(f"- {name}: one annotator so far, so there is no human ceiling to compare with.")
            continue
        result = agreement(annotations, texts)
        kappas = ", ".join(f"{p['cohen_kappa']:.3f}" for p in result["pairs"])
        lines.append(
            f"- {name}: {len(result['annotators'])} annotators on {result['n_sentences']} items, Cohen's κ {kappas}, "
            f"Krippendorff's α {result['krippendorff_alpha']:.3f}, mean pairwise macro-F1 "
            f"{pct(result['mean_pairwise_macro_f1'])}."
        )
    return [
        "Agreement between annotators is the ceiling for the models' scores "
        f"(the best model's pooled macro-F1 is {pct(best_macro_f1)}). `make agreement` lists the disagreements.",
        "",
        *lines,
    ]


def render(result: dict) -> str:
    """Plain-text summary for the terminal."""
    lines = [
        f"{len(result['annotators'])} annotators ({', '.join(result['annotators'])}), "
        f"{result['n_sentences']} shared sentences",
        f"Krippendorff's alpha (nominal): {result['krippendorff_alpha']:.3f}",
    ]
    for pair in result["pairs"]:
        a, b = pair["annotators"]
        lines += [
            "",
            f"{a} vs {b}: Cohen's kappa {pair['cohen_kappa']:.3f}, macro-F1 {pair['macro_f1']:.3f}",
            f"  rows {a}, columns {b}: " + "  ".join(LABELS),
        ]
        lines += [
            f"  {label:>8} " + " ".join(f"{n:>7}" for n in counts)
            for label, counts in zip(LABELS, pair["confusion_matrix"])
        ]
    lines += ["", f"{len(result['disagreements'])} disagreements:"]
    for row in result["disagreements"]:
        labels = ", ".join(f"{a}={label}" for a, label in row["labels"].items())
        lines.append(f"  {row['id']}: {labels}  | {row['text'][:90]}")
    return "\n".join(lines)
