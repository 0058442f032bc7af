"""The chance null, the learning curve, leave-one-article-out, and the report built on them."""

from collections import Counter

import numpy as np
import pytest
from conftest import TOY_SENTENCES, train_and_score, write_article

from stance import protocol
from stance.cli import main
from stance.config import AnalysisConfig, ProtocolConfig, load_config
from stance.errors import ConfigError
from stance.runs import Run
from stance.train import prepare


def make_folds(labels, protocol_config, seed, groups=None):
    groups = groups or ["article"] * len(labels)
    return protocol.make_folds(labels, protocol_config, seed, groups, np.zeros(len(labels), bool))


def test_subsample_keeps_one_sentence_of_each_class_first():
    labels = np.array(["AGAINST"] * 8 + ["FAVOR"] * 5 + ["NONE"] * 2)
    for seed in range(20):
        chosen = protocol.subsample(np.arange(15), labels, 3, np.random.default_rng(seed))
        assert Counter(labels[chosen]) == {"AGAINST": 1, "FAVOR": 1, "NONE": 1}
    assert len(set(protocol.subsample(np.arange(15), labels, 8, np.random.default_rng(0)))) == 8


def test_curve_sizes_must_be_below_the_training_fold():
    folds = make_folds(["FAVOR", "AGAINST", "NONE"] * 5, ProtocolConfig(type="loo"), seed=0)
    with pytest.raises(ConfigError, match="analysis.curve_sizes: 14 must be at least 2 and below"):
        protocol.check_curve_sizes(AnalysisConfig(curve_sizes=(5, 14)), folds)


def test_leave_one_article_out_needs_two_articles():
    with pytest.raises(ConfigError, match=r"needs at least 2 groups \(articles\), found 1"):
        make_folds(["FAVOR"] * 4, ProtocolConfig(type="loao"), seed=0, groups=["a"] * 4)


def test_leave_one_article_out_holds_out_each_article_whole():
    groups = ["a"] * 3 + ["b"] * 2 + ["c"] * 4
    folds = make_folds(["FAVOR"] * 9, ProtocolConfig(type="loao"), seed=0, groups=groups)
    assert len(folds) == 3
    for fold in folds:
        held_out = {groups[i] for i in fold.test}
        assert len(held_out) == 1 and not held_out & {groups[i] for i in fold.train}


def test_a_run_with_analysis_records_chance_curve_and_report(write_config, tmp_path):
    config = write_config(analysis={"chance_permutations": 5, "curve_sizes": [3, 6], "curve_repeats": 2})
    path = tmp_path / "experiments" / "toy"
    assert train_and_score(config, path) == 0
    run = Run.open(path)
    assert run.chance.n_permutations == 5 and len(run.chance.null) == 5
    metrics = run.metrics
    assert [p.size for p in metrics.learning_curve] == [3, 6, 9]
    assert {(r.size, r.curve_repeat) for r in run.curve} == {(3, 0), (3, 1), (6, 0), (6, 1)}
    low, high = metrics.ci95["macro_f1"]
    assert low <= metrics.macro_f1 <= high
    # The p-value is (1 + permutations scoring at least the observed macro-F1) / (1 + 5).
    at_least = sum(null >= metrics.macro_f1 - 1e-12 for null in run.chance.null)
    assert metrics.chance.retrained.p_value == pytest.approx((1 + at_least) / 6)
    assert "Retrained on permuted labels" in (path / "report.md").read_text()


def test_the_permutation_null_retrains_on_permuted_labels(write_config):
    """Each permutation is the toy labels reshuffled; tfidf learns every labelling, so the
    out-of-fold null differs from the gold run's score on at least one permutation."""
    config = load_config(write_config(analysis={"chance_permutations": 3}))
    _, examples, folds = prepare(config, "toy")
    permutations = list(protocol.permuted_labels(examples.label, 3, config.seed))
    assert all(Counter(p) == Counter(examples.label) for p in permutations)
    assert any(list(p) != list(examples.label) for p in permutations)
    assert [list(p) for p in permutations] == [
        list(p) for p in protocol.permuted_labels(examples.label, 3, config.seed)
    ]


def test_curve_folds_only_shrink_the_training_side():
    labels = np.array(["FAVOR", "AGAINST", "NONE"] * 5)
    folds = make_folds(labels.tolist(), ProtocolConfig(type="loo"), seed=0)
    smaller = protocol.curve_folds(folds, labels, 4, subset=0, seed=0)
    for fold, small in zip(folds, smaller):
        assert len(small.train) == 4 and set(small.train) <= set(fold.train)
        assert np.array_equal(small.test, fold.test)


def test_adding_an_article_is_a_data_only_change(seeds_dir, write_config, tmp_path):
    """A second article in a temporary seeds folder: trained on, broken down, held out whole."""
    write_article(seeds_dir, "second-article", TOY_SENTENCES[::-1])
    experiments = tmp_path / "experiments"
    for name, kind in (("loo", {"type": "loo"}), ("loao", {"type": "loao"})):
        assert train_and_score(write_config(name=name, protocol=kind), experiments / name) == 0
    per_group = Run.open(experiments / "loao").metrics.per_group
    assert set(per_group) == {"toy-article", "second-article"}
    assert per_group["second-article"].n_items == 10
    assert main(["report", "--experiments", str(experiments), "--baseline", "loo"]) == 0
    report = (experiments / "REPORT.md").read_text()
    assert "## Per group, macro-F1" in report and "| loao |" in report


def test_each_run_is_paired_with_the_baseline_variant_on_its_own_folds(write_config, tmp_path):
    experiments = tmp_path / "experiments"
    two_fold = {"type": "repeated_kfold", "n_splits": 2, "n_repeats": 10}
    for name, model, folds in (
        ("tfidf_logreg", {"type": "tfidf"}, {"type": "loo"}),
        ("tfidf_logreg_twofold", {"type": "tfidf"}, two_fold),
        ("majority", {"type": "majority"}, {"type": "loo"}),
        ("majority_twofold", {"type": "majority"}, two_fold),
    ):
        config = write_config(name=name, model=model, protocol=folds)
        assert train_and_score(config, experiments / name) == 0
    assert main(["report", "--experiments", str(experiments)]) == 0
    paired = (experiments / "REPORT.md").read_text().split("### Paired tests against")[1].split("\n### ")[0]

    assert "| majority | tfidf_logreg | " in paired
    assert "| majority_twofold | tfidf_logreg_twofold | " in paired
    assert "unpaired" not in paired  # every run found the baseline on its folds


def test_report_pairs_runs_and_writes_self_contained_html(write_config, tmp_path):
    experiments = tmp_path / "experiments"
    for name, model in (("tfidf_logreg", {"type": "tfidf"}), ("majority", {"type": "majority"})):
        assert train_and_score(write_config(name=name, model=model), experiments / name) == 0
    assert main(["report", "--experiments", str(experiments)]) == 0
    report = (experiments / "REPORT.md").read_text()
    assert "### Paired tests against the tfidf (logreg) runs on the same folds" in report
    assert "| majority | tfidf_logreg | " in report.split("### Paired tests against")[1]
    assert "### Error analysis" in report and "toy fixture label" in report
    html = (experiments / "REPORT.html").read_text()
    assert "<table>" in html and "data:image/png;base64," in html
    assert 'src="figures/' not in html  # every image is embedded
