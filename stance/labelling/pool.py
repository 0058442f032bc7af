"""The unlabelled items to order: an article folder, a .txt (one sentence a line) or a JSONL."""

from pathlib import Path
from typing import NamedTuple

from stance import files
from stance.data import seeds
from stance.errors import DataError


class Item(NamedTuple):
    id: str
    text: str


def _article(folder: Path) -> list[Item]:
    """The sentences `stance segment` wrote, less those labels.jsonl already labels."""
    path = folder / seeds.SENTENCES_FILE
    if not path.is_file():
        raise DataError(f"{path}: not found; segment the article first (stance segment {folder})")
    rows = [r.fields for r in seeds.read_jsonl(path, seeds.SENTENCE_KEYS)]
    labelled = folder / seeds.LABELS_FILE
    done = {r.fields["id"] for r in seeds.read_jsonl(labelled, seeds.LABEL_KEYS)} if labelled.is_file() else set()
    return [Item(row["id"], row["text"]) for row in rows if row["id"] not in done]


def _jsonl(path: Path) -> list[Item]:
    """Rows with a "text" and, optionally, an "id" (default: `<file stem>.l<line>`)."""
    items = []
    for line_no, row in files.jsonl_rows(path, DataError):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
            raise DataError(f'{path}:{line_no}: expected an object with a non-empty "text" string')
        item_id = row.get("id", f"{path.stem}.l{line_no:04d}")
        if not isinstance(item_id, str) or not item_id.strip():
            raise DataError(f'{path}:{line_no}: "id" must be a non-empty string, got {item_id!r}')
        items.append(Item(item_id, row["text"]))
    return items


def _txt(path: Path) -> list[Item]:
    lines = files.read_text(path, DataError).splitlines()
    return [Item(f"{path.stem}.l{n:04d}", line.strip()) for n, line in enumerate(lines, 1) if line.strip()]


def read_pool(path: Path) -> list[Item]:
    """The items at `path`, each with a unique id; one error line naming the file otherwise."""
    path = Path(path)
    if path.is_dir():
        items = _article(path)
    elif not path.is_file():
        raise DataError(f"{path}: not found (an article folder, a .txt or a .jsonl)")
    elif path.suffix == ".jsonl":
        items = _jsonl(path)
    elif path.suffix == ".txt":
        items = _txt(path)
    else:
        raise DataError(f"{path}: expected an article folder, a .txt or a .jsonl file")
    if not items:
        raise DataError(f"{path}: no unlabelled items (empty, blank, or every sentence is labelled)")
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise DataError(f"{path}: the id {item.id!r} names two items")
        seen.add(item.id)
    return items
