import pytest

from stance.cli import main
from stance.data import seeds
from stance.errors import DataError
from stance.evaluation import agreement

A = ["FAVOR", "FAVOR", "AGAINST", "AGAINST", "NONE", "NONE"]
B = ["FAVOR", "AGAINST", "AGAINST", "AGAINST", "NONE", "FAVOR"]


def annotate(seeds_dir, annotator, labels):
    """Write an annotation file for the first len(labels) toy sentences."""
    article = seeds_dir / "articles" / "toy-article"
    sentences = seeds.read_jsonl(article / seeds.SENTENCES_FILE, seeds.SENTENCE_KEYS)
    folder = article / seeds.ANNOTATIONS_DIR
    folder.mkdir(exist_ok=True)
    rows = [{"id": r.fields["id"], "label": label, "rationale": "fixture"} for r, label in zip(sentences, labels)]
    seeds.write_jsonl(folder / f"{annotator}.jsonl", rows)


def test_cohen_kappa_matches_a_hand_worked_case(seeds_dir):
    # observed agreement 4/6; chance agreement (2*2 + 2*3 + 2*1) / 36 = 1/3; kappa = 0.5
    annotate(seeds_dir, "ann1", A)
    annotate(seeds_dir, "ann2", B)
    result = agreement.agreement(*seeds.load_annotations(seeds_dir))
    (pair,) = result["pairs"]
    assert pair["cohen_kappa"] == pytest.approx(0.5)
    assert pair["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert [d["id"] for d in result["disagreements"]] == ["toy-article.s02", "toy-article.s06"]
    assert 0 < result["krippendorff_alpha"] < 1


def test_three_annotators_in_full_agreement_have_alpha_one(seeds_dir):
    for name in ("a", "b", "c"):
        annotate(seeds_dir, name, A)
    result = agreement.agreement(*seeds.load_annotations(seeds_dir))
    assert result["krippendorff_alpha"] == pytest.approx(1.0)
    assert len(result["pairs"]) == 3 and result["disagreements"] == []


def test_one_annotator_is_not_enough(seeds_dir):
    annotate(seeds_dir, "solo", A)
    with pytest.raises(DataError, match="at least two annotators"):
        agreement.agreement(*seeds.load_annotations(seeds_dir))


def test_annotation_files_are_validated_like_labels(seeds_dir):
    annotate(seeds_dir, "ann1", ["FAVOR", "MAYBE"])
    with pytest.raises(DataError, match=r"ann1.jsonl:2: unknown label 'MAYBE'"):
        seeds.load_annotations(seeds_dir)


def test_agreement_command_prints_kappa_and_disagreements(seeds_dir, capsys):
    annotate(seeds_dir, "ann1", A)
    annotate(seeds_dir, "ann2", B)
    assert main(["agreement", "--seeds", str(seeds_dir)]) == 0
    out = capsys.readouterr().out
    assert "Cohen's kappa 0.500" in out and "2 disagreements" in out


def test_agreement_is_reported_per_source_sets_included(seeds_dir, capsys):
    from conftest import contrast_items, write_set

    annotate(seeds_dir, "ann1", A)
    annotate(seeds_dir, "ann2", B)
    folder = write_set(seeds_dir, "contrast", "contrast", contrast_items())
    (folder / "annotations").mkdir()
    items = contrast_items()
    seeds.write_jsonl(
        folder / "annotations" / "first.jsonl", [{"id": i["id"], "label": i["label"], "rationale": "r"} for i in items]
    )
    flipped = [{"id": i["id"], "label": "NONE", "rationale": "r"} for i in items]
    seeds.write_jsonl(folder / "annotations" / "second.jsonl", flipped)
    assert main(["agreement", "--seeds", str(seeds_dir)]) == 0
    out = capsys.readouterr().out
    assert "== article" in out and "Cohen's kappa 0.500" in out
    assert "== contrast" in out and "first vs second" in out
