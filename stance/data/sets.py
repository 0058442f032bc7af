"""Labelled sets that are not articles: the contrast set and the constructed set.

    seeds/sets/<name>/
        meta.yaml     kind (contrast or constructed), target, written_by, date,
                      guidelines_version, description
        items.jsonl   {"id", "text", "label", "rationale", "tags", ...}: written by people
                      contrast items add "source_id" (the article unit edited) and "edit"
                      constructed items add "topic"
        annotations/  optional: <annotator>.jsonl, {"id", "label", "rationale"}

A set has no article text and no offsets. Loading checks every item with the same
one-line errors as the articles: the file, the line and the problem.
"""

from pathlib import Path

from stance import files
from stance.data.examples import TRAIN
from stance.data.seeds import LABEL_KEYS, Record, check_labels, read_jsonl, read_mapping
from stance.errors import DataError, where
from stance.labels import LABELS, TAGS

SETS_DIR = "sets"
META_FILE = "meta.yaml"
ITEMS_FILE = "items.jsonl"
ANNOTATIONS_DIR = "annotations"

META_KEYS = {"kind", "target", "written_by", "date", "guidelines_version", "description"}
COMMON_KEYS = {"id": str, "text": str, "label": str, "rationale": str, "tags": list}
ITEM_KEYS = {
    "contrast": {**COMMON_KEYS, "source_id": str, "edit": str},
    "constructed": {**COMMON_KEYS, "topic": str},
}
EDITS = ("flip", "neutral", "keep")


def set_dir(seeds_dir: Path, name: str) -> Path:
    folder = Path(seeds_dir) / SETS_DIR / name
    if not folder.is_dir():
        raise DataError(f"{folder}: no such labelled set (data.sets names folders under {Path(seeds_dir) / SETS_DIR})")
    return folder


def read_set_meta(folder: Path) -> dict:
    path = folder / META_FILE
    meta = read_mapping(path, META_KEYS)
    if meta.keys() != META_KEYS:
        raise DataError(f"{path}: expected keys {sorted(META_KEYS)}, got {sorted(meta)}")
    if not isinstance(meta["kind"], str) or meta["kind"] not in ITEM_KEYS:  # fuzzing: `kind: []`
        raise DataError(f"{path}: kind '{meta['kind']}' is not one of {', '.join(ITEM_KEYS)}")
    return meta


def _check_item(record: Record, kind: str, article_units: dict[str, str]) -> None:
    item, place = record.fields, where(record.path, record.line)
    if not item["text"].strip():
        raise DataError(f"{place}: empty text for item '{item['id']}'")
    if item["label"] not in LABELS:
        raise DataError(f"{place}: unknown label '{item['label']}' (expected one of {', '.join(LABELS)})")
    if not item["rationale"].strip():
        raise DataError(f"{place}: empty rationale for item '{item['id']}'")
    unknown = [tag for tag in item["tags"] if tag not in TAGS]
    if unknown or not item["tags"]:
        problem = f"unknown tag '{unknown[0]}'" if unknown else "no tag"
        raise DataError(f"{place}: {problem} (expected one or more of {', '.join(TAGS)})")
    if kind == "contrast":
        if item["source_id"] not in article_units:
            raise DataError(f"{place}: source_id '{item['source_id']}' names no article unit")
        if item["edit"] not in EDITS:
            raise DataError(f"{place}: unknown edit '{item['edit']}' (expected one of {', '.join(EDITS)})")


def load_set_rows(
    folder: Path, article_units: dict[str, str], seen_ids: dict[str, str], seen_texts: dict[str, str]
) -> list[dict]:
    """Validated example rows of one set.

    `article_units` maps article unit ids to their text; `seen_ids` and `seen_texts` map
    the ids and texts of everything loaded so far (articles included) to their place.
    """
    meta = read_set_meta(folder)
    kind = meta["kind"]
    rows = []
    for record in read_jsonl(folder / ITEMS_FILE, ITEM_KEYS[kind]):
        item, place = record.fields, where(record.path, record.line)
        if item["id"] in seen_ids:
            raise DataError(f"{place}: duplicate id '{item['id']}' (first at {seen_ids[item['id']]})")
        _check_item(record, kind, article_units)
        text = item["text"].strip()
        if text in seen_texts:
            raise DataError(f"{place}: text of '{item['id']}' is identical to {seen_texts[text]}")
        seen_ids[item["id"]], seen_texts[text] = place, item["id"]
        rows.append(
            {
                "id": item["id"],
                "text": item["text"],
                "label": item["label"],
                "group": folder.name,
                "target": meta["target"],
                "split": TRAIN,
                "rationale": item["rationale"],
                "source": folder.name,
                "family": item.get("source_id", item["id"]),
                "tags": tuple(item["tags"]),
            }
        )
    return rows


def load_set_annotations(folder: Path) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """({annotator: {item id: label}}, {item id: text}) of one set."""
    meta = read_set_meta(folder)
    items = read_jsonl(folder / ITEMS_FILE, ITEM_KEYS[meta["kind"]])
    texts = {r.fields["id"]: r.fields["text"] for r in items}
    by_annotator = {}
    annotations = folder / ANNOTATIONS_DIR
    for path in files.visible_files(annotations, "*.jsonl") if annotations.is_dir() else []:
        labelled = check_labels(read_jsonl(path, LABEL_KEYS), set(texts))
        by_annotator[path.stem] = {item: record.fields["label"] for item, record in labelled.items()}
    return by_annotator, texts
