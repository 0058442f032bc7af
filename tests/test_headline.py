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


def test_the_report_leads_with_the_answer_and_sets_a_cheapened_run_beside_its_recipe(
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
        "majority_grouped": ({"type": "majority"}, one_seed),
        "tfidf_logreg_grouped": ({"type": "tfidf"}, one_seed),
        "transformer_grouped": ({**transformer, "frozen_layers": 1}, {**one_seed, "refit": False}),
        "transformer_grouped_seeds": (transformer, SEEDS),
    }
    for name, (model, protocol) in runs.items():
        assert (
            train_and_score(write_config(name=name, data=data, protocol=protocol, model=model), experiments / name) == 0
        )
    study = tmp_path / "study" / "headline.yaml"
    study.parent.mkdir()
    study.write_text(
        f"question: Does it work?\nreport: {experiments}\nbaseline: tfidf_logreg_grouped\n"
        "runs: [majority_grouped, tfidf_logreg_grouped, transformer_grouped]\n"
    )
    assert main(["report", "--study", str(study), "--experiments", str(experiments)]) == 0
    report = (experiments / "REPORT.md").read_text()
    first_screen = report.split("\n## ")[0]
    assert "**Question.** Does it work?" in first_screen
    assert "**Answer.** transformer_grouped is" in first_screen or "**Answer.** Not distinguishable" in first_screen
    facts = ("Δ macro-F1, `transformer_grouped` − `tfidf_logreg_grouped`", "minimum detectable difference",
             "| data | 20 test items", "figures/forest.png")  # fmt: skip
    for fact in facts:
        assert fact in first_screen, fact
    assert (experiments / "figures" / "forest.png").is_file()
    table = report.split("## Every model, best first")[1].split("\n## ")[0]
    rows = [line for line in table.splitlines() if line.startswith("| [")]
    scores = [float(row.split(" | ")[2].split(" ")[0]) for row in rows]
    assert scores == sorted(scores, reverse=True) and len(rows) == 3
    assert "(baseline)" in next(row for row in rows if "tfidf_logreg_grouped" in row)
    assert "transformer_grouped_seeds" not in table  # not in the study
    levers = report.split("## What the cost levers changed")[1].split("\n## ")[0]
    assert "| transformer_grouped | model.frozen_layers 0 → 1; protocol.n_repeats 3 → 1;" in levers
    assert "| transformer_grouped_seeds |" in levers
    threats = report.split("## Threats to validity")[1].split("\n## ")[0]
    assert "One article." in threats and "of the 20 test items" in threats
    assert report.index("## Threats to validity") < report.index("## Appendix")
