"""Tweet preprocessing: what it does to a tweet, and that a saved model applies it to raw text."""

import numpy as np
import pytest
from conftest import TOY_SENTENCES

from stance.config import EmbeddingsConfig, TfidfConfig
from stance.models import MODELS
from stance.models.encoder import model_inputs
from stance.models.text import preprocess, tweet


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("#HillaryForPrison now", "#HillaryForPrison Hillary For Prison now"),
        ("#SCOTUSRuling and #GOP2016", "#SCOTUSRuling SCOTUS Ruling and #GOP2016 GOP 2016"),
        ("#feminism", "#feminism feminism"),
        ("@CNN says http://t.co/abc", "@user says url"),
        ("no tags here", "no tags here"),
    ],
)
def test_tweet_keeps_each_hashtag_and_adds_its_words(raw, expected):
    assert tweet(raw) == expected


def test_none_leaves_texts_alone():
    assert preprocess(["#HillaryForPrison @x"], "none") == ["#HillaryForPrison @x"]


def test_tfidf_learns_hashtag_words_and_its_saved_model_applies_the_preprocessing(tmp_path):
    texts = [t for t, _ in TOY_SENTENCES] + ["#StopRussiaDeals now", "#WorkWithMoscow today"]
    labels = [label for _, label in TOY_SENTENCES] + ["AGAINST", "FAVOR"]
    config = TfidfConfig(type="tfidf", text_preprocessing="tweet")
    model = MODELS["tfidf"](config, 0).fit(texts, labels)
    vocabulary = model.estimators[None].named_steps["features"].transformer_list[0][1].vocabulary_
    assert {"stop", "russia", "deals", "moscow"} <= set(vocabulary)

    model.save(tmp_path / "model")
    loaded = MODELS["tfidf"].load(tmp_path / "model", config, seed=0)
    unseen = ["#StopWorkingWithMoscow", "plain text"]
    assert np.allclose(loaded.predict_proba(unseen), model.predict_proba(unseen))
    plain = MODELS["tfidf"](TfidfConfig(type="tfidf"), 0).fit(texts, labels)
    assert not np.allclose(plain.predict_proba(unseen), model.predict_proba(unseen))


def test_encoder_inputs_are_preprocessed_before_the_target_is_prefixed():
    config = EmbeddingsConfig(type="embeddings", use_target=True, text_preprocessing="tweet")
    assert model_inputs(["#GoRussia"], ["Russia"], config) == ["Russia: #GoRussia Go Russia"]
