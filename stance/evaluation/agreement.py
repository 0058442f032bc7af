"""Inter-annotator agreement over the items every annotator labelled. Numbers only.

The annotations are read by the data source (stance.data.seeds.load_annotations); the
report and `stance agreement` put these numbers into words.
"""

from itertools import combinations

import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from stance.errors import DataError
from stance.evaluation.metrics import scores
from stance.labels import LABELS


def krippendorff_alpha(labels_by_annotator: list[list[str]]) -> float:
    """Nominal Krippendorff's alpha for any number of annotators."""
    import krippendorff

    coded = np.array([[LABELS.index(label) for label in row] for row in labels_by_annotator], dtype=float)
    return float(krippendorff.alpha(reliability_data=coded, level_of_measurement="nominal"))


def agreement(annotations: dict[str, dict[str, str]], texts: dict[str, str]) -> dict:
    """κ per annotator pair, α over all, pairwise confusion and macro-F1, disagreements."""
    annotators = sorted(annotations)
    if len(annotators) < 2:
        raise DataError(f"agreement needs at least two annotators, found {len(annotators)}: {annotators}")
    shared = sorted(set.intersection(*(set(labels) for labels in annotations.values())))
    if not shared:
        raise DataError(f"annotators {annotators} have no sentence in common")
    rows = {a: [annotations[a][sid] for sid in shared] for a in annotators}
    pairs = []
    for a, b in combinations(annotators, 2):
        # macro-F1 is not symmetric: average it with each annotator taken as gold once.
        f1 = (scores(rows[a], rows[b])["macro_f1"] + scores(rows[b], rows[a])["macro_f1"]) / 2
        pairs.append(
            {
                "annotators": [a, b],
                "cohen_kappa": float(cohen_kappa_score(rows[a], rows[b], labels=list(LABELS))),
                "macro_f1": float(f1),
                "confusion_matrix": confusion_matrix(rows[a], rows[b], labels=list(LABELS)).tolist(),
            }
        )
    disagreements = [
        {"id": sid, "text": texts.get(sid, ""), "labels": {a: annotations[a][sid] for a in annotators}}
        for sid in shared
        if len({annotations[a][sid] for a in annotators}) > 1
    ]
    return {
        "annotators": annotators,
        "n_sentences": len(shared),
        "krippendorff_alpha": krippendorff_alpha([rows[a] for a in annotators]),
        "pairs": pairs,
        "mean_pairwise_macro_f1": float(np.mean([p["macro_f1"] for p in pairs])),
        "disagreements": disagreements,
        "labels": list(LABELS),
    }
