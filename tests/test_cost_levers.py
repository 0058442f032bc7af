"""The levers that make the headline transformer cheap (configs/transformer_grouped.yaml):
bf16 autocast, frozen lower layers, and no refit. Each must do what it says and nothing else."""

import numpy as np
import pytest
import torch
from conftest import TOY_SENTENCES, train_and_score

from stance import train as train_module
from stance.config import TransformerConfig
from stance.errors import ConfigError
from stance.models import MODELS
from stance.runs import Run

TEXTS = [t for t, _ in TOY_SENTENCES]
GOLD = [label for _, label in TOY_SENTENCES]


def transformer(folder, **keys):
    config = TransformerConfig(
        type="transformer", checkpoint=str(folder), epochs=2, batch_size=4, max_length=32, learning_rate=1e-3
    )
    return MODELS["transformer"](config.model_copy(update=keys), seed=0)


def weights(module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in module.state_dict().items()}


def test_frozen_layers_leave_the_embeddings_and_the_lowest_layers_as_pretrained(tiny_bert):
    before = weights(transformer(tiny_bert, epochs=0).fit(TEXTS, GOLD).network.encoder)
    after = weights(transformer(tiny_bert, frozen_layers=1).fit(TEXTS, GOLD).network.encoder)
    for name, value in after.items():
        frozen = name.startswith("embeddings.") or name.startswith("encoder.layer.0.")
        assert torch.equal(value, before[name]) == frozen, name


def test_freezing_every_layer_is_refused_before_work(tiny_bert):
    model = transformer(tiny_bert, frozen_layers=2)  # the tiny BERT has 2 layers
    with pytest.raises(ConfigError, match="model.frozen_layers: 2 would freeze every layer of the 2"):
        type(model).preflight(model.config)


def test_a_bf16_model_predicts_in_float32_as_its_saved_copy_does(tiny_bert, tmp_path):
    model = transformer(tiny_bert, bf16=True).fit(TEXTS, GOLD)
    in_memory = model.predict_proba(TEXTS)
    model.save(tmp_path / "model")
    again = type(model).load(tmp_path / "model", model.config, seed=0).predict_proba(TEXTS)
    np.testing.assert_allclose(in_memory, again, atol=1e-6)
    assert not np.allclose(in_memory, transformer(tiny_bert).fit(TEXTS, GOLD).predict_proba(TEXTS), atol=1e-6)


@pytest.mark.parametrize(("refit", "refits"), [(True, 1), (False, 0)])
def test_refit_false_saves_the_last_folds_model_and_skips_the_refit(write_config, tmp_path, monkeypatch, refit, refits):
    built = []
    real = train_module.build_model
    monkeypatch.setattr(train_module, "build_model", lambda config, seed: built.append(seed) or real(config, seed))
    path = write_config(
        model={"type": "tfidf", "C": 3.0},
        protocol={"type": "repeated_kfold", "n_splits": 3, "n_repeats": 10, "refit": refit},
    )
    assert train_and_score(path, tmp_path / "run") == 0
    assert len(built) == 30 + refits
    if not refit:  # the saved model is the last fold's: it predicts that fold's items as the run did
        run = Run.open(tmp_path / "run")
        last = [row for row in run.predictions if (row.repeat, row.fold) == (9, 2)]
        saved = MODELS["tfidf"].load(run.model_dir, run.config.model, seed=0)
        probabilities = saved.predict_proba([row.text for row in last])
        np.testing.assert_allclose(probabilities, [list(row.probabilities.values()) for row in last], atol=1e-9)


def test_refit_is_refused_where_there_is_one_fold(write_config):
    from stance.config import load_config

    with pytest.raises(ConfigError, match="refit: type 'holdout' has one fold, whose model is the one saved"):
        load_config(write_config(protocol={"type": "holdout", "refit": False}))
