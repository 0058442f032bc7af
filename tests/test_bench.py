"""The benchmark script's behaviour (what it reports), not its timings."""

import pytest

from stance import bench
from stance.config import load_config


def test_measure_one_reports_times_throughput_and_memory(write_config):
    config = write_config(model={"type": "majority"})
    result = bench.measure_one(config)
    assert result["predict_sentences"] >= 1000
    assert len(set(bench._predict_texts(load_config(config)))) == result["predict_sentences"]  # no cache hits
    assert result["n_folds"] == 10
    for key in ("fit_seconds_per_fold", "protocol_seconds", "predict_sentences_per_second", "peak_memory_mib"):
        assert result[key] > 0, key


def test_markdown_table_has_a_row_per_model_and_a_ratio_only_for_the_transformer():
    rows = [
        {
            "model": "tfidf",
            "protocol": "loo",
            "n_folds": 15,
            "fit_seconds_per_fold": 0.1,
            "protocol_seconds": 2.0,
            "predict_sentences_per_second": 5000.0,
            "peak_memory_mib": 300.0,
        },
        {
            "model": "transformer",
            "protocol": "loo",
            "n_folds": 15,
            "fit_seconds_per_fold": 12.0,
            "protocol_seconds": 190.0,
            "predict_sentences_per_second": 400.0,
            "throughput_ratio_vs_bare_forward": 1.5,
            "throughput_ratio_vs_bare_forward_same_batches": 0.93,
            "peak_memory_mib": 900.0,
        },
    ]
    table = bench.render_markdown(rows, "test machine")
    assert "| tfidf | loo | 15 | 0.10 | 2.0 | 5000 | – | 300 |" in table
    assert "| transformer | loo | 15 | 12.00 | 190.0 | 400 | 1.50 / 0.93 | 900 |" in table


def test_a_run_records_stages_that_add_up_to_its_total(write_config, tmp_path):
    from stance.cli import main
    from stance.runs import Run

    config = write_config(model={"type": "tfidf"}, analysis={"chance_permutations": 2})
    assert main(["train", "--config", str(config), "--out", str(tmp_path / "run")]) == 0
    seconds = Run.open(tmp_path / "run").record.seconds

    stages = [getattr(seconds, stage) for stage in bench.TRAIN_STAGES]
    assert all(value >= 0 for value in stages) and seconds.fit > 0 and seconds.analysis > 0
    assert sum(stages) == pytest.approx(seconds.total, rel=1e-6)


def test_stage_split_times_the_report_stage_and_shares_add_to_the_whole(write_config, tmp_path):
    from stance.cli import main

    experiments = tmp_path / "experiments"
    for name in ("a", "b"):
        config = write_config(name=name, model={"type": "majority"})
        assert main(["train", "--config", str(config), "--out", str(experiments / name)]) == 0
    (experiments / "figures").mkdir()  # not a run: skipped

    rows = bench.stage_split(experiments)
    assert [row["run"] for row in rows] == ["a", "b"]
    assert all(row["report"] > 0 for row in rows)
    assert (experiments / "a" / "metrics.json").is_file()  # the report stage really ran
    table = bench.render_stages(rows)
    everything = table[-1].split(" | ")
    assert everything[0] == "| **all runs**"
    assert sum(int(cell.rstrip("% |")) for cell in everything[2:]) == pytest.approx(100, abs=len(bench.STAGES))
