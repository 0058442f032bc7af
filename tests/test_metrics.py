import pytest

from stance.evaluation.metrics import scores, spread

# Worked by hand:
#   FAVOR   tp 1 fp 0 fn 1 -> P 1,   R 1/2, F1 2/3
#   AGAINST tp 2 fp 2 fn 1 -> P 1/2, R 2/3, F1 4/7
#   NONE    tp 0 fp 1 fn 1 -> P 0,   R 0,   F1 0
GOLD = ["FAVOR", "FAVOR", "AGAINST", "AGAINST", "AGAINST", "NONE"]
PRED = ["FAVOR", "AGAINST", "AGAINST", "AGAINST", "NONE", "AGAINST"]


def test_scores_match_hand_computed_values():
    result = scores(GOLD, PRED)
    assert result["accuracy"] == pytest.approx(3 / 6)
    assert result["per_class"]["FAVOR"] == pytest.approx({"precision": 1, "recall": 1 / 2, "f1": 2 / 3, "support": 2})
    assert result["per_class"]["AGAINST"] == pytest.approx(
        {"precision": 1 / 2, "recall": 2 / 3, "f1": 4 / 7, "support": 3}
    )
    assert result["per_class"]["NONE"] == pytest.approx({"precision": 0, "recall": 0, "f1": 0, "support": 1})
    assert result["macro_f1"] == pytest.approx((2 / 3 + 4 / 7 + 0) / 3)
    assert result["f_avg"] == pytest.approx((2 / 3 + 4 / 7) / 2)


def test_confusion_matrix_rows_are_gold_columns_predicted_in_label_order():
    result = scores(GOLD, PRED)
    assert result["labels"] == ["FAVOR", "AGAINST", "NONE"]
    assert result["confusion_matrix"] == [[1, 1, 0], [0, 2, 1], [0, 1, 0]]


def test_f_avg_ignores_the_none_class():
    perfect_polar = scores(["FAVOR", "AGAINST", "NONE"], ["FAVOR", "AGAINST", "FAVOR"])
    assert perfect_polar["per_class"]["AGAINST"]["f1"] == 1.0
    assert perfect_polar["f_avg"] == pytest.approx((2 / 3 + 1) / 2)


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError):
        scores(["FAVOR"], ["FAVOR", "NONE"])


def test_spread_uses_the_sample_standard_deviation():
    assert spread([0.5]) is None
    assert spread([0.2, 0.4, 0.6]) == pytest.approx({"mean": 0.4, "std": 0.2, "min": 0.2, "max": 0.6, "n": 3})
