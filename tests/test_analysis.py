"""The chance null, the learning curve, leave-one-article-out, and the report built on them."""

import json
from collections import Counter

import numpy as np
import pytest

from stance import analysis, runs
from stance.cli import main
from stance.config import AnalysisConfig
from stance.errors import ConfigError
from stance.protocol import make_folds
from stance.protocol_config import ProtocolConfig

from conftest import TOY_SENTENCES, write_article


def test_subsample_keeps_one_sentence_of_each_class_first():
    labels = np.array(["AGAINST"] * 8 + ["FAVOR"] * 5 + ["NONE"] * 2)
    for seed in range(20):
        chosen = analysis.subsample(np.arange(15), labels, 3, np.random.default_rng(seed))
        assert Counter(labels[chosen]) == {"AGAINST": 1, "FAVOR": 1, "NONE": 1}
    assert len(set(analysis.subsample(np.arange(15), labels, 8, np.random.default_rng(0)))) == 8


def test_curve_sizes_must_be_below_the_training_fold():
    folds = make_folds(["FAVOR", "AGAINST", "NONE"] * 5, ProtocolConfig(type="loo"), seed=0)
    with pytest.raises(ConfigError, match="analysis.curve_sizes: 14 must be at least 2 and below"):
        analysis.check_curve_sizes(AnalysisConfig(curve_sizes=(5, 14)), folds)


def test_leave_one_article_out_needs_two_articles():
    with pytest.raises(ConfigError, match="needs at least 2 articles, found 1"):
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
    run = tmp_path / "experiments" / "toy"
    assert main(["train", "--config", str(config), "--out", str(run)]) == 0
    chance = json.loads((run / runs.CHANCE_FILE).read_text())
    assert chance["n_permutations"] == 5 and len(chance["null"]) == 5
    metrics = json.loads((run / runs.METRICS_FILE).read_text())
    assert [p["size"] for p in metrics["learning_curve"]] == [3, 6, 9]
    low, high = metrics["ci95"]["macro_f1"]
    assert low <= metrics["macro_f1"] <= high
    retrained = metrics["chance"]["retrained"]
    assert retrained["n_permutations"] == 5 and 1 / 6 <= retrained["p_value"] <= 1
    assert "Retrained on permuted labels" in (run / runs.REPORT_FILE).read_text()


def test_adding_an_article_is_a_data_only_change(seeds_dir, write_config, tmp_path):
    """A second article in a temporary seeds folder: trained on, broken down, held out whole."""
    write_article(seeds_dir, "second-article", TOY_SENTENCES[::-1])
    experiments = tmp_path / "experiments"
    for name, protocol in (("loo", {"type": "loo"}), ("loao", {"type": "loao"})):
        config = write_config(name=name, protocol=protocol)
        assert main(["train", "--config", str(config), "--out", str(experiments / name)]) == 0
    metrics = json.loads((experiments / "loao" / runs.METRICS_FILE).read_text())
    assert set(metrics["per_article"]) == {"toy-article", "second-article"}
    assert metrics["per_article"]["second-article"]["n_sentences"] == 10
    assert main(["report", "--experiments", str(experiments), "--baseline", "loo"]) == 0
    report = (experiments / "REPORT.md").read_text()
    assert "## Per article (or target)" in report and "| loao |" in report


def test_report_pairs_runs_and_writes_self_contained_html(write_config, tmp_path):
    experiments = tmp_path / "experiments"
    for name, model in (("tfidf_logreg", {"type": "tfidf"}), ("majority", {"type": "majority"})):
        assert main(["train", "--config", str(write_config(name=name, model=model)), "--out", str(experiments / name)]) == 0
    assert main(["report", "--experiments", str(experiments)]) == 0
    report = (experiments / "REPORT.md").read_text()
    assert "## Is the difference real? Paired tests against `tfidf_logreg`" in report
    assert "| majority | " in report.split("## Is the difference real?")[1]
    assert "## Error analysis" in report and "toy fixture label" in report
    html = (experiments / "REPORT.html").read_text()
    assert "<table>" in html and "data:image/png;base64," in html
    assert 'src="figures/' not in html  # every image is embedded
