import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from stance.config import MODEL_CONFIGS, compose, load_config, validate_config
from stance.errors import ConfigError
from stance.models import MODELS

CONFIGS = REPO / "configs"
# Components and studies are read through the run files that name them.
COMPONENT_DIRS = ("model", "protocol", "study", "ensemble", "simulation")
RUN_CONFIGS = sorted(p for p in CONFIGS.rglob("*.yaml") if p.relative_to(CONFIGS).parts[0] not in COMPONENT_DIRS)


@pytest.mark.parametrize("path", RUN_CONFIGS, ids=lambda p: str(p.relative_to(CONFIGS)))
def test_every_shipped_config_validates(path):
    config = load_config(path)
    assert config.name == path.stem
    assert validate_config(yaml.safe_load(config.to_yaml()), "resolved") == config


def test_every_model_and_protocol_file_is_named_by_a_run():
    used = {Path(p).resolve() for path in RUN_CONFIGS for p in compose(path)[2]}
    for group in ("model", "protocol"):
        for component in (CONFIGS / group).glob("*.yaml"):
            assert component.resolve() in used, f"{component} is named by no run"


@pytest.fixture
def configs(tmp_path):
    """A configs folder with one model and one protocol file; returns a writer of run files."""
    (tmp_path / "model").mkdir()
    (tmp_path / "protocol").mkdir()
    (tmp_path / "model" / "tfidf.yaml").write_text("model:\n  type: tfidf\n  C: 2.0\n")
    (tmp_path / "protocol" / "loo.yaml").write_text("protocol:\n  type: loo\n")

    def write(name: str, text: str) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return write


DEFAULTS = "defaults:\n  - model: tfidf\n  - protocol: loo\nseed: 1\n"


def test_a_run_composes_its_model_and_protocol_and_its_own_keys_win(configs):
    config = load_config(configs("run", DEFAULTS + "model:\n  min_df: 2\n"))
    assert (config.model.type, config.model.C, config.model.min_df, config.protocol.type) == ("tfidf", 2.0, 2, "loo")
    assert load_config(configs("c", DEFAULTS + "model:\n  C: 0.5\n")).model.C == 0.5


def test_a_run_in_a_subfolder_finds_the_components_above_it(configs):
    base = configs("sub/base", DEFAULTS)
    variant = configs("sub/variant", "defaults:\n  - base: base\nseed: 2\n")
    assert load_config(variant).model_copy(update={"name": "base", "seed": 1}) == load_config(base)


def test_an_error_in_a_component_names_the_component(configs, tmp_path):
    (tmp_path / "model" / "tfidf.yaml").write_text("model:\n  type: tfidf\n  Cc: 2.0\n")
    component = tmp_path / "model" / "tfidf.yaml"
    with pytest.raises(ConfigError, match=re.escape(f"{component}: model.Cc: unknown key")):
        load_config(configs("run", DEFAULTS))


def test_an_error_in_the_run_file_names_the_run_file(configs):
    path = configs("run", DEFAULTS + "model:\n  C: -1\n")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: model.C: Input should be greater than 0")):
        load_config(path)


def test_an_override_is_named_over_the_files(configs):
    with pytest.raises(ConfigError, match=re.escape("--set model.C=-1: model.C:")):
        load_config(configs("run", DEFAULTS), ["model.C=-1"])


@pytest.mark.parametrize(
    ("defaults", "problem"),
    [
        ("  - model: svm\n", "defaults[0]: no model config 'svm' (looked for model/svm.yaml in a folder above it)"),
        ("  - optimizer: adam\n", "defaults[0]: unknown entry {'optimizer': 'adam'}"),
        ("  - base: run\n", "defaults: the file includes itself"),
        ("  model: tfidf\n", "defaults: expected a list like [model: tfidf_logreg, protocol: grouped]"),
    ],
)
def test_a_bad_defaults_list_is_one_message(configs, defaults, problem):
    path = configs("run", "defaults:\n" + defaults + "seed: 1\nprotocol:\n  type: loo\n")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: {problem}")):
        load_config(path)


def test_a_component_holds_only_its_own_sections(configs, tmp_path):
    (tmp_path / "model" / "tfidf.yaml").write_text("seed: 3\nmodel:\n  type: tfidf\n")
    with pytest.raises(ConfigError, match=re.escape("model/tfidf.yaml: seed: a model config holds only its model:")):
        load_config(configs("run", DEFAULTS))


def test_the_semeval_configs_are_among_those_loaded():
    names = {path.stem for path in (REPO / "configs").rglob("semeval2016/*.yaml")}
    assert {"majority", "tfidf_svm", "tfidf_logreg", "transformer", "transformer_tweet"} <= names


def test_every_model_type_has_its_config_section_and_no_other():
    assert list(MODELS) == list(MODEL_CONFIGS)
    for name, model in MODELS.items():
        assert model.Config is MODEL_CONFIGS[name]
        assert MODEL_CONFIGS[name].model_fields["type"].annotation.__args__ == (name,)


def test_an_ensemble_is_refused_as_a_training_config(write_config):
    path = write_config(model={"type": "ensemble", "members": ["a", "b"]})
    with pytest.raises(
        ConfigError,
        match=re.escape(f"{path}: model.type: an ensemble is built from trained runs with `stance ensemble`"),
    ):
        load_config(path)


def test_the_dev_fraction_defaults_for_holdout_only(write_config):
    assert load_config(write_config(protocol={"type": "holdout"})).protocol.dev_fraction == 0.1
    assert load_config(write_config(protocol={"type": "loo"})).protocol.dev_fraction is None


def test_an_unknown_data_source_is_named(write_config):
    path = write_config(data={"source": "wikipedia"})
    with pytest.raises(ConfigError, match=re.escape(f"{path}: data.source: unknown data source 'wikipedia'")):
        load_config(path)


def test_a_key_of_another_data_source_is_unknown(write_config):
    path = write_config(data={"source": "semeval2016", "seeds_dir": "seeds"})
    with pytest.raises(ConfigError, match=re.escape(f"{path}: data.seeds_dir: unknown key")):
        load_config(path)


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
    with pytest.raises(ConfigError, match="n_splits is only used by types 'repeated_kfold' and 'grouped_kfold'"):
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


def test_a_nested_unknown_key_from_set_is_blamed_on_the_set_not_the_file(write_config):
    """Issue 23, gap 1: `model.a` came from --set, though the file wrote `model`."""
    with pytest.raises(ConfigError, match=re.escape("--set model.a.b.c=1: model.a: unknown key")):
        load_config(write_config(), ["model.a.b.c=1"])
    with pytest.raises(ConfigError, match=re.escape("--set extra.x=1: extra: unknown key")):
        load_config(write_config(), ["extra.x=1"])
    config = load_config(write_config(model={"type": "tfidf", "C": 0.5}), ["model.C=2"])
    assert config.model.C == 2  # an override of a key the file wrote still applies


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("seed: [1,\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}:2: invalid YAML")) as err:
        load_config(path)
    assert "\n" not in str(err.value)


def test_cross_set_needs_disjoint_train_and_test_sources(write_config):
    with pytest.raises(ConfigError, match="needs train_sources and test_sources"):
        load_config(write_config(protocol={"type": "cross_set", "train_sources": ["article"]}))
    with pytest.raises(ConfigError, match="a source cannot be both trained and tested on"):
        load_config(
            write_config(protocol={"type": "cross_set", "train_sources": ["article"], "test_sources": ["article"]})
        )


def test_the_simulation_config_loads_and_names_run_configs_that_exist():
    from stance.labelling.simulation import load_simulation

    sim = load_simulation(CONFIGS / "simulation" / "active_learning.yaml")
    assert all((CONFIGS / f"{name}.yaml").is_file() for name in sim.runs)
