"""Label Studio's side of labelling: the import file with the run's guesses, the labelling
config, and its JSON export read back into `annotations/<annotator>.jsonl`.

Formats (labelstud.io, "Import pre-annotated data" and "Export annotations"): a task is
{"data": {...}, "predictions": [{"model_version", "score", "result": [...]}]}; an exported
task adds "annotations", each with "completed_by", "was_cancelled" and a "result" list
holding one entry per control tag of the config (here "stance" and "rationale").
"""

import json
import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

from stance import files
from stance.data import seeds, sets
from stance.errors import DataError, shown
from stance.labelling.suggest import Suggestion
from stance.labels import LABELS

TASKS_FILE = "tasks.json"
CONFIG_FILE = "labelling_config.xml"
CHOICES, RATIONALE, TEXT = "stance", "rationale", "text"  # the config's tag names


def definitions(guidelines: Path) -> dict[str, str]:
    """Each label's one-line definition, from the table under "## The labels" in the guidelines."""
    text = files.read_text(guidelines, DataError)
    found = dict(re.findall(r"^\|\s*`([A-Z]+)`\s*\|\s*(.+?)\s*\|\s*$", text, flags=re.MULTILINE))
    missing = [label for label in LABELS if label not in found]
    if missing:
        raise DataError(f"{guidelines}: the labels table has no row for {', '.join(missing)}")
    return {label: found[label] for label in LABELS}


def labelling_config(guidelines: Path, target: str) -> str:
    """One sentence, one required choice of FAVOR / AGAINST / NONE (each with its definition
    as a hover hint and in a legend, since hints need a Label Studio feature flag), and a
    required one-line rationale naming the rule applied, as the guidelines ask."""
    hints = definitions(guidelines)
    legend = "\n".join(
        f"    <Text name={quoteattr('legend_' + label)} value={quoteattr(f'{label}: the unit {hints[label]}')}/>"
        for label in LABELS
    )
    choices = "\n".join(f"    <Choice value={quoteattr(label)} hint={quoteattr(hints[label])}/>" for label in LABELS)
    return f"""<View>
  <Header value={quoteattr(f"Stance toward {target}")}/>
  <Text name="{TEXT}" value="$text"/>
  <Choices name="{CHOICES}" toName="{TEXT}" choice="single-radio" required="true">
{choices}
  </Choices>
  <TextArea name="{RATIONALE}" toName="{TEXT}" required="true" maxSubmissions="1" rows="1"
            placeholder="One line: the rule you applied (seeds/GUIDELINES.md)"/>
  <View style="font-size: 85%; color: #555">
{legend}
  </View>
</View>
"""


def tasks(suggestions: list[Suggestion]) -> list[dict]:
    """One task a sentence, in the suggested order, with the run's guess as a pre-annotation."""
    return [
        {
            "data": {"id": row.id, TEXT: row.text, "rank": row.rank},
            "predictions": [
                {
                    "model_version": row.run,
                    "score": row.score,
                    "result": [
                        {
                            "from_name": CHOICES,
                            "to_name": TEXT,
                            "type": "choices",
                            "value": {"choices": [row.predicted]},
                        }
                    ],
                }
            ],
        }
        for row in sorted(suggestions, key=lambda r: r.rank)
    ]


def known_items(folder: Path) -> dict[str, str]:
    """{id: text} of the article folder's sentences or the labelled set's items."""
    if (folder / seeds.SENTENCES_FILE).is_file():
        return {
            r.fields["id"]: r.fields["text"]
            for r in seeds.read_jsonl(folder / seeds.SENTENCES_FILE, seeds.SENTENCE_KEYS)
        }
    if (folder / sets.ITEMS_FILE).is_file():
        return sets.load_set_annotations(folder)[1]  # its items, validated as training reads them
    raise DataError(f"{folder}: neither {seeds.SENTENCES_FILE} (an article) nor {sets.ITEMS_FILE} (a set)")


def annotator_name(completed_by, users: dict[int, str]) -> str:
    """A file name for who annotated: `--user 1=alice`, else the export's email's local part,
    else `user-<id>`."""
    user_id, email = (
        (completed_by.get("id"), completed_by.get("email")) if isinstance(completed_by, dict) else (completed_by, None)
    )
    if isinstance(user_id, int) and not isinstance(user_id, bool) and user_id in users:
        return users[user_id]
    if isinstance(email, str) and email.strip():
        return re.sub(r"[^A-Za-z0-9_.-]", "-", email.split("@")[0]) or "user"
    return f"user-{re.sub(r'[^A-Za-z0-9_.-]', '-', str(user_id))}"


def _values(entry: dict, key: str, where: str) -> list[str]:
    """The strings under entry["value"][key]: a result's choices, or a text area's lines."""
    value = entry.get("value")
    found = value.get(key) if isinstance(value, dict) else None
    if not isinstance(found, list) or not all(isinstance(v, str) for v in found):
        raise DataError(f"{where}: its {entry.get('from_name')!r} result has no list of {key} strings")
    return found


def _result(task_no, annotation: dict, name: str) -> tuple[str, str]:
    """(label, rationale) of one annotation; one error line naming the task otherwise."""
    where = f"task {task_no}, annotation by {name}"
    results = annotation.get("result")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise DataError(f'{where}: "result" is not a list of results')
    chosen = [c for r in results if r.get("from_name") == CHOICES for c in _values(r, "choices", where)]
    if not chosen:
        raise DataError(f"{where}: no stance chosen")
    if len(chosen) > 1:
        raise DataError(f"{where}: {len(chosen)} labels ({', '.join(map(shown, chosen))}) on one item")
    label = chosen[0]
    if label not in LABELS:
        raise DataError(f"{where}: unknown choice {shown(label)!r} (expected one of {', '.join(LABELS)})")
    texts = [t for r in results if r.get("from_name") == RATIONALE for t in _values(r, "text", where)]
    rationale = " ".join(" ".join(texts).split())
    if not rationale:
        raise DataError(f"{where}: no rationale (every label carries a one-line rationale: seeds/GUIDELINES.md)")
    return label, rationale


def read_export(path: Path, items: dict[str, str], users: dict[int, str] | None = None) -> tuple[dict, int]:
    """({annotator: [{"id", "label", "rationale"}]}, skipped) from Label Studio's JSON export.

    Every task's item id must name one of `items`; a skipped or cancelled annotation is left
    out and counted; two labels on one item by one annotator are an error.
    """
    users = users or {}
    text = files.read_text(Path(path), DataError)
    try:
        exported = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(f"{path}: not Label Studio's JSON export (malformed JSON at line {err.lineno})") from None
    if not isinstance(exported, list):
        raise DataError(f"{path}: not Label Studio's JSON export (a list of tasks)")
    if not exported:
        raise DataError(f"{path}: the export has no tasks")
    by_annotator: dict[str, dict[str, dict]] = {}
    skipped = 0
    for task_no, task in enumerate(exported, 1):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise DataError(f'{path}: task {task_no}: not a task (no "data")')
        task_id = task.get("id", task_no)
        task_no = task_id if isinstance(task_id, int) and not isinstance(task_id, bool) else task_no
        item_id = task["data"].get("id")
        if not isinstance(item_id, str) or item_id not in items:
            raise DataError(f"{path}: task {task_no}: id {shown(item_id)!r} names no item of this article or set")
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
            raise DataError(f'{path}: task {task_no}: "annotations" is not a list of annotations')
        for annotation in annotations:
            name = annotator_name(annotation.get("completed_by"), users)
            if annotation.get("was_cancelled") is True:
                skipped += 1
                continue
            try:
                label, rationale = _result(task_no, annotation, name)
            except DataError as err:
                raise DataError(f"{path}: {err}") from None
            mine = by_annotator.setdefault(name, {})
            if item_id in mine:
                raise DataError(f"{path}: task {task_no}: two labels on item {item_id} by {name}")
            mine[item_id] = {"id": item_id, "label": label, "rationale": rationale}
    if not by_annotator:
        raise DataError(f"{path}: no annotations to import ({skipped} skipped or cancelled)")
    order = {item: i for i, item in enumerate(items)}  # the article's (or set's) order, not the labelling order
    rows = {name: sorted(mine.values(), key=lambda r: order[r["id"]]) for name, mine in by_annotator.items()}
    return rows, skipped


def write_annotations(folder: Path, rows: dict[str, list[dict]], overwrite: bool = False) -> list[Path]:
    """annotations/<annotator>.jsonl for each annotator: every file checked first, then all
    written together (stance.runs.write_together): an interrupt leaves all or none."""
    target = folder / seeds.ANNOTATIONS_DIR
    paths = {name: target / f"{name}.jsonl" for name in rows}
    existing = [p for p in paths.values() if p.exists()]
    if existing and not overwrite:
        raise DataError(f"{existing[0]}: already exists; pass --overwrite to replace it")
    target.mkdir(exist_ok=True)
    from stance.runs import write_together

    write_together(
        {
            path: "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[name]).encode()
            for name, path in paths.items()
        }
    )
    return list(paths.values())
