"""`stance label adjudicate`: the annotators' files -> the gold labels.jsonl of an article.

A human decides every label: where the annotators agree, their label stands (with the
first annotator's rationale, by file name); where they differ, the adjudicator's own
file (annotations/<adjudicator>.jsonl) decides. Until every disagreement has a decision,
nothing is written and each open one is listed; an existing labels.jsonl is never replaced.
"""

import json
from pathlib import Path

from stance import files
from stance.data import seeds
from stance.errors import DataError

ADJUDICATOR = "adjudicator"


def _read(path: Path, ids: set[str]) -> dict[str, dict]:
    return {i: r.fields for i, r in seeds.check_labels(seeds.read_jsonl(path, seeds.LABEL_KEYS), ids).items()}


def adjudicate(article: Path, adjudicator: str = ADJUDICATOR) -> tuple[list[dict], list[str]]:
    """(gold rows in sentence order, open disagreements as lines); the rows are complete
    only when there are no open disagreements."""
    sentences = [
        r.fields for r in seeds.read_jsonl(seeds.require_file(article / seeds.SENTENCES_FILE), seeds.SENTENCE_KEYS)
    ]
    ids = {s["id"] for s in sentences}
    folder = article / seeds.ANNOTATIONS_DIR
    paths = files.visible_files(folder, "*.jsonl") if folder.is_dir() else []
    annotators = {p.stem: _read(p, ids) for p in paths if p.stem != adjudicator}
    decisions = _read(folder / f"{adjudicator}.jsonl", ids) if (folder / f"{adjudicator}.jsonl").is_file() else {}
    if len(annotators) < 1:
        raise DataError(f"{folder}: no annotator files to adjudicate (import them with stance label import)")
    gold, open_cases = [], []
    for sentence in sentences:
        sid = sentence["id"]
        labels = {name: rows[sid] for name, rows in sorted(annotators.items()) if sid in rows}
        if not labels:
            open_cases.append(f"{sid}: no annotator labelled it")
        elif sid in decisions:
            gold.append(decisions[sid])
        elif len({row["label"] for row in labels.values()}) == 1:
            gold.append(next(iter(labels.values())))
        else:
            said = ", ".join(f"{name} {row['label']}" for name, row in labels.items())
            open_cases.append(f"{sid}: {said}; add a decision to annotations/{adjudicator}.jsonl")
    return gold, open_cases


def write_gold(article: Path, rows: list[dict]) -> Path:
    path = article / seeds.LABELS_FILE
    if path.exists():
        raise DataError(f"{path}: already exists; labels are never rewritten by code (edit it by hand)")
    from stance.runs import write_atomically

    write_atomically(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path
