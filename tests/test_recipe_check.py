"""The report's recipe check: each fine-tuned run against its own frozen features."""

import shutil

from conftest import train_and_score
from test_compare import GOLD, rows

from stance.cli import main
from stance.evaluation.compare import compare
from stance.report import recipe
from stance.runs import find_runs

WRONG = ["NONE", "FAVOR", "AGAINST"] * 10


def test_a_fine_tuned_run_below_its_probe_is_flagged_and_one_above_is_not():
    assert "does not beat its frozen features" in recipe.judgement(compare(rows(WRONG), rows(GOLD), seed=1))
    assert recipe.judgement(compare(rows(GOLD), rows(WRONG), seed=1)) == "beats its frozen features"
    one_off = list(GOLD)
    one_off[0] = "AGAINST"
    assert recipe.judgement(compare(rows(GOLD), rows(one_off), seed=1)).startswith("above its frozen features, not")


def test_the_report_pairs_each_fine_tuned_run_with_the_probe_of_its_checkpoint(write_config, tiny_bert, tmp_path):
    experiments = tmp_path / "experiments"
    tiny = {"checkpoint": str(tiny_bert), "max_length": 32}
    other = shutil.copytree(tiny_bert, tmp_path / "other-checkpoint")
    configs = {
        "tuned": {"type": "transformer", "epochs": 2, "batch_size": 4, **tiny},
        "probe": {"type": "embeddings", **tiny},
        # sorted first, on the same folds, but of another checkpoint: not this run's probe
        "another_probe": {"type": "embeddings", **tiny, "checkpoint": str(other)},
        "tfidf": {"type": "tfidf"},
    }
    for name, model in configs.items():
        assert train_and_score(write_config(name=name, model=model), experiments / name) == 0
    (pair,) = recipe.probe_pairs(find_runs(experiments))
    assert (pair[0].name, pair[1].name) == ("tuned", "probe")
    assert main(["report", "--experiments", str(experiments)]) == 0
    report = (experiments / "REPORT.md").read_text()
    assert "## Recipe check: fine-tuned against its own frozen features" in report
    assert "| tuned | mean pooling, probe head | probe | 10 |" in report


def test_only_a_run_with_a_cost_lever_on_counts_as_cheapened_whatever_its_model_type():
    from types import SimpleNamespace

    from stance.config import ProtocolConfig, SetFitConfig, TransformerConfig
    from stance.report.recipe import _is_cheapened

    def run(model, **protocol):
        return SimpleNamespace(config=SimpleNamespace(model=model, protocol=ProtocolConfig(type="loo", **protocol)))

    assert not _is_cheapened(run(SetFitConfig(type="setfit")))  # no model levers, no error
    assert _is_cheapened(run(SetFitConfig(type="setfit"), refit=False))
    assert _is_cheapened(run(TransformerConfig(type="transformer", frozen_layers=2)))
    assert not _is_cheapened(run(TransformerConfig(type="transformer")))
