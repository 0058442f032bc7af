"""The benchmark script's behaviour (what it reports), not its timings."""

from stance import bench


def test_measure_one_reports_times_throughput_and_memory(write_config):
    result = bench.measure_one(write_config(model={"type": "majority"}))
    assert result["predict_sentences"] >= 1000
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
