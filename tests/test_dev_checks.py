"""Cross-fitted dev checks: no dev row reaches its own rule, and the rules can win."""

import numpy as np

from stance.evaluation import dev_checks
from stance.labels import LABELS

NONE = LABELS.index("NONE")


def gold_labels(n_per_class: int = 40) -> np.ndarray:
    return np.repeat(np.arange(len(LABELS)), n_per_class)


def test_a_rule_is_fitted_and_applied_on_disjoint_rows_covering_dev_once_per_shuffle():
    gold = gold_labels()
    row_ids = np.arange(len(gold))[:, None]  # each row's only feature is its own index
    seen = []

    def fit(x, fit_gold):
        assert list(fit_gold) == list(gold[x[:, 0]])  # the fit gets those rows' labels, no others
        fitted_on = set(x[:, 0])

        def rule(x_held):
            seen.append((fitted_on, set(x_held[:, 0])))
            return gold[x_held[:, 0]]

        return rule

    assert dev_checks.cross_fitted(row_ids, gold, fit, seed=1, repeats=3) == [1.0, 1.0, 1.0]
    assert all(not (fitted & held) for fitted, held in seen)
    for shuffle in range(3):
        held = [row for _, rows in seen[shuffle * 5 : (shuffle + 1) * 5] for row in rows]
        assert sorted(held) == list(range(len(gold)))
    assert seen[0][1] != seen[5][1]  # each shuffle splits dev differently


def test_ties_go_to_the_equal_mix_and_to_a_none_scale_of_one():
    gold = gold_labels(5)
    uninformative = np.full((len(gold), 2, len(LABELS)), 1 / len(LABELS))
    assert dev_checks.choose_mix(uninformative, gold, dev_checks.NONE_SCALES) == (0.5, 1.0)


def test_a_scale_on_none_is_found_when_a_model_says_none_too_often():
    gold = gold_labels()
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(len(LABELS)), size=len(gold)) * 0.2
    proba[np.arange(len(gold)), gold] += 0.5  # the right class leads by a margin ...
    proba[gold != NONE, NONE] += 0.55  # ... that NONE, overconfident, overtakes
    uninformative = np.full_like(proba, 1 / len(LABELS))

    without = dev_checks.two_run_average(proba, uninformative, gold, seed=1, choose_none_scale=False)
    with_scale = dev_checks.two_run_average(proba, uninformative, gold, seed=1, choose_none_scale=True)
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


def test_the_meta_learner_settings_reach_the_fit():
    gold = np.repeat(np.arange(len(LABELS)), [60, 30, 10])  # skewed, so class weights matter
    rng = np.random.default_rng(0)
    members = [rng.dirichlet(np.ones(len(LABELS)), size=len(gold)) for _ in range(2)]
    members[0][np.arange(len(gold)), gold] += 0.3  # weakly informative
    results = {
        (C, class_weight): dev_checks.stacked(members, gold, seed=1, C=C, class_weight=class_weight)
        for C, class_weight in dev_checks.META_SETTINGS
    }
    assert len({tuple(r) for r in results.values()}) == len(results)
