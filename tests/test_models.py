import numpy as np
import pytest
from conftest import TOY_SENTENCES

from stance.config import MajorityConfig, TfidfConfig
from stance.labels import LABELS
from stance.models import MODELS

TEXTS = [t for t, _ in TOY_SENTENCES]
GOLD = [label for _, label in TOY_SENTENCES]

CONFIGS = {
    "majority": MajorityConfig(type="majority"),
    "tfidf-logreg": TfidfConfig(type="tfidf"),
    "tfidf-linearsvc": TfidfConfig(type="tfidf", classifier="linearsvc"),
}


def build(config):
    return MODELS[config.type](config, seed=0)


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_probabilities_are_rows_in_label_order(config):
    proba = build(config).fit(TEXTS, GOLD).predict_proba(TEXTS)
    assert proba.shape == (len(TEXTS), len(LABELS))
    assert np.allclose(proba.sum(axis=1), 1)


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_a_class_missing_from_training_gets_zero_probability(config):
    two_class = [(t, g) for t, g in zip(TEXTS, GOLD) if g != "FAVOR"]
    model = build(config).fit([t for t, _ in two_class], [g for _, g in two_class])
    proba = model.predict_proba(TEXTS)
    assert np.all(proba[:, LABELS.index("FAVOR")] == 0)
    assert set(model.predict(TEXTS)) <= {"AGAINST", "NONE"}


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_save_then_load_scores_identically(config, tmp_path):
    model = build(config).fit(TEXTS, GOLD)
    model.save(tmp_path / "model")
    loaded = MODELS[config.type].load(tmp_path / "model", config, seed=0)
    new_texts = ["A sentence never seen in training about Moscow."]
    assert np.array_equal(loaded.predict_proba(new_texts), model.predict_proba(new_texts))


def test_majority_predicts_the_most_frequent_training_label():
    model = build(CONFIGS["majority"]).fit(TEXTS[:5], GOLD[:5])  # 3 FAVOR, 2 AGAINST
    assert model.predict(["anything at all"]) == ["FAVOR"]
    assert model.predict_proba(["x"])[0] == pytest.approx([0.6, 0.4, 0.0])


def test_tfidf_learns_the_separable_toy_data():
    assert build(CONFIGS["tfidf-logreg"]).fit(TEXTS, GOLD).predict(TEXTS) == GOLD


def test_tfidf_vocabulary_comes_only_from_the_training_texts():
    model = build(CONFIGS["tfidf-logreg"]).fit(TEXTS[:3], ["FAVOR", "AGAINST", "NONE"])
    word_vocabulary = model.estimators[None].named_steps["features"].transformer_list[0][1].vocabulary_
    assert "senator" not in word_vocabulary and "cooperation" in word_vocabulary


def test_tfidf_without_class_weights_predicts_the_rare_class_less_often():
    texts = ["same words here"] * 4 + ["same words there"]
    labels = ["AGAINST"] * 4 + ["FAVOR"]
    unseen = ["same words"]
    balanced = build(TfidfConfig(type="tfidf")).fit(texts, labels).predict_proba(unseen)[0]
    unweighted = build(TfidfConfig(type="tfidf", class_weight="none")).fit(texts, labels).predict_proba(unseen)[0]
    favor = LABELS.index("FAVOR")
    assert unweighted[favor] < balanced[favor]
