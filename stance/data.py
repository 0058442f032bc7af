"""Seeds -> a validated `datasets.Dataset`, one row per labelled sentence.

Every check runs before any caller writes anything, and the first failure raises a
DataError naming the file, the line and the problem.
"""

from pathlib import Path

from datasets import Dataset

from stance import seeds
from stance.errors import DataError, where
from stance.labels import LABELS
from stance.segment import segment

COLUMNS = ("id", "article", "text", "start", "end", "label", "rationale")


def _check_sentences(records: list[seeds.Record], text: str) -> None:
    for record in records:
        row, place = record.fields, where(record.path, record.line)
        if not row["text"].strip():
            raise DataError(f"{place}: empty text for sentence '{row['id']}'")
        start, end = row["start"], row["end"]
        if not 0 <= start < end <= len(text) or text[start:end] != row["text"]:
            raise DataError(
                f"{place}: offsets [{start}, {end}) of sentence '{row['id']}' do not match the article text"
            )


def check_labels(records: list[seeds.Record], sentence_ids: set[str]) -> dict[str, seeds.Record]:
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
    """Validated rows of one article; `seen_ids` maps ids to places across articles."""
    text = seeds.read_article(article_dir)
    sentences = seeds.read_jsonl(article_dir / seeds.SENTENCES_FILE, seeds.SENTENCE_KEYS)
    for record in sentences:
        place, sentence_id = where(record.path, record.line), record.fields["id"]
        if sentence_id in seen_ids:
            raise DataError(f"{place}: duplicate sentence id '{sentence_id}' (first at {seen_ids[sentence_id]})")
        seen_ids[sentence_id] = place
    _check_sentences(sentences, text)
    labels_path = article_dir / seeds.LABELS_FILE
    labels = check_labels(seeds.read_jsonl(labels_path, seeds.LABEL_KEYS), {r.fields["id"] for r in sentences})
    rows = []
    for record in sentences:
        sentence = record.fields
        if sentence["id"] not in labels:
            raise DataError(f"{where(record.path, record.line)}: sentence '{sentence['id']}' has no label in {labels_path}")
        label = labels[sentence["id"]].fields
        rows.append({**sentence, "article": article_dir.name, "label": label["label"], "rationale": label["rationale"]})
    return rows


def load_dataset(seeds_dir: Path) -> Dataset:
    """Load and validate every article under `seeds_dir` into one Dataset."""
    seen_ids: dict[str, str] = {}
    rows = [row for article in seeds.article_dirs(seeds_dir) for row in load_article_rows(article, seen_ids)]
    return Dataset.from_dict({column: [row[column] for row in rows] for column in COLUMNS})


def segment_article(article_dir: Path) -> list[dict]:
    """Sentence rows for an article, with ids `<article-id>.s<NN>` in reading order."""
    text = seeds.read_article(article_dir)
    return [
        {"id": f"{article_dir.name}.s{i:02d}", "start": span.start, "end": span.end, "text": text[span.start : span.end]}
        for i, span in enumerate(segment(text), 1)
    ]


def load_data(config) -> tuple[Dataset, Dataset | None]:
    """(train, test) for a DataConfig; test is None for the articles, which are cross-validated."""
    if config.source == "semeval2016":
        from stance import semeval

        folder = semeval.resolve_dir(config.semeval_dir)
        return semeval.load_split(folder, "train"), semeval.load_split(folder, "test")
    return load_dataset(config.seeds_dir), None


def fingerprint(config) -> str:
    """sha256 identifying the data a run used."""
    if config.source == "semeval2016":
        from stance import semeval

        return semeval.fingerprint(semeval.resolve_dir(config.semeval_dir))
    return seeds.fingerprint(config.seeds_dir)
