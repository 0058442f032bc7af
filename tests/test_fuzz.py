"""Property-based tests of every reader of a user's file (Hypothesis): for any generated
input, either it loads or the user gets one line (a StanceError, which the CLI prints as
`error: ...` with exit 2) naming the file. Never another exception (a traceback for the
user) and never a hang: each example has a deadline.

Inputs are generated two ways: arbitrary bytes and text, and mutations of a valid file
(a line replaced by arbitrary JSON, a key dropped or retyped), which reach the checks
after parsing. Shrunk failing examples are kept as regular tests in test_fuzz_found.py.
"""

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from conftest import TOY_SENTENCES, constructed_items, write_article, write_set
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stance.config import load_config
from stance.data import open_source, seeds
from stance.errors import StanceError

EXAMPLES = 150
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=3),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI does not flake, a found bug stays found
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
raw_bytes = st.binary(max_size=400)
raw_text = st.text(max_size=400)


def one_line_naming(err: StanceError, path: Path) -> None:
    """One line, naming the file, or a file beside it that the change made wrong (a changed
    sentence id makes its label in labels.jsonl a label for an unknown sentence)."""
    message = str(err)
    assert "\n" not in message, message
    assert path.name in message or str(path.parent) in message, message


def loads_or_says_one_line(load, path: Path):
    try:
        return load()
    except StanceError as err:
        one_line_naming(err, path)
        return None


def mutated_lines(valid: list[dict]):
    """A valid JSONL file with one line replaced, one row's key dropped or its value changed."""
    index = st.integers(0, len(valid) - 1)
    replaced = st.tuples(index, json_values).map(lambda t: _replace(valid, t[0], json.dumps(t[1])))
    raw = st.tuples(index, st.text(max_size=60)).map(lambda t: _replace(valid, t[0], t[1]))
    retyped = st.tuples(index, st.sampled_from(sorted(valid[0])), json_values).map(
        lambda t: _replace(valid, t[0], json.dumps({**valid[t[0]], t[1]: t[2]}))
    )
    dropped = st.tuples(index, st.sampled_from(sorted(valid[0]))).map(
        lambda t: _replace(valid, t[0], json.dumps({k: v for k, v in valid[t[0]].items() if k != t[1]}))
    )
    return replaced | raw | retyped | dropped


def _replace(valid: list[dict], i: int, line: str) -> bytes:
    lines = [json.dumps(row, ensure_ascii=False) for row in valid]
    lines[i] = line
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def _bytes(content) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")


# Configs and --set


def _valid_config(seeds_dir: Path) -> dict:
    return {"seed": 7, "data": {"seeds_dir": str(seeds_dir)}, "protocol": {"type": "loo"}, "model": {"type": "tfidf"}}


config_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats() | st.text(max_size=12),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=8,
)
config_keys = st.sampled_from(
    ["seed", "name", "data", "data.seeds_dir", "data.sets", "data.source", "protocol", "protocol.type",
     "protocol.n_splits", "model", "model.type", "model.C", "model.ngram_range", "analysis", "tune", "defaults", "x"]
)  # fmt: skip


def _set_dotted(raw: dict, dotted: str, value) -> dict:
    node, *_ = raw, None
    keys = dotted.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {}) if isinstance(node.get(key, {}), dict) else {}
    node[keys[-1]] = value
    return raw


@FUZZ
@given(content=raw_bytes | raw_text.map(_bytes))
def test_any_bytes_as_a_config_load_or_say_one_line(seeds_dir, tmp_path, content):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(content)
    loads_or_says_one_line(lambda: load_config(path), path)


@FUZZ
@given(edits=st.lists(st.tuples(config_keys, config_values), min_size=1, max_size=3))
def test_a_config_with_wrong_values_loads_or_says_one_line(seeds_dir, tmp_path, edits):
    raw = _valid_config(seeds_dir)
    for key, value in edits:
        raw = _set_dotted(raw, key, value)
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    loads_or_says_one_line(lambda: load_config(path), path)


@FUZZ
@given(override=st.text(max_size=40) | st.tuples(config_keys, st.text(max_size=15)).map("=".join))
def test_any_set_override_loads_or_says_one_line(write_config, override):
    path = write_config()
    try:
        load_config(path, [override])
    except StanceError as err:
        assert "\n" not in str(err) and ("--set" in str(err) or path.name in str(err)), str(err)


# Seeds: meta.yaml, sentences.jsonl, labels.jsonl, a set's items.jsonl and meta.yaml


@pytest.fixture
def fuzz_seeds(tmp_path):
    """A fresh copy of the toy seeds (an article and a constructed set) for each example."""
    root = tmp_path / "pristine"
    write_article(root, "toy-article", TOY_SENTENCES)
    write_set(root, "constructed", "constructed", constructed_items())

    def fresh() -> Path:
        target = tmp_path / "seeds"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(root, target)
        return target

    return fresh


def _load_seeds(seeds_dir: Path):
    from stance.config import SeedsDataConfig

    return open_source(SeedsDataConfig(seeds_dir=seeds_dir, sets=("constructed",))).load()


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ARTICLE = Path("articles") / "toy-article"
SEED_FILES = {
    "sentences": ARTICLE / seeds.SENTENCES_FILE,
    "labels": ARTICLE / seeds.LABELS_FILE,
    "items": Path("sets") / "constructed" / "items.jsonl",
}


@pytest.mark.parametrize("which", sorted(SEED_FILES))
def test_a_mutated_seeds_file_loads_or_says_one_line(fuzz_seeds, which):
    relative = SEED_FILES[which]
    valid = _rows(fuzz_seeds() / relative)

    @FUZZ
    @given(content=mutated_lines(valid) | raw_bytes)
    def check(content):
        root = fuzz_seeds()
        (root / relative).write_bytes(content)
        loads_or_says_one_line(lambda: _load_seeds(root), root / relative)

    check()


@pytest.mark.parametrize("meta", [ARTICLE / seeds.META_FILE, Path("sets") / "constructed" / "meta.yaml"])
def test_a_mutated_meta_yaml_loads_or_says_one_line(fuzz_seeds, meta):
    valid = yaml.safe_load((fuzz_seeds() / meta).read_text(encoding="utf-8"))

    @FUZZ
    @given(
        content=raw_bytes
        | st.tuples(st.sampled_from(sorted(valid) + ["extra"]), config_values).map(
            lambda t: yaml.safe_dump({**valid, t[0]: t[1]}).encode()
        )
    )
    def check(content):
        root = fuzz_seeds()
        (root / meta).write_bytes(content)
        loads_or_says_one_line(lambda: _load_seeds(root), root / meta)

    check()


# Predict inputs, ensembles, the labelling files


def _text_lines():
    valid = [{"text": "We support cooperation."}, {"text": "Moscow is a threat.", "id": "x"}]
    return mutated_lines(valid) | raw_bytes


def _read_predict_input(path):
    from stance.predict import read_inputs

    return read_inputs(path)


def _read_pool(path):
    from stance.labelling.pool import read_pool

    return read_pool(path)


@pytest.mark.parametrize(
    "reader, suffix",
    [(_read_predict_input, suffix) for suffix in (".txt", ".jsonl", ".csv")]
    + [(_read_pool, suffix) for suffix in (".txt", ".jsonl")],
    ids=["predict.txt", "predict.jsonl", "predict.csv", "pool.txt", "pool.jsonl"],
)
def test_any_file_of_sentences_reads_or_says_one_line(tmp_path, reader, suffix):
    """`stance predict --input` and `stance label suggest --input` files."""

    @FUZZ
    @given(content=_text_lines() | raw_text.map(_bytes))
    def check(content):
        path = tmp_path / f"in{suffix}"
        path.write_bytes(content)
        loads_or_says_one_line(lambda: reader(path), path)

    check()


@FUZZ
@given(
    content=raw_bytes
    | st.dictionaries(st.sampled_from(["ensembles", "x"]), config_values, max_size=2).map(
        lambda d: yaml.safe_dump(d).encode()
    )
    | st.lists(
        st.dictionaries(st.sampled_from(["name", "runs", "method", "weights"]), config_values, max_size=4), max_size=3
    ).map(lambda rows: yaml.safe_dump({"ensembles": rows}).encode())
)
def test_any_ensembles_file_loads_or_says_one_line(tmp_path, content):
    from stance.ensemble import load_ensembles

    path = tmp_path / "ensembles.yaml"
    path.write_bytes(content)
    loads_or_says_one_line(lambda: load_ensembles(path), path)


def _suggestion(rank: int) -> dict:
    probabilities = {"FAVOR": 0.5, "AGAINST": 0.3, "NONE": 0.2}
    return {"rank": rank, "id": f"a.s0{rank}", "text": "t", "predicted": "FAVOR", "score": 0.5,
            "probabilities": probabilities, "strategy": "random", "run": "toy"}  # fmt: skip


@FUZZ
@given(content=mutated_lines([_suggestion(1), _suggestion(2)]) | raw_bytes)
def test_any_suggestions_file_reads_or_says_one_line(tmp_path, content):
    from stance.labelling.suggest import read_suggestions

    path = tmp_path / "suggestions.jsonl"
    path.write_bytes(content)
    loads_or_says_one_line(lambda: read_suggestions(path), path)


def _annotation_result(choice) -> list:
    return [
        {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": choice}},
        {"from_name": "rationale", "to_name": "text", "type": "textarea", "value": {"text": ["Rule 1: x"]}},
    ]


def _export_task(n: int) -> dict:
    annotation = {"completed_by": 1, "was_cancelled": False, "result": _annotation_result(["FAVOR"])}
    return {"id": n, "data": {"id": f"a.s0{n}", "text": "t"}, "annotations": [annotation]}


def _mutated_export():
    """A valid export with one value anywhere in it (by a path of keys and indices) replaced."""
    valid = [_export_task(1), _export_task(2)]
    paths = [
        (0,), (0, "data"), (0, "data", "id"), (0, "annotations"), (0, "annotations", 0),
        (0, "annotations", 0, "completed_by"), (0, "annotations", 0, "was_cancelled"),
        (0, "annotations", 0, "result"), (0, "annotations", 0, "result", 0),
        (0, "annotations", 0, "result", 0, "value"),
        (0, "annotations", 0, "result", 0, "value", "choices"), (0, "annotations", 0, "result", 1, "value", "text"),
        (1, "annotations", 0, "result", 1, "value"), (1, "id"),
    ]  # fmt: skip

    def replace(where, value):
        export = json.loads(json.dumps(valid))
        node = export
        for key in where[:-1]:
            node = node[key]
        node[where[-1]] = value
        return json.dumps(export).encode()

    return st.tuples(st.sampled_from(paths), json_values).map(lambda t: replace(*t))


@FUZZ
@given(content=_mutated_export() | raw_bytes | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_label_studio_export_imports_or_says_one_line(tmp_path, content):
    from stance.labelling.labelstudio import read_export

    path = tmp_path / "export.json"
    path.write_bytes(content)
    loads_or_says_one_line(lambda: read_export(path, {"a.s01": "t", "a.s02": "t"}), path)
