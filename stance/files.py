"""The one place that reads the user's text files and lists their folders.

Every error is one line that names the file, the line and the problem: a byte that is
not UTF-8 gives its line and byte offset, a YAML key written twice gives both lines.
Editors on Windows start files with a UTF-8 byte-order mark; it is accepted everywhere
except where every byte counts (`article.txt`, whose sha256 and offsets cover it).
"""

import codecs
import json
from collections.abc import Iterator
from pathlib import Path

import yaml

from stance.errors import StanceError, yaml_problem


def decode(path: Path, data: bytes, error: type[StanceError], allow_bom: bool = True) -> str:
    """`data` as UTF-8 text, or `error` naming the line and byte offset of the first bad byte."""
    skipped = len(codecs.BOM_UTF8) if allow_bom and data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[skipped:].decode("utf-8")
    except UnicodeDecodeError as err:
        offset = err.start + skipped  # in the file as it is on disk, BOM included
        line = data.count(b"\n", 0, offset) + 1
        raise error(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[offset]:02x} at byte offset {offset}); "
            "save the file as UTF-8"
        ) from None


def read_text(path: Path, error: type[StanceError], allow_bom: bool = True) -> str:
    """A UTF-8 text file, or one `error` line if it is missing, unreadable or not UTF-8."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: missing file")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise error(f"{path}: cannot read ({err.strerror})") from None
    return decode(path, data, error, allow_bom)


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key written twice in one mapping is an error
    (PyYAML keeps the last value, silently)."""

    def construct_mapping(self, node, deep=False):
        first_line = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *base` merges; it is not a key
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                seen = key in first_line
            except TypeError:  # an unhashable key: PyYAML's own error names it
                continue
            line = key_node.start_mark.line + 1
            if seen:
                raise DuplicateKey(key, first_line[key], line)
            first_line[key] = line
        return super().construct_mapping(node, deep)


class DuplicateKey(Exception):
    def __init__(self, key, first: int, second: int):
        super().__init__(f"key '{key}' appears twice, on lines {first} and {second}")
        self.line = second


def parse_yaml(text: str, path, error: type[StanceError]):
    """YAML `text` read from `path` (for messages), refusing duplicate keys."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKey as err:
        raise error(f"{path}:{err.line}: {err}") from None
    except yaml.YAMLError as err:
        raise error(yaml_problem(path, err)) from None


def read_yaml(path: Path, error: type[StanceError]):
    """A YAML file: UTF-8 (a BOM is fine), valid YAML, no key twice; else one `error` line."""
    return parse_yaml(read_text(path, error), path, error)


def jsonl_rows(path: Path, error: type[StanceError]) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) of each non-blank line of a JSONL file; `error`
    `path:line: malformed JSON (...)` at the first line that does not parse."""
    for line_no, line in enumerate(read_text(path, error).splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield line_no, json.loads(line)
        except json.JSONDecodeError as err:
            raise error(f"{path}:{line_no}: malformed JSON ({err.msg})") from None


def is_hidden(path: Path) -> bool:
    """Hidden entries (`.ipynb_checkpoints`, `.DS_Store`, a run's staging folder) are never data."""
    return path.name.startswith(".")


def visible_folders(root: Path) -> list[Path]:
    """The folders directly under `root`, by name, without hidden ones."""
    return sorted(p for p in Path(root).iterdir() if p.is_dir() and not is_hidden(p))


def visible_files(root: Path, pattern: str) -> list[Path]:
    """The files in `root` matching `pattern`, by name, without hidden ones (pathlib's glob keeps them)."""
    return sorted(p for p in Path(root).glob(pattern) if p.is_file() and not is_hidden(p))
