"""The report's headline: the transformer against TF-IDF on the most items and seeds."""

from conftest import train_and_score

from stance.cli import main
from stance.report import headline
from stance.runs import find_runs

SEEDS = {"type": "grouped_kfold", "n_splits": 2, "n_repeats": 3, "reshuffle": False}


def test_the_headline_takes_the_transformer_with_the_most_seeds_and_resamples_them(
    write_config,
    with_sets,
    tiny_bert,
    tmp_path,  # noqa: F811
):
    experiments = tmp_path / "experiments"
    data = {"seeds_dir": str(with_sets), "sets": ["constructed", "contrast"]}
    transformer = {"type": "transformer", "checkpoint": str(tiny_bert), "epochs": 1, "batch_size": 4, "max_length": 32}
    one_seed = {**SEEDS, "n_repeats": 1, "reshuffle": True}
    runs = {
        "tfidf_logreg_grouped": ({"type": "tfidf"}, one_seed),
        "transformer_a_one_seed": (transformer, one_seed),  # sorted first: a name must not decide
        "transformer_grouped": (transformer, SEEDS),
    }
    for name, (model, protocol) in runs.items():
        path = write_config(name=name, data=data, protocol=protocol, model=model)
        assert train_and_score(path, experiments / name) == 0
    challenger, baseline, result = headline.best_pair(find_runs(experiments))
    assert (challenger.name, baseline.name, result.n_items) == ("transformer_grouped", "tfidf_logreg_grouped", 20)
    assert main(["report", "--experiments", str(experiments)]) == 0
    report = (experiments / "REPORT.md").read_text()
    assert "The transformer ran 3 seeds on the same folds" in report
    assert "Holm-adjusted over the 2 paired tests below" in report
    each = report.split("Δ of each seed alone: ")[1].split(".\n")[0].split(", ")
    assert len(each) == 3
