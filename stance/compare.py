"""Paired comparison of two runs scored on identical folds: is the difference real?"""

import numpy as np

from stance import stats
from stance.run_report import p_text

PERMUTATIONS = 10_000
ALPHA = 0.05


def _by_key(rows: list[dict]) -> dict[tuple, dict]:
    return {(r["id"], r["repeat"]): r for r in rows}


def paired(rows_a: list[dict], rows_b: list[dict]) -> bool:
    """True when both runs predicted the same sentences in the same folds and repeats."""
    a, b = _by_key(rows_a), _by_key(rows_b)
    return a.keys() == b.keys() and all(a[k]["fold"] == b[k]["fold"] and a[k]["gold"] == b[k]["gold"] for k in a)


def _majority_correct(rows: list[dict]) -> dict[str, bool]:
    """Per sentence: right in more than half of its repeats (one repeat: simply right)."""
    hits: dict[str, list[bool]] = {}
    for r in rows:
        hits.setdefault(r["id"], []).append(r["gold"] == r["predicted"])
    return {sid: sum(h) > len(h) / 2 for sid, h in hits.items()}


def _verdict(name: str, baseline: str, difference: float, p_value: float, mdd: float, n: int, identical: bool) -> str:
    if identical:
        return f"Identical predictions on all {n} sentences: nothing to test."
    points = 100 * difference
    if p_value < ALPHA:
        direction = "better" if difference > 0 else "worse"
        return f"{name} is {direction} than {baseline} by {abs(points):.1f} macro-F1 points (p {p_text(p_value)})."
    return (
        f"Not distinguishable at this sample size (n = {n}, p = {p_value:.2f}): "
        f"only a true difference of about {100 * mdd:.0f} points or more would be detected reliably."
    )


def compare(name: str, rows: list[dict], baseline: str, baseline_rows: list[dict], seed: int = 0) -> dict | None:
    """Paired tests of `name` against `baseline`, or None when their folds differ."""
    if not paired(rows, baseline_rows):
        return None
    ids = sorted({r["id"] for r in rows})
    counts_a = stats.sentence_counts([r["id"] for r in rows], [r["gold"] for r in rows], [r["predicted"] for r in rows])
    counts_b = stats.sentence_counts(
        [r["id"] for r in baseline_rows], [r["gold"] for r in baseline_rows], [r["predicted"] for r in baseline_rows]
    )
    order_b = {sid: i for i, sid in enumerate(counts_b[0])}
    aligned_b = counts_b[1][[order_b[sid] for sid in counts_a[0]]]
    permutation = stats.paired_permutation(counts_a[1], aligned_b, n_permutations=PERMUTATIONS, seed=seed)
    correct_a, correct_b = _majority_correct(rows), _majority_correct(baseline_rows)
    mcnemar = stats.mcnemar_exact([correct_a[s] for s in ids], [correct_b[s] for s in ids])
    identical = bool((counts_a[1] == aligned_b).all())
    # The paired sd is 0 for identical predictions; then the unpaired sd, which ignores
    # the runs' correlation and so errs large, is the only usable scale.
    sd = stats.paired_bootstrap_sd(counts_a[1], aligned_b, seed=seed)
    if identical:
        sd = float(np.hypot(*(stats.bootstrap_sd(c, seed=seed) for c in (counts_a[1], aligned_b))))
    mdd = stats.minimum_detectable_difference(sd)
    return {
        "model": name,
        "baseline": baseline,
        "n_sentences": len(ids),
        "macro_f1_difference": permutation["difference"],
        "permutation_p": permutation["p_value"],
        "n_permutations": PERMUTATIONS,
        "mcnemar": mcnemar,
        "minimum_detectable_difference": mdd,
        "identical_predictions": identical,
        "verdict": _verdict(name, baseline, permutation["difference"], permutation["p_value"], mdd, len(ids), identical),
    }
