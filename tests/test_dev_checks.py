"""Cross-fitted dev checks: no dev row helps choose its own rule, and the rules can win."""

import numpy as np

from stance.evaluation import dev_checks
from stance.labels import LABELS

FAVOR, AGAINST, NONE = (LABELS.index(label) for label in ("FAVOR", "AGAINST", "NONE"))


def gold_labels(n_per_class: int = 40) -> np.ndarray:
    return np.repeat(np.arange(len(LABELS)), n_per_class)


def test_every_dev_row_is_predicted_once_per_shuffle_by_a_rule_it_did_not_choose():
    gold = gold_labels()
    calls = []

    def spy(choose_on, held_out):
        calls.append((set(choose_on), set(held_out)))
        return gold[held_out]

    results = dev_checks.cross_fitted(gold, spy, seed=1, repeats=3)
    assert results == [1.0, 1.0, 1.0]
    assert all(not (chose & held) for chose, held in calls)
    for shuffle in range(3):
        parts = calls[shuffle * 5 : (shuffle + 1) * 5]
        held_rows = [row for _, held in parts for row in held]
        assert sorted(held_rows) == list(range(len(gold)))
    assert calls[0][1] != calls[5][1]  # each shuffle splits dev differently


def test_a_scale_on_none_is_found_when_a_model_says_none_too_often():
    gold = gold_labels()
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(len(LABELS)), size=len(gold)) * 0.2
    proba[np.arange(len(gold)), gold] += 0.5  # the right class leads by a margin ...
    proba[gold != NONE, NONE] += 0.55  # ... that NONE, overconfident, overtakes
    uninformative = np.full_like(proba, 1 / len(LABELS))

    without = dev_checks.two_run_average(proba, uninformative, gold, seed=1, none_scale=False)
    with_scale = dev_checks.two_run_average(proba, uninformative, gold, seed=1, none_scale=True)
    assert np.mean(with_scale) > np.mean(without) + 0.2


def test_the_meta_learner_learns_to_trust_the_member_that_is_right():
    gold = gold_labels()
    rng = np.random.default_rng(0)
    right = np.full((len(gold), len(LABELS)), 0.1)
    right[np.arange(len(gold)), gold] = 0.8
    noise = rng.dirichlet(np.ones(len(LABELS)), size=len(gold))

    scores = dev_checks.stacked([noise, right], gold, seed=1, C=1.0, class_weight="balanced")
    assert min(scores) > 0.95
    equal_average = dev_checks.f_avg(gold, (noise + right).argmax(axis=1))
    assert equal_average < min(scores)
