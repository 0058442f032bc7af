"""The bugs tests/test_fuzz.py found, shrunk by Hypothesis, kept as plain tests."""

import json
import re

import pytest
import yaml
from conftest import TOY_SENTENCES, constructed_items, write_article, write_set

from stance.cli import main
from stance.config import SeedsDataConfig, load_config
from stance.data import open_source
from stance.errors import ConfigError, DataError


def config_file(tmp_path, seeds_dir, **sections):
    raw = {"seed": 7, "data": {"seeds_dir": str(seeds_dir)}, "protocol": {"type": "loo"}, "model": {"type": "tfidf"}}
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump({**raw, **sections}), encoding="utf-8")
    return path


def test_a_model_section_that_is_a_list_is_one_line(tmp_path, seeds_dir):
    """Was TypeError: unhashable type: 'list'."""
    with pytest.raises(ConfigError, match=re.escape("fuzz.yaml: model: expected a mapping with a type, got []")):
        load_config(config_file(tmp_path, seeds_dir, model=[]))


@pytest.mark.parametrize("how", ["file", "set"])
def test_an_empty_data_section_is_one_line(tmp_path, seeds_dir, how):
    """Was AttributeError: 'NoneType' object has no attribute 'source' (`data:` and `--set data=`)."""
    path = config_file(tmp_path, seeds_dir, data=None) if how == "file" else config_file(tmp_path, seeds_dir)
    with pytest.raises(ConfigError) as err:
        load_config(path, [] if how == "file" else ["data="])
    assert "\n" not in str(err.value) and "data" in str(err.value)


def test_a_key_with_a_line_break_is_quoted_on_one_line(tmp_path, seeds_dir, capsys):
    """Was a two-line message: the key itself held the line break."""
    path = config_file(tmp_path, seeds_dir, data={"seeds_dir": str(seeds_dir), "\n": None})
    assert main(["train", "--config", str(path)]) == 2
    assert capsys.readouterr().err == f"error: {path}: 'data.\\n': unknown key\n"


def test_a_set_with_a_line_break_is_quoted_on_one_line(tmp_path, seeds_dir, capsys):
    assert main(["train", "--config", str(config_file(tmp_path, seeds_dir)), "--set", "0=\n"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: --set '0=\\n'")


def test_an_empty_sentences_file_names_itself_not_the_labels(tmp_path):
    """Was `labels.jsonl:1: label for unknown sentence id`: true, but not the problem."""
    root = tmp_path / "seeds"
    article = write_article(root, "toy-article", TOY_SENTENCES)
    (article / "sentences.jsonl").write_bytes(b"")
    with pytest.raises(DataError, match=re.escape(f"{article / 'sentences.jsonl'}: no sentences")):
        open_source(SeedsDataConfig(seeds_dir=root)).load()


def test_a_set_kind_that_is_a_list_is_one_line(tmp_path):
    """Was TypeError: unhashable type: 'list'."""
    root = tmp_path / "seeds"
    write_article(root, "toy-article", TOY_SENTENCES)
    folder = write_set(root, "constructed", "constructed", constructed_items())
    meta = yaml.safe_load((folder / "meta.yaml").read_text())
    (folder / "meta.yaml").write_text(yaml.safe_dump({**meta, "kind": []}))
    with pytest.raises(DataError, match="kind '\\[\\]' is not one of"):
        open_source(SeedsDataConfig(seeds_dir=root, sets=("constructed",))).load()


def test_a_rationale_that_is_not_a_list_of_strings_is_one_line(tmp_path):
    """Was TypeError: 'NoneType' object is not iterable (a text area's value set to null)."""
    from stance.labelling.labelstudio import read_export

    result = [
        {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": ["FAVOR"]}},
        {"from_name": "rationale", "to_name": "text", "type": "textarea", "value": {"text": None}},
    ]
    task = {"id": 1, "data": {"id": "a.s01", "text": "t"}, "annotations": [{"completed_by": 1, "result": result}]}
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task]))
    with pytest.raises(DataError, match="task 1, annotation by user-1: its 'rationale' result has no list of text"):
        read_export(path, {"a.s01": "t"})


def test_an_annotator_name_that_would_leave_the_folder_is_refused(tmp_path, capsys):
    assert main(["label", "import", str(tmp_path / "e.json"), "--into", str(tmp_path), "--user", "1=../../x"]) == 2
    assert "letters, digits" in capsys.readouterr().err
