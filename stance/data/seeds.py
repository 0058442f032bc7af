"""The seeds: labelled articles in the repository, read and validated line by line.

    seeds/articles/<article-id>/
        article.txt       the source text, byte-for-byte as received (never edited)
        meta.yaml         title, source_file, sha256, target
        sentences.jsonl   {"id", "start", "end", "text"}: written by `stance segment`
        labels.jsonl      {"id", "label", "rationale"}: written by people, never by code
        annotations/      optional: <annotator>.jsonl, same format as labels.jsonl

Adding an article is adding one such folder. Offsets count Unicode code points of the
decoded UTF-8 text (Python string indices), not bytes. Every check runs before any
caller writes anything, and the first failure raises a DataError naming the file, the
line and the problem.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from stance import files
from stance.data.examples import TRAIN, DataSource, Examples
from stance.data.segment import segment
from stance.errors import DataError, where
from stance.labels import LABELS

ARTICLE_FILE = "article.txt"
META_FILE = "meta.yaml"
SENTENCES_FILE = "sentences.jsonl"
LABELS_FILE = "labels.jsonl"
ANNOTATIONS_DIR = "annotations"
ARTICLE_SOURCE = "article"  # the `source` of every article unit; a labelled set's is its name

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
    """Every article folder under `seeds_dir`, in a stable order; hidden folders are not articles."""
    root = Path(seeds_dir) / "articles"
    if not root.is_dir():
        relative = (
            "" if root.is_absolute() else f" (a config's paths are read from the current directory, {Path.cwd()})"
        )
        raise DataError(f"{root}: seeds folder has no articles/ directory{relative}")
    dirs = files.visible_folders(root)
    if not dirs:
        raise DataError(f"{root}: no article folders found")
    return dirs


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise DataError(f"{path}: missing file")
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_mapping(path: Path, keys: set[str]) -> dict:
    """A YAML file that must be a mapping; one DataError naming the file otherwise."""
    meta = files.read_yaml(path, DataError)
    if not isinstance(meta, dict):
        raise DataError(f"{path}: expected a mapping with keys {sorted(keys)}")
    return meta


def read_meta(article_dir: Path) -> dict:
    path = article_dir / META_FILE
    meta = read_mapping(path, META_KEYS)
    missing, unknown = META_KEYS - meta.keys(), meta.keys() - META_KEYS
    if missing or unknown:
        raise DataError(f"{path}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}")
    return meta


def read_article(article_dir: Path, meta: dict | None = None) -> str:
    """The article text, after checking it against the sha256 in meta.yaml.

    Byte-exact: a byte-order mark is part of the text here, since the sha256 and the
    sentence offsets cover every byte."""
    meta = meta or read_meta(article_dir)
    path = require_file(article_dir / ARTICLE_FILE)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != meta["sha256"]:
        raise DataError(f"{path}: sha256 differs from {META_FILE}; the source text must not be edited")
    return files.decode(path, data, DataError, allow_bom=False)


def read_jsonl(path: Path, schema: dict[str, type]) -> list[Record]:
    """Parse a JSONL file whose rows have exactly the keys and types of `schema`."""
    records = []
    for line_no, row in files.jsonl_rows(path, DataError):
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


def _check_sentences(records: list[Record], text: str) -> None:
    for record in records:
        row, place = record.fields, where(record.path, record.line)
        if not row["text"].strip():
            raise DataError(f"{place}: empty text for sentence '{row['id']}'")
        start, end = row["start"], row["end"]
        if not 0 <= start < end <= len(text) or text[start:end] != row["text"]:
            raise DataError(
                f"{place}: offsets [{start}, {end}) of sentence '{row['id']}' do not match the article text"
            )


def check_labels(records: list[Record], sentence_ids: set[str]) -> dict[str, Record]:
    """Label records by sentence id, after checking label, id, uniqueness and rationale."""
    by_id = {}
    for record in records:
        row, place = record.fields, where(record.path, record.line)
        if row["label"] not in LABELS:
            raise DataError(f"{place}: unknown label '{row['label']}' (expected one of {', '.join(LABELS)})")
        if row["id"] not in sentence_ids:
            raise DataError(f"{place}: label for unknown sentence id '{row['id']}'")
        if row["id"] in by_id:
            first = by_id[row["id"]].line
            raise DataError(f"{place}: duplicate label for sentence '{row['id']}' (first on line {first})")
        if not row["rationale"].strip():
            raise DataError(f"{place}: empty rationale for sentence '{row['id']}'")
        by_id[row["id"]] = record
    return by_id


def load_article_rows(article_dir: Path, seen_ids: dict[str, str]) -> list[dict]:
    """Validated example rows of one article; `seen_ids` maps ids to places across articles."""
    meta = read_meta(article_dir)
    text = read_article(article_dir, meta)
    sentences = read_jsonl(article_dir / SENTENCES_FILE, SENTENCE_KEYS)
    if not sentences:  # fuzzing: an empty file was reported as labels for unknown sentences
        raise DataError(f"{article_dir / SENTENCES_FILE}: no sentences; write them with stance segment {article_dir}")
    for record in sentences:
        place, sentence_id = where(record.path, record.line), record.fields["id"]
        if sentence_id in seen_ids:
            raise DataError(f"{place}: duplicate sentence id '{sentence_id}' (first at {seen_ids[sentence_id]})")
        seen_ids[sentence_id] = place
    _check_sentences(sentences, text)
    labels_path = article_dir / LABELS_FILE
    labels = check_labels(read_jsonl(labels_path, LABEL_KEYS), {r.fields["id"] for r in sentences})
    rows = []
    for record in sentences:
        sentence = record.fields
        if sentence["id"] not in labels:
            raise DataError(
                f"{where(record.path, record.line)}: sentence '{sentence['id']}' has no label in {labels_path}"
            )
        label = labels[sentence["id"]].fields
        rows.append(
            {
                "id": sentence["id"],
                "text": sentence["text"],
                "label": label["label"],
                "group": article_dir.name,
                "target": meta["target"],
                "split": TRAIN,
                "rationale": label["rationale"],
                "source": ARTICLE_SOURCE,
                "family": sentence["id"],
                "tags": (),
            }
        )
    return rows


def segment_article(article_dir: Path) -> list[dict]:
    """Sentence rows for an article, with ids `<article-id>.s<NN>` in reading order."""
    text = read_article(article_dir)
    return [
        {
            "id": f"{article_dir.name}.s{i:02d}",
            "start": span.start,
            "end": span.end,
            "text": text[span.start : span.end],
        }
        for i, span in enumerate(segment(text), 1)
    ]


def load_annotations(seeds_dir: Path) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """({annotator: {sentence id: label}}, {sentence id: text}) over every article.

    `labels.jsonl` stays the adjudicated gold used for training; annotation files are
    only read for agreement.
    """
    by_annotator: dict[str, dict[str, str]] = defaultdict(dict)
    texts: dict[str, str] = {}
    for article_dir in article_dirs(seeds_dir):
        folder = article_dir / ANNOTATIONS_DIR
        if not folder.is_dir():
            continue
        sentences = read_jsonl(article_dir / SENTENCES_FILE, SENTENCE_KEYS)
        texts.update({r.fields["id"]: r.fields["text"] for r in sentences})
        for path in files.visible_files(folder, "*.jsonl"):
            labelled = check_labels(read_jsonl(path, LABEL_KEYS), {r.fields["id"] for r in sentences})
            by_annotator[path.stem].update({sid: record.fields["label"] for sid, record in labelled.items()})
    return dict(by_annotator), texts


class SeedsSource(DataSource):
    """The labelled articles under `data.seeds_dir`, and the labelled sets `data.sets` names.

    Cross-validated: nothing is a test split. Each example's `source` is "article" or the
    set's name, so protocols and reports can keep the sources apart.
    """

    name = "seeds"

    def load(self) -> Examples:
        from stance.data import sets  # sets reuse this module's readers

        seen_ids: dict[str, str] = {}
        rows = [row for article in article_dirs(self.config.seeds_dir) for row in load_article_rows(article, seen_ids)]
        units = {row["id"]: row["text"] for row in rows}
        seen_texts = {row["text"].strip(): row["id"] for row in rows}
        for name in self.config.sets:
            rows += sets.load_set_rows(sets.set_dir(self.config.seeds_dir, name), units, seen_ids, seen_texts)
        return Examples.from_rows(rows)

    @property
    def location(self) -> str:
        return str(self.config.seeds_dir)

    def _files(self) -> list[Path]:
        from stance.data import sets

        files = [
            d / name
            for d in article_dirs(self.config.seeds_dir)
            for name in (ARTICLE_FILE, META_FILE, SENTENCES_FILE, LABELS_FILE)
        ]
        for name in self.config.sets:
            folder = sets.set_dir(self.config.seeds_dir, name)
            files += [folder / sets.META_FILE, folder / sets.ITEMS_FILE]
        return files

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path in self._files():
            digest.update(f"{path.parent.name}/{path.name}\0".encode())
            digest.update(path.read_bytes() if path.is_file() else b"")
        return digest.hexdigest()

    def authorship(self) -> dict[str, str]:
        """Who wrote each source's texts: the articles' own sentences, or a set's `written_by`."""
        from stance.data import sets

        titles = [f"“{read_meta(folder)['title']}”" for folder in article_dirs(self.config.seeds_dir)]
        articles = "the article's" if len(titles) == 1 else f"the {len(titles)} articles'"
        authors = {ARTICLE_SOURCE: f"{articles} own sentences ({'; '.join(titles)})"}
        for name in self.config.sets:
            authors[name] = sets.read_set_meta(sets.set_dir(self.config.seeds_dir, name))["written_by"]
        return authors

    def annotations(self) -> dict[str, tuple[dict[str, dict[str, str]], dict[str, str]]]:
        """Per source (the articles, each configured set): (labels by annotator, texts)."""
        return annotations_by_source(self.config.seeds_dir, self.config.sets)


def annotations_by_source(
    seeds_dir: Path, set_names=None
) -> dict[str, tuple[dict[str, dict[str, str]], dict[str, str]]]:
    """Annotations of the articles and of each labelled set (default: every set folder)."""
    from stance.data import sets

    if set_names is None:
        root = Path(seeds_dir) / sets.SETS_DIR
        set_names = [p.name for p in files.visible_folders(root)] if root.is_dir() else []
    result = {ARTICLE_SOURCE: load_annotations(seeds_dir)}
    for name in set_names:
        result[name] = sets.load_set_annotations(sets.set_dir(seeds_dir, name))
    return result
