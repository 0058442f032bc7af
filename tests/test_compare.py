"""The paired comparison's verdicts, and the words the report gives them."""

import numpy as np

from stance.evaluation import stats
from stance.evaluation.compare import compare, paired
from stance.report.paired import verdict_text
from stance.runs import PredictionRow

GOLD = ["FAVOR", "AGAINST", "NONE"] * 10


def rows(predicted, fold=0, gold=GOLD):
    return [
        PredictionRow(
            id=str(i), group="a", text="t", gold=g, predicted=p,
            probabilities={"FAVOR": 1.0, "AGAINST": 0.0, "NONE": 0.0}, repeat=0, fold=fold, split="test",
            source="article", family=str(i),
        )
        for i, (g, p) in enumerate(zip(gold, predicted))
    ]  # fmt: skip


def test_identical_predictions_have_nothing_to_test():
    result = compare(rows(GOLD), rows(GOLD))
    assert result.verdict == "identical" and result.macro_f1_difference == 0 and result.permutation_p == 1.0
    assert verdict_text("a", "b", result) == "Identical predictions on all 30 items: nothing to test."


def test_a_real_difference_is_found_in_the_right_direction():
    wrong = ["NONE", "FAVOR", "AGAINST"] * 10
    better = compare(rows(GOLD), rows(wrong), seed=1)
    assert better.verdict == "better" and better.macro_f1_difference == 1.0 and better.permutation_p < 0.001
    assert (better.only_run_right, better.only_baseline_right) == (30, 0)
    assert verdict_text("run", "base", better) == "run is better than base by 100.0 macro-F1 points (p < 0.001)."
    assert compare(rows(wrong), rows(GOLD), seed=1).verdict == "worse"


def test_a_small_difference_is_not_distinguishable_and_says_what_could_be():
    one_off = list(GOLD)
    one_off[0] = "AGAINST"
    result = compare(rows(GOLD), rows(one_off), seed=1)
    assert result.verdict == "not_distinguishable" and result.permutation_p > 0.05
    text = verdict_text("run", "base", result)
    assert text.startswith(f"Not distinguishable at this sample size (n = 30, p = {result.permutation_p:.3f})")
    assert f"about {100 * result.minimum_detectable_difference:.0f} points" in text


def test_runs_on_other_folds_are_not_paired():
    assert not paired(rows(GOLD, fold=0), rows(GOLD, fold=1))
    assert compare(rows(GOLD, fold=0), rows(GOLD, fold=1)) is None


def test_runs_that_differ_on_one_item_are_not_given_a_detectable_difference_of_zero_points():
    """Two runs one item apart: "only a true difference of about 0 points or more" was the
    report's line; the useful fact is how many items they differ on."""
    many = ["FAVOR", "AGAINST", "NONE"] * 100
    one_off = list(many)
    one_off[0] = "NONE"
    result = compare(rows(one_off, gold=many), rows(many, gold=many), seed=1)
    assert result.n_disagree == 1
    text = verdict_text("run", "base", result)
    assert "0 points" not in text
    assert text == "Not distinguishable (n = 300, p = 1.000): the two runs predict differently on 1 item of 300."


def test_an_adjusted_p_changes_the_verdict_it_is_given():
    wrong = ["NONE", "FAVOR", "AGAINST"] * 10
    better = compare(rows(GOLD), rows(wrong), seed=1)
    assert verdict_text("run", "base", better, p=0.2).startswith("Not distinguishable")
    assert "(n = 30, p = 0.200)" in verdict_text("run", "base", better, p=0.2)


def seeded(predicted_per_repeat, fold=0):
    """Rows of one run with a repeat per list of predictions, all on the same folds."""
    return [row.model_copy(update={"repeat": r}) for r, p in enumerate(predicted_per_repeat) for row in rows(p, fold)]


def test_seed_only_repeats_pair_with_a_one_repeat_run_on_the_same_folds():
    assert paired(seeded([GOLD, GOLD, GOLD]), rows(GOLD), seed_repeats=True)
    assert paired(rows(GOLD), seeded([GOLD, GOLD]), seed_repeats=True)
    reshuffled = [r.model_copy(update={"fold": 1}) if r.repeat == 1 else r for r in seeded([GOLD, GOLD])]
    assert not paired(reshuffled, rows(GOLD), seed_repeats=True)
    # row by row they are not paired: an ensemble of the two would zip 3n rows with n
    assert not paired(seeded([GOLD, GOLD, GOLD]), rows(GOLD))


def test_the_interval_widens_when_the_seeds_disagree():
    """Three seeds of which one is much worse: resampling the seeds too widens the interval
    beyond what the items alone give for the same pooled predictions."""
    worse = list(GOLD)
    for i in range(0, 30, 2):
        worse[i] = "NONE" if GOLD[i] != "NONE" else "FAVOR"
    baseline = rows(["FAVOR"] * 10 + ["AGAINST"] * 10 + ["NONE"] * 10)
    seeds = seeded([GOLD, GOLD, worse])
    result = compare(seeds, baseline, seed=2)
    ids = [str(i) for i in range(30)]
    _, per_item = stats.item_counts(ids * 3, [r.gold for r in seeds], [r.predicted for r in seeds])
    _, base_items = stats.item_counts(ids, [r.gold for r in baseline], [r.predicted for r in baseline])
    items_only = np.percentile(stats.paired_bootstrap(per_item / 3, base_items, seed=2), [2.5, 97.5])
    assert result.difference_ci[1] - result.difference_ci[0] > 1.5 * (items_only[1] - items_only[0])
    # the seeds' pooled predictions are compared: between the bad seed's difference and a good one's
    assert compare(rows(worse), baseline).macro_f1_difference < result.macro_f1_difference
    assert result.macro_f1_difference < compare(rows(GOLD), baseline).macro_f1_difference
