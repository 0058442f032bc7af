"""Inter-annotator agreement: several annotators label the same sentences.

    seeds/articles/<id>/annotations/<annotator>.jsonl   same format as labels.jsonl

`labels.jsonl` stays the adjudicated gold used for training; annotation files are
only read here. Agreement is computed over the sentences every annotator labelled.
"""

from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from stance import seeds
from stance.data import check_labels
from stance.errors import DataError
from stance.labels import LABELS
from stance.metrics import scores

ANNOTATIONS_DIR = "annotations"


def load_annotations(seeds_dir: Path) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """({annotator: {sentence id: label}}, {sentence id: text}) over every article."""
    by_annotator: dict[str, dict[str, str]] = defaultdict(dict)
    texts: dict[str, str] = {}
    for article_dir in seeds.article_dirs(seeds_dir):
        folder = article_dir / ANNOTATIONS_DIR
        if not folder.is_dir():
            continue
        sentences = seeds.read_jsonl(article_dir / seeds.SENTENCES_FILE, seeds.SENTENCE_KEYS)
        texts.update({r.fields["id"]: r.fields["text"] for r in sentences})
        for path in sorted(folder.glob("*.jsonl")):
            labelled = check_labels(seeds.read_jsonl(path, seeds.LABEL_KEYS), {r.fields["id"] for r in sentences})
            by_annotator[path.stem].update({sid: record.fields["label"] for sid, record in labelled.items()})
    return dict(by_annotator), texts


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


def render(result: dict) -> str:
    """Plain-text summary for the terminal."""
    lines = [
        f"{len(result['annotators'])} annotators ({', '.join(result['annotators'])}), {result['n_sentences']} shared sentences",
        f"Krippendorff's alpha (nominal): {result['krippendorff_alpha']:.3f}",
    ]
    for pair in result["pairs"]:
        a, b = pair["annotators"]
        lines += [
            "",
            f"{a} vs {b}: Cohen's kappa {pair['cohen_kappa']:.3f}, macro-F1 {pair['macro_f1']:.3f}",
            f"  rows {a}, columns {b}: " + "  ".join(LABELS),
        ]
        lines += [f"  {label:>8} " + " ".join(f"{n:>7}" for n in counts) for label, counts in zip(LABELS, pair["confusion_matrix"])]
    lines += ["", f"{len(result['disagreements'])} disagreements:"]
    for row in result["disagreements"]:
        labels = ", ".join(f"{a}={label}" for a, label in row["labels"].items())
        lines.append(f"  {row['id']}: {labels}  | {row['text'][:90]}")
    return "\n".join(lines)
