from collections import Counter

import numpy as np
import pytest

from stance import protocol
from stance.config import ProtocolConfig
from stance.errors import ConfigError
from stance.protocol import make_folds as make_folds_with

LABELS_15 = ["AGAINST"] * 8 + ["FAVOR"] * 5 + ["NONE"] * 2


def make_folds(labels, protocol, seed, groups=None, is_test=None):
    """Folds of one-group data with no test split, unless the test says otherwise."""
    groups = groups or ["article"] * len(labels)
    is_test = np.zeros(len(labels), bool) if is_test is None else is_test
    return make_folds_with(labels, protocol, seed, groups, is_test)


LOO = ProtocolConfig(type="loo")
KFOLD = ProtocolConfig(type="repeated_kfold", n_splits=2, n_repeats=10)


@pytest.mark.parametrize("protocol", [LOO, KFOLD], ids=["loo", "repeated_kfold"])
def test_a_sentence_is_never_in_its_own_training_fold(protocol):
    for fold in make_folds(LABELS_15, protocol, seed=0):
        assert not set(fold.train) & set(fold.test)
        assert sorted([*fold.train, *fold.test]) == list(range(len(LABELS_15)))


@pytest.mark.parametrize("protocol", [LOO, KFOLD], ids=["loo", "repeated_kfold"])
def test_each_repeat_tests_every_sentence_exactly_once(protocol):
    folds = make_folds(LABELS_15, protocol, seed=0)
    for repeat in {f.repeat for f in folds}:
        tested = Counter(i for f in folds if f.repeat == repeat for i in f.test)
        assert tested == Counter(range(len(LABELS_15)))


def test_repeated_kfold_has_the_configured_number_of_repeats_and_stratifies():
    folds = make_folds(LABELS_15, KFOLD, seed=0)
    assert len(folds) == 20 and {f.repeat for f in folds} == set(range(10))
    for fold in folds:  # stratified: each 2-fold test half holds one of the two NONE sentences
        assert Counter(np.asarray(LABELS_15)[fold.test])["NONE"] == 1


def test_same_seed_same_folds_other_seed_other_folds():
    first, again, other = (make_folds(LABELS_15, KFOLD, seed=s) for s in (3, 3, 4))
    assert all(np.array_equal(a.test, b.test) for a, b in zip(first, again))
    assert not all(np.array_equal(a.test, b.test) for a, b in zip(first, other))


def test_k_above_the_smallest_class_count_is_a_config_error():
    with pytest.raises(ConfigError, match=r"protocol.n_splits: 3 folds exceed the smallest class count \(NONE: 2\)"):
        make_folds(LABELS_15, ProtocolConfig(type="repeated_kfold", n_splits=3, n_repeats=10), seed=0)


def test_holdout_dev_split_is_stratified_disjoint_and_never_touches_test():
    labels = ["FAVOR", "AGAINST", "NONE"] * 20 + ["FAVOR"] * 10
    groups = (["a"] * 30 + ["b"] * 30) + ["a"] * 10
    is_test = np.array([False] * 60 + [True] * 10)
    (fold,) = make_folds(
        labels, ProtocolConfig(type="holdout", dev_fraction=0.2), seed=0, groups=groups, is_test=is_test
    )
    assert list(fold.test) == list(range(60, 70))
    assert not set(fold.dev) & set(fold.train) and set(fold.dev) | set(fold.train) == set(range(60))
    assert len(fold.dev) == 12
    strata = Counter(f"{groups[i]}|{labels[i]}" for i in fold.dev)
    assert set(strata.values()) == {2}  # 20% of each of the 6 (group, label) strata of 10


def test_holdout_without_a_test_split_is_a_config_error():
    with pytest.raises(ConfigError, match="holdout needs data with a test split"):
        make_folds(LABELS_15, ProtocolConfig(type="holdout"), seed=0, groups=["a"] * 15)


# --- protocols over several sources ---------------------------------------------------------

SOURCES = ["article"] * 4 + ["contrast"] * 4 + ["constructed"] * 6
FAMILIES = ["u1", "u2", "u3", "u4", "u1", "u1", "u2", "u3"] + [f"c{i}" for i in range(6)]
MIXED_LABELS = ["FAVOR", "AGAINST", "NONE", "FAVOR", "AGAINST", "NONE", "FAVOR", "AGAINST"] + [
    "FAVOR",
    "AGAINST",
    "NONE",
] * 2


def source_folds(protocol):
    return make_folds_with(MIXED_LABELS, protocol, 0, SOURCES, np.zeros(len(MIXED_LABELS), bool), SOURCES, FAMILIES)


def test_augmented_leave_one_out_never_trains_on_the_held_out_family():
    folds = source_folds(ProtocolConfig(type="loo", test_sources=("article",)))
    assert len(folds) == 4  # one fold per article unit
    for fold in folds:
        held_out = {FAMILIES[i] for i in fold.test}
        assert len(held_out) == 1 and {SOURCES[i] for i in fold.test} == {"article"}
        assert not held_out & {FAMILIES[i] for i in fold.train}  # no unit, no edit of it
        assert {i for i in range(8, 14)} <= set(fold.train)  # the constructed set trains in every fold


def test_leave_one_family_out_can_test_a_unit_with_its_edits():
    folds = source_folds(ProtocolConfig(type="loo", test_sources=("article", "contrast")))
    assert [sorted(f.test) for f in folds][0] == [0, 4, 5]  # u1 and its two edits


def test_cross_set_trains_on_one_source_and_tests_on_another():
    (fold,) = source_folds(ProtocolConfig(type="cross_set", train_sources=("constructed",), test_sources=("article",)))
    assert list(fold.train) == list(range(8, 14)) and list(fold.test) == [0, 1, 2, 3]


def test_grouped_kfold_keeps_each_family_on_one_side():
    folds = source_folds(ProtocolConfig(type="grouped_kfold", n_splits=2, n_repeats=2))
    assert len(folds) == 4
    for fold in folds:
        assert not {FAMILIES[i] for i in fold.test} & {FAMILIES[i] for i in fold.train}
    for repeat in (0, 1):
        tested = sorted(i for f in folds if f.repeat == repeat for i in f.test)
        assert tested == list(range(len(MIXED_LABELS)))


def test_a_source_that_is_not_loaded_is_a_config_error():
    with pytest.raises(ConfigError, match=r"protocol.test_sources: no loaded items come from \['contrast'\]"):
        make_folds_with(
            ["FAVOR"] * 3,
            ProtocolConfig(type="loo", test_sources=("contrast",)),
            0,
            ["a"] * 3,
            np.zeros(3, bool),
            ["article"] * 3,
        )


def test_split_seed_keeps_the_folds_while_the_model_seed_changes(write_config):
    from stance.config import load_config
    from stance.train import prepare

    kfold = {"type": "repeated_kfold", "n_splits": 2, "n_repeats": 10, "split_seed": 13}
    folds = {}
    for seed in (13, 14):
        config = load_config(write_config(name=f"s{seed}", seed=seed, protocol=kfold))
        folds[seed] = prepare(config, "test")[2]
    assert all(np.array_equal(a.test, b.test) for a, b in zip(folds[13], folds[14]))
    unfixed = load_config(write_config(name="free", seed=14, protocol={**kfold, "split_seed": None}))
    assert not all(np.array_equal(a.test, b.test) for a, b in zip(folds[13], prepare(unfixed, "test")[2]))


def test_repeats_without_reshuffling_rerun_the_first_folds_with_new_model_seeds():
    labels = ["FAVOR", "AGAINST", "NONE"] * 6
    families = [str(i) for i in range(len(labels))]
    config = ProtocolConfig(type="grouped_kfold", n_splits=3, n_repeats=3, reshuffle=False)
    folds = protocol.make_folds(labels, config, 5, ["a"] * 18, np.zeros(18, bool), families=families)
    assert [f.repeat for f in folds] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    for fold in folds[3:]:
        first = folds[fold.index]
        assert np.array_equal(fold.train, first.train) and np.array_equal(fold.test, first.test)
    assert len({protocol.model_seed(5, f) for f in folds}) == 3
    reshuffled = protocol.make_folds(
        labels, config.model_copy(update={"reshuffle": True}), 5, ["a"] * 18, np.zeros(18, bool), families=families
    )
    assert not all(np.array_equal(a.test, b.test) for a, b in zip(reshuffled[:3], reshuffled[3:6]))
