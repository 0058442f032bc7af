"""Stacking: the meta-learner is fitted on dev only, and its dev rows are cross-fitted."""

import numpy as np

from stance.evaluation.stacking import features, stack
from stance.labels import LABELS
from stance.runs import PredictionRow


def member(rng, gold, split, skill):
    """Rows of a fake member that puts `skill` extra probability on the gold label."""
    rows = []
    for i, (g, s) in enumerate(zip(gold, split)):
        p = rng.dirichlet(np.ones(3)) + skill * (np.array(LABELS) == g)
        p /= p.sum()
        rows.append(
            PredictionRow(
                id=f"t{i}", group="g", text=f"tweet {i}", gold=g, predicted=LABELS[int(p.argmax())],
                probabilities=dict(zip(LABELS, p.tolist())), repeat=0, fold=0, split=s, source="toy", family=f"t{i}",
            )
        )  # fmt: skip
    return rows


def members():
    rng = np.random.default_rng(0)
    gold = [LABELS[i % 3] for i in range(100)]
    split = ["dev"] * 60 + ["test"] * 40
    return [member(rng, gold, split, 0.6), member(rng, gold, split, 0.2)]


def test_test_labels_never_reach_the_meta_learner():
    rows = members()
    stacked, meta = stack(rows, seed=0)
    relabelled = [[r.model_copy(update={"gold": "NONE"}) if r.split == "test" else r for r in m] for m in rows]
    flipped, meta_flipped = stack(relabelled, seed=0)
    assert meta == meta_flipped
    assert [r.probabilities for r in stacked if r.split == "test"] == [
        r.probabilities for r in flipped if r.split == "test"
    ]


def probabilities(rows, split=None) -> np.ndarray:
    """(rows, labels) probabilities of the rows of `split` (all rows when None)."""
    return np.array([[r.probabilities[label] for label in LABELS] for r in rows if split in (None, r.split)])


def stacked_and_final_meta(split: str):
    """The stacked rows' probabilities on `split`, the final (all-dev) meta-learner's on the
    same rows, and those rows' ids, in the members' order and in the stack's."""
    rows = members()
    stacked, meta = stack(rows, seed=0)
    x = features([probabilities(m) for m in rows])
    index = [i for i, r in enumerate(rows[0]) if r.split == split]
    ids = [rows[0][i].id for i in index], [r.id for r in stacked if r.split == split]
    return probabilities(stacked, split), meta.predict_proba(x[index]), ids


def test_test_rows_come_from_the_meta_learner_fitted_on_all_of_dev():
    got, expected, _ = stacked_and_final_meta("test")
    assert np.allclose(got, expected)


def test_dev_rows_are_cross_fitted_not_predicted_by_the_final_meta_learner():
    got, in_sample, (member_ids, stacked_ids) = stacked_and_final_meta("dev")
    assert got.shape == in_sample.shape and not np.allclose(got, in_sample)
    assert stacked_ids == member_ids
