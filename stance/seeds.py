"""The seeds/ folder layout and the line-numbered reading of its files.

    seeds/articles/<article-id>/
        article.txt       the source text, byte-for-byte as received (never edited)
        meta.yaml         title, source_file, sha256, target
        sentences.jsonl   {"id", "start", "end", "text"}: written by `stance segment`
        labels.jsonl      {"id", "label", "rationale"}: written by people, never by code

Adding an article is adding one such folder. Offsets count Unicode code points of
the decoded UTF-8 text (Python string indices), not bytes.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from stance.errors import DataError, where, yaml_problem

ARTICLE_FILE = "article.txt"
META_FILE = "meta.yaml"
SENTENCES_FILE = "sentences.jsonl"
LABELS_FILE = "labels.jsonl"

META_KEYS = {"title", "source_file", "sha256", "target"}
SENTENCE_KEYS = {"id": str, "start": int, "end": int, "text": str}
LABEL_KEYS = {"id": str, "label": str, "rationale": str}


@dataclass(frozen=True)
class Record:
    """One JSONL row with where it came from, so later checks can name the line."""

    path: Path
    line: int
    fields: dict


def article_dirs(seeds_dir: Path) -> list[Path]:
    """Every article folder under `seeds_dir`, in a stable order."""
    root = Path(seeds_dir) / "articles"
    if not root.is_dir():
        raise DataError(f"{root}: seeds folder has no articles/ directory")
    dirs = sorted(p for p in root.iterdir() if p.is_dir())
    if not dirs:
        raise DataError(f"{root}: no article folders found")
    return dirs


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise DataError(f"{path}: missing file")
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_article(article_dir: Path) -> str:
    """The article text, after checking it against the sha256 in meta.yaml."""
    meta = read_meta(article_dir)
    path = require_file(article_dir / ARTICLE_FILE)
    if sha256_of(path) != meta["sha256"]:
        raise DataError(f"{path}: sha256 differs from {META_FILE}; the source text must not be edited")
    return path.read_text(encoding="utf-8")


def read_meta(article_dir: Path) -> dict:
    path = require_file(article_dir / META_FILE)
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise DataError(yaml_problem(path, err)) from None
    if not isinstance(meta, dict):
        raise DataError(f"{path}: expected a mapping with keys {sorted(META_KEYS)}")
    missing, unknown = META_KEYS - meta.keys(), meta.keys() - META_KEYS
    if missing or unknown:
        raise DataError(f"{path}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}")
    return meta


def read_jsonl(path: Path, schema: dict[str, type]) -> list[Record]:
    """Parse a JSONL file whose rows have exactly the keys and types of `schema`."""
    records = []
    for line_no, line in enumerate(require_file(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(f"{where(path, line_no)}: malformed JSON ({err.msg})") from None
        if not isinstance(row, dict) or row.keys() != schema.keys():
            got = sorted(row) if isinstance(row, dict) else type(row).__name__
            raise DataError(f"{where(path, line_no)}: expected keys {sorted(schema)}, got {got}")
        for key, kind in schema.items():
            # bool is a subclass of int in Python; a JSON `true` is never an offset.
            if not isinstance(row[key], kind) or isinstance(row[key], bool):
                raise DataError(f"{where(path, line_no)}: '{key}' must be {kind.__name__}, got {row[key]!r}")
        records.append(Record(path, line_no, row))
    return records


def write_jsonl(path: Path, rows: list[dict]) -> None:
    lines = (json.dumps(row, ensure_ascii=False) for row in rows)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def fingerprint(seeds_dir: Path) -> str:
    """A sha256 over every file that defines the data set, recorded in each run."""
    digest = hashlib.sha256()
    for article_dir in article_dirs(seeds_dir):
        for name in (ARTICLE_FILE, META_FILE, SENTENCES_FILE, LABELS_FILE):
            path = article_dir / name
            digest.update(f"{article_dir.name}/{name}\0".encode())
            digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()
