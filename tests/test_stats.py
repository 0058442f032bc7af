import numpy as np
import pytest

from stance.evaluation import stats
from stance.evaluation.metrics import scores
from stance.labels import LABELS


def counts_for(gold, predicted):
    return stats.item_counts([str(i) for i in range(len(gold))], gold, predicted)[1]


def test_mcnemar_matches_a_hand_worked_case():
    # 1 pair only A gets right, 7 only B gets right, 4 both right: discordant n = 8.
    # Exact two-sided p = 2 * P(X <= 1 | Bin(8, 1/2)) = 2 * (1 + 8) / 256 = 18/256.
    a = [True] * 1 + [False] * 7 + [True] * 4
    b = [False] * 1 + [True] * 7 + [True] * 4
    result = stats.mcnemar_exact(a, b)
    assert (result["only_a_right"], result["only_b_right"]) == (1, 7)
    assert result["p_value"] == pytest.approx(18 / 256)


@pytest.mark.parametrize("n", [1, 2, 7, 8, 31, 200])
def test_mcnemar_p_equals_scipys_exact_binomial_test(n):
    from scipy.stats import binomtest

    for k in range(n + 1):
        a = [True] * k + [False] * (n - k)
        expected = binomtest(min(k, n - k), n, 0.5).pvalue
        assert stats.mcnemar_exact(a, [not x for x in a])["p_value"] == pytest.approx(expected, rel=1e-9)


def test_evaluating_does_not_import_scipy_stats():
    import subprocess
    import sys

    code = "import sys, stance.cli, stance.evaluation.score, stance.report.run; print('scipy.stats' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_mcnemar_without_discordant_pairs_is_p_one():
    assert stats.mcnemar_exact([True, False], [True, False])["p_value"] == 1.0


def test_bootstrap_ci_of_accuracy_matches_the_binomial_normal_approximation():
    # 300 of 400 right: the sampling sd of accuracy is sqrt(.75 * .25 / 400) = 0.02165,
    # so the 95% interval is 0.75 -/+ 1.96 * 0.02165 = [0.7076, 0.7924].
    gold = ["FAVOR"] * 400
    predicted = ["FAVOR"] * 300 + ["AGAINST"] * 100
    ci = stats.bootstrap_cis(counts_for(gold, predicted), n_resamples=4000, seed=1)["accuracy"]
    assert ci.low == pytest.approx(0.7076, abs=0.01)
    assert ci.high == pytest.approx(0.7924, abs=0.01)


def test_bootstrap_ci_of_a_perfect_predictor_is_a_point():
    gold = ["FAVOR", "AGAINST", "NONE"] * 5
    cis = stats.bootstrap_cis(counts_for(gold, gold), n_resamples=200)
    assert (cis["accuracy"].low, cis["accuracy"].high) == (1.0, 1.0)


def test_bootstrap_is_seeded():
    rng = np.random.default_rng(0)
    gold, predicted = rng.choice(LABELS, 30).tolist(), rng.choice(LABELS, 30).tolist()
    counts = counts_for(gold, predicted)
    assert stats.bootstrap_cis(counts, seed=5) == stats.bootstrap_cis(counts, seed=5)


def test_confusion_scores_agree_with_the_sklearn_metrics():
    rng = np.random.default_rng(0)
    gold, predicted = rng.choice(LABELS, 50).tolist(), rng.choice(LABELS, 50).tolist()
    from_counts = stats.scores_from_confusion(counts_for(gold, predicted).sum(0))
    reference = scores(gold, predicted)
    for name in ("accuracy", "macro_f1", "f_avg"):
        assert from_counts[name] == pytest.approx(reference[name])


def test_repeats_of_an_item_are_summed_into_its_counts():
    ids, counts = stats.item_counts(["s1", "s2", "s1"], ["FAVOR", "NONE", "FAVOR"], ["FAVOR", "NONE", "AGAINST"])
    assert ids == ["s1", "s2"]
    assert counts[0].sum() == 2 and counts[0][0, 0] == 1 and counts[0][0, 1] == 1


def test_paired_permutation_of_identical_models_is_p_one():
    gold = ["FAVOR", "AGAINST", "NONE", "AGAINST"] * 3
    counts = counts_for(gold, ["AGAINST"] * 12)
    result = stats.paired_permutation(counts, counts, n_permutations=500)
    assert result["difference"] == 0 and result["p_value"] == 1.0


def test_paired_permutation_detects_a_large_difference():
    gold = ["FAVOR", "AGAINST", "NONE"] * 6
    perfect, wrong = counts_for(gold, gold), counts_for(gold, ["NONE", "FAVOR", "AGAINST"] * 6)
    result = stats.paired_permutation(perfect, wrong, n_permutations=2000)
    assert result["difference"] == pytest.approx(1.0)
    assert result["p_value"] < 0.01


def test_minimum_detectable_difference_is_2_8_standard_deviations():
    assert stats.minimum_detectable_difference(0.1) == pytest.approx(0.2802, abs=1e-3)


def test_prediction_shuffle_null_separates_signal_from_none():
    gold = ["FAVOR", "AGAINST", "NONE"] * 10
    null = stats.prediction_shuffle_null(counts_for(gold, gold), n_permutations=2000)
    assert stats.permutation_p_value(1.0, null) < 0.001
    constant = stats.prediction_shuffle_null(counts_for(gold, ["AGAINST"] * 30), n_permutations=200)
    assert stats.permutation_p_value(scores(gold, ["AGAINST"] * 30)["macro_f1"], constant) == 1.0


def test_prediction_shuffle_moves_whole_items_not_repeats():
    # 6 sentences predicted perfectly, each repeated 10 times. Dealing the gold labels over
    # the 6 sentences reproduces the perfect score with probability 1/90 (one of the
    # 6!/(2!2!2!) = 90 distinct deals); shuffling the 60 rows would almost never do so.
    gold = ["FAVOR", "AGAINST", "NONE"] * 2
    ids = [str(i) for i in range(6)] * 10
    _, counts = stats.item_counts(ids, gold * 10, gold * 10)
    null = stats.prediction_shuffle_null(counts, n_permutations=20000, seed=0)
    assert np.mean(null >= 1.0 - 1e-12) == pytest.approx(1 / 90, abs=0.004)


def test_holm_adjusts_step_down_in_input_order_and_caps_at_one():
    # m = 4: sorted 0.01, 0.02, 0.03, 0.5 -> 0.04, 0.06, 0.06 (kept monotone), 0.5
    adjusted = stats.holm([0.03, 0.5, 0.01, 0.02])
    assert np.allclose(adjusted, [0.06, 0.5, 0.04, 0.06])
    assert np.allclose(stats.holm([0.4, 0.9]), [0.8, 0.9])
    assert np.allclose(stats.holm([0.6, 0.9]), [1.0, 1.0])


def test_expected_validation_performance_of_one_trial_is_the_mean_and_of_many_the_best():
    from stance.evaluation import evp

    scores = [0.5, 0.7, 0.6, 0.9]
    assert evp.expected_max(scores, 1)[0] == pytest.approx(np.mean(scores))
    assert evp.expected_max(scores, 200)[0] == pytest.approx(0.9, abs=1e-6)
    # two draws with replacement from four: P(max = 0.9) = 1 - (3/4)^2
    assert evp.expected_max(scores, 2)[0] == pytest.approx(
        0.5 * (1 / 16) + 0.6 * (4 / 16 - 1 / 16) + 0.7 * (9 / 16 - 4 / 16) + 0.9 * (7 / 16)
    )
    means, bands = evp.curve([scores, [0.2, 0.2, 0.2, 0.2]])
    assert np.all(np.diff(means) >= 0) and bands[-1] < bands[0]
