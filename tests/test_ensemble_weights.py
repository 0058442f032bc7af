"""How an ensemble's weight is chosen: on dev F_avg, ties to the equal mix, test never used."""

import pytest

from stance.evaluation.ensemble import choose_weight, mix
from stance.runs import PredictionRow


def row(item, gold, favor, split="dev"):
    proba = {"FAVOR": favor, "AGAINST": 1 - favor, "NONE": 0.0}
    return PredictionRow(
        id=item, group="a", text="t", gold=gold, predicted=max(proba, key=proba.get),
        probabilities=proba, repeat=0, fold=0, split=split, source="article", family=item,
    )  # fmt: skip


def test_the_mix_averages_probabilities_and_re_takes_the_argmax():
    (mixed,) = mix([row("1", "FAVOR", 0.9)], [row("1", "FAVOR", 0.2)], weight=0.25)
    assert mixed.probabilities["FAVOR"] == pytest.approx(0.25 * 0.9 + 0.75 * 0.2)
    assert mixed.predicted == "AGAINST"


def test_ties_go_to_the_weight_closest_to_an_equal_mix():
    # Both runs are right on both dev items at every weight: all weights tie.
    a = [row("1", "FAVOR", 0.9), row("2", "AGAINST", 0.1)]
    weight, grid = choose_weight(a, a)
    assert set(grid.values()) == {1.0} and weight == 0.5


def test_the_best_dev_weight_wins_and_test_rows_do_not_count():
    # A is right on dev, B is wrong on dev; on test it is the other way round.
    a = [row("1", "FAVOR", 0.9), row("2", "AGAINST", 0.1), row("t", "AGAINST", 0.9, split="test")]
    b = [row("1", "FAVOR", 0.1), row("2", "AGAINST", 0.9), row("t", "AGAINST", 0.1, split="test")]
    weight, grid = choose_weight(a, b)
    # Every weight above 0.5 gets both dev items right; of those, 0.6 is closest to 0.5.
    assert all(grid[w] == 1.0 for w in grid if w > 0.5) and grid[0.0] == 0.0
    assert weight == 0.6


def test_without_a_dev_split_the_runs_are_weighted_equally():
    test_only = [row("1", "FAVOR", 0.9, split="test")]
    assert choose_weight(test_only, test_only) == (0.5, {})
