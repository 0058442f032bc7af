"""Scoring on hand-built typed rows: the numbers metrics.json holds, worked by hand."""

import pytest

from stance.evaluation.score import score
from stance.runs import ChanceNull, PredictionRow

PROBABILITIES = {"FAVOR": 0.5, "AGAINST": 0.3, "NONE": 0.2}


def row(item, gold, predicted, repeat=0, split="test", group="a"):
    return PredictionRow(
        id=item, group=group, text=f"text of {item}", gold=gold, predicted=predicted,
        probabilities=PROBABILITIES, repeat=repeat, fold=0, split=split, source="article", family=item,
    )  # fmt: skip


def test_headline_scores_use_test_rows_and_dev_is_scored_apart():
    rows = [
        row("1", "FAVOR", "FAVOR"),
        row("2", "AGAINST", "AGAINST"),
        row("3", "NONE", "AGAINST"),
        row("4", "AGAINST", "AGAINST"),
        row("d1", "FAVOR", "NONE", split="dev"),
        row("d2", "NONE", "NONE", split="dev"),
    ]
    metrics = score(rows, seed=0, full_train_size=3)
    # test: FAVOR F1 1, AGAINST P 2/3 R 1 -> F1 4/5, NONE F1 0.
    assert metrics.accuracy == pytest.approx(3 / 4)
    assert metrics.macro_f1 == pytest.approx((1 + 4 / 5 + 0) / 3)
    assert metrics.f_avg == pytest.approx((1 + 4 / 5) / 2)
    assert metrics.n_items == 4 and metrics.n_predictions == 4
    assert metrics.confusion_matrix == [[1, 0, 0], [0, 2, 0], [0, 1, 0]]
    # dev: FAVOR F1 0, AGAINST F1 0, NONE P 1/2 R 1 -> F1 2/3.
    assert metrics.dev.accuracy == pytest.approx(1 / 2) and metrics.dev.macro_f1 == pytest.approx(2 / 9)


def test_repeats_are_pooled_counted_once_as_items_and_spread():
    rows = [row("1", "FAVOR", "FAVOR", repeat=r) for r in (0, 1)] + [
        row("2", "AGAINST", "AGAINST", repeat=0),
        row("2", "AGAINST", "FAVOR", repeat=1),
    ]
    metrics = score(rows, seed=0, full_train_size=1)
    assert metrics.n_items == 2 and metrics.n_predictions == 4 and metrics.n_repeats == 2
    assert metrics.accuracy == pytest.approx(3 / 4)
    spread = metrics.spread_across_repeats["accuracy"]
    assert (spread.mean, spread.min, spread.max, spread.n) == (pytest.approx(0.75), 0.5, 1.0, 2)


def test_groups_and_the_retrained_null_are_scored_from_the_rows():
    rows = [
        row("1", "FAVOR", "FAVOR", group="a"),
        row("2", "AGAINST", "FAVOR", group="b"),
        row("3", "NONE", "NONE", group="b"),
    ]
    metrics = score(rows, seed=0, full_train_size=2, chance=ChanceNull(n_permutations=3, null=[0.1, 0.9, 0.5]))
    assert metrics.per_group["a"].n_items == 1 and metrics.per_group["a"].accuracy == 1.0
    assert metrics.per_group["b"].n_items == 2 and metrics.per_group["b"].accuracy == 0.5
    # observed macro-F1 = (2/3 + 0 + 1) / 3 = 5/9: one null value (0.9) is at least as large.
    retrained = metrics.chance.retrained
    assert retrained.p_value == pytest.approx((1 + 1) / (1 + 3))
    assert (retrained.null_mean, retrained.null_max) == (pytest.approx(0.5), 0.9)
    assert [p.size for p in metrics.learning_curve] == [2]  # the run itself is the full-size point


def tagged(item, gold, predicted, source, family, tags=(), repeat=0):
    return row(item, gold, predicted, repeat=repeat).model_copy(
        update={"source": source, "family": family, "tags": tags}
    )


def test_per_tag_accuracy_and_contrast_consistency_worked_by_hand():
    rows = [
        tagged("u1", "FAVOR", "FAVOR", "article", "u1"),
        tagged("e1", "AGAINST", "AGAINST", "contrast", "u1", ("negation",)),
        tagged("e2", "NONE", "NONE", "contrast", "u1", ("topic_none",)),
        tagged("u2", "AGAINST", "AGAINST", "article", "u2"),
        tagged("e3", "FAVOR", "AGAINST", "contrast", "u2", ("negation",)),
        tagged("c1", "NONE", "FAVOR", "constructed", "c1", ("topic_none",)),
    ]
    metrics = score(rows, seed=0, full_train_size=5)
    # u1 and both its edits are right; u2 is right but its edit is not: 1 of 2 units consistent.
    assert metrics.contrast.n_units == 2 and metrics.contrast.consistency == 0.5
    assert metrics.contrast.contrast_accuracy == pytest.approx(2 / 3)
    assert metrics.per_tag["negation"].accuracy == 0.5 and metrics.per_tag["topic_none"].accuracy == 0.5
    assert metrics.per_source["contrast"].n_items == 3 and metrics.per_source["article"].accuracy == 1.0


def test_each_source_has_its_own_bootstrap_interval():
    rows = [tagged(f"a{i}", "FAVOR", "FAVOR", "article", f"a{i}") for i in range(6)]
    rows += [
        tagged(f"c{i}", gold, pred, "constructed", f"c{i}")
        for i, (gold, pred) in enumerate(
            [("FAVOR", "AGAINST"), ("AGAINST", "AGAINST"), ("NONE", "FAVOR"), ("AGAINST", "NONE"), ("NONE", "NONE")]
        )
    ]
    metrics = score(rows, seed=0, full_train_size=10)

    article, constructed = metrics.per_source["article"], metrics.per_source["constructed"]
    assert article.macro_f1_ci == (article.macro_f1, article.macro_f1)  # every resample is all right
    low, high = constructed.macro_f1_ci
    assert low < constructed.macro_f1 < high
    assert metrics.ci95["macro_f1"] != constructed.macro_f1_ci  # not the pooled interval
