import re

import pytest
import yaml

from stance.config import load_config, validate_config
from stance.errors import ConfigError

from conftest import REPO


@pytest.mark.parametrize("path", sorted((REPO / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_validates(path):
    config = load_config(path)
    assert config.name == path.stem


def test_resolved_config_round_trips_through_yaml(write_config):
    config = load_config(write_config(model={"type": "tfidf", "C": 0.5}))
    again = validate_config(yaml.safe_load(config.to_yaml()), "resolved")
    assert again == config
    assert again.model.C == 0.5 and again.model.word_ngram_range == (1, 3)


def test_unknown_top_level_key_names_the_key_and_file(write_config):
    path = write_config(sed=3)
    with pytest.raises(ConfigError, match=re.escape(f"{path}: sed: unknown key")):
        load_config(path)


def test_unknown_model_key_names_the_dotted_key(write_config):
    path = write_config(model={"type": "tfidf", "Cc": 1.0})
    with pytest.raises(ConfigError, match=re.escape(f"{path}: model.Cc: unknown key")):
        load_config(path)


def test_wrong_type_names_the_key_and_the_value(write_config):
    path = write_config(model={"type": "tfidf", "C": "strong"})
    with pytest.raises(ConfigError, match=re.escape(f"{path}: model.C: ") + ".*'strong'"):
        load_config(path)


def test_unknown_model_type_lists_the_known_ones(write_config):
    path = write_config(model={"type": "bert-large"})
    with pytest.raises(ConfigError, match=r"model.type: unknown model type 'bert-large' \(known: majority, tfidf"):
        load_config(path)


def test_missing_required_section(write_config, tmp_path):
    path = tmp_path / "noprotocol.yaml"
    path.write_text("seed: 1\nmodel: {type: majority}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: protocol: missing required key")):
        load_config(path)


def test_protocol_keys_must_match_its_type(write_config):
    with pytest.raises(ConfigError, match="only used by type 'repeated_kfold'"):
        load_config(write_config(protocol={"type": "loo", "n_splits": 2}))
    with pytest.raises(ConfigError, match="n_repeats >= 10"):
        load_config(write_config(protocol={"type": "repeated_kfold", "n_splits": 2, "n_repeats": 3}))


def test_set_overrides_are_typed_and_applied(write_config):
    config = load_config(write_config(), ["model.C=0.25", "model.classifier=linearsvc", "seed=99"])
    assert (config.model.C, config.model.classifier, config.seed) == (0.25, "linearsvc", 99)


def test_a_bad_set_override_is_named_as_the_source(write_config):
    with pytest.raises(ConfigError, match=re.escape("--set model.Cc=1: model.Cc: unknown key")):
        load_config(write_config(), ["model.Cc=1"])
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        load_config(write_config(), ["model.C"])


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("seed: [1,\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}:2: invalid YAML")) as err:
        load_config(path)
    assert "\n" not in str(err.value)
