"""Studies: the runs a report covers, the baseline it names, and where it is written."""

import re

import pytest
from conftest import train_and_score

from stance.cli import main
from stance.errors import ConfigError
from stance.study import load_study


@pytest.fixture
def study(tmp_path, write_config):
    """Three trained runs in tmp/experiments, configs in tmp/, and a study of two of them."""
    experiments = tmp_path / "experiments"
    for name, model in (("base", {"type": "tfidf"}), ("floor", {"type": "majority"}), ("other", {"type": "tfidf"})):
        assert train_and_score(write_config(name=name, model=model), experiments / name) == 0
    path = tmp_path / "study" / "pair.yaml"
    path.parent.mkdir()
    path.write_text(f"report: {experiments / 'pair'}\nbaseline: base\nruns: [floor, base]\n")
    return path, experiments


def test_a_study_report_covers_its_runs_against_its_baseline(study):
    path, experiments = study
    assert main(["report", "--study", str(path), "--experiments", str(experiments)]) == 0
    report = (experiments / "pair" / "REPORT.md").read_text()
    assert "Paired tests against `base` on the same folds" in report
    assert "| floor | base | " in report
    assert "other" not in report  # a run outside the study
    assert "[floor](../floor/report.md)" in report  # run links work from the report's folder
    assert (experiments / "pair" / "REPORT.html").is_file() and (experiments / "pair" / "figures").is_dir()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("report: x\nbaseline: a\nruns: [a, missing]\n", "runs[1]: no config"),
        ("report: x\nbaseline: b\nruns: [a]\n", "baseline: 'b' is not one of the study's runs"),
        ("report: x\nruns: [a]\n", "baseline: missing required key"),
        ("report: x\nbaseline: a\nruns: [a]\nbaselines: [a]\n", "baselines: unknown key"),
    ],
)
def test_a_bad_study_is_one_message_naming_the_file(tmp_path, text, problem):
    (tmp_path / "a.yaml").write_text("seed: 1\n")
    path = tmp_path / "study" / "s.yaml"
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(f"{path}: {problem}")):
        load_study(path)


def test_the_shipped_studies_load_and_the_full_study_holds_the_headline():
    headline, full = load_study("configs/study/headline.yaml"), load_study("configs/study/full.yaml")
    assert set(headline.runs) <= set(full.runs)
    assert set(headline.baseline) <= set(full.baseline)
